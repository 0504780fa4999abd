// The /api/docs page: reads /api/openapi.json, lists every operation by
// tag, and tries one with the caller's API token or browser session.
// Every element is built with the DOM (no innerHTML), so nothing from the
// description or an answer is ever run as markup.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let spec = null;
  let csrf = null;

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children || []) if (c) e.appendChild(c);
    return e;
  }

  function resolve(schema) {
    let s = schema || {};
    for (let i = 0; i < 10 && s.$ref; i++) {
      const name = s.$ref.split("/").pop();
      s = (spec.components && spec.components.schemas && spec.components.schemas[name]) || {};
    }
    return s;
  }

  // A skeleton value for `schema`, to start a JSON body from.
  function skeleton(schema, depth) {
    const s = resolve(schema);
    if (depth > 6) return null;
    if (s.example !== undefined) return s.example;
    if (s.enum && s.enum.length) return s.enum[0];
    for (const k of ["oneOf", "anyOf", "allOf"]) {
      if (s[k] && s[k].length) {
        const firstReal = s[k].find((x) => resolve(x).type !== "null") || s[k][0];
        return skeleton(firstReal, depth + 1);
      }
    }
    let type = s.type;
    if (Array.isArray(type)) type = type.find((t) => t !== "null") || "null";
    switch (type) {
      case "object": {
        const out = {};
        for (const [k, v] of Object.entries(s.properties || {})) out[k] = skeleton(v, depth + 1);
        return out;
      }
      case "array": return [skeleton(s.items, depth + 1)];
      case "integer": case "number": return 0;
      case "boolean": return false;
      case "string": return "";
      case "null": return null;
      default: return null;
    }
  }

  function authHeaders(method) {
    const h = {};
    const token = $("token").value.trim();
    if (token) h["authorization"] = "Bearer " + token;
    else if (csrf && !["GET", "HEAD"].includes(method)) h["x-csrf-token"] = csrf;
    return h;
  }

  async function showAnswer(out, resp) {
    out.textContent = "";
    const rid = resp.headers.get("x-request-id") || "";
    const type = resp.headers.get("content-type") || "";
    out.appendChild(document.createTextNode(resp.status + " " + resp.statusText + "   X-Request-Id: " + rid + "\n"));
    if (type.startsWith("application/json")) {
      const body = await resp.json().catch(() => null);
      out.appendChild(document.createTextNode(JSON.stringify(body, null, 2)));
    } else if (type.startsWith("text/") && !type.startsWith("text/csv")) {
      out.appendChild(document.createTextNode(await resp.text()));
    } else {
      const blob = await resp.blob();
      if (blob.size) {
        const a = el("a", { href: URL.createObjectURL(blob), download: "kyso-download", text: blob.size + " bytes (" + type + ") — tải về / download" });
        out.appendChild(a);
      }
    }
  }

  function operationView(path, method, op) {
    const M = method.toUpperCase();
    const params = op.parameters || [];
    const inputs = {};
    const body = op.requestBody && op.requestBody.content ? op.requestBody.content : null;
    const form = el("div");
    if (op.description) form.appendChild(el("p", { class: "muted", text: op.description }));
    for (const p of params) {
      const i = el("input", { type: "text", placeholder: (resolve(p.schema).type || "") + (p.required ? " *" : "") });
      inputs[p.in + ":" + p.name] = i;
      form.appendChild(el("label", {}, [document.createTextNode(p.name + " (" + p.in + ")" + (p.description ? " — " + p.description : "")), i]));
    }
    let bodyKind = null;
    let bodyInput = null;
    const parts = {};
    if (body) {
      const type = Object.keys(body)[0];
      if (type === "application/json") {
        bodyKind = "json";
        bodyInput = el("textarea", {});
        bodyInput.value = JSON.stringify(skeleton(body[type].schema, 0), null, 2);
        form.appendChild(el("label", {}, [document.createTextNode("JSON"), bodyInput]));
      } else if (type === "multipart/form-data") {
        bodyKind = "multipart";
        const props = resolve(body[type].schema).properties || {};
        for (const [name, ps] of Object.entries(props)) {
          const r = resolve(ps);
          const binary = r.format === "binary" || (r.items && resolve(r.items).format === "binary") ||
            (Array.isArray(r.type) && r.format === "binary");
          let input;
          if (binary) {
            input = el("input", { type: "file" });
            if (r.type === "array" || (Array.isArray(r.type) && r.type.includes("array"))) input.multiple = true;
          } else if (r.type === "object" || r.$ref || (ps.$ref)) {
            input = el("textarea", {});
            input.value = JSON.stringify(skeleton(ps, 0), null, 2);
          } else {
            input = el("input", { type: "text" });
          }
          parts[name] = input;
          form.appendChild(el("label", {}, [document.createTextNode(name), input]));
        }
      } else {
        bodyKind = "raw:" + type;
        bodyInput = type.startsWith("image/") ? el("input", { type: "file" }) : el("textarea", {});
        form.appendChild(el("label", {}, [document.createTextNode(type), bodyInput]));
      }
    }
    const out = el("pre", { class: "out" });
    const send = el("button", { type: "button", text: "Gửi / send" });
    send.addEventListener("click", async () => {
      out.textContent = "…";
      try {
        let url = path;
        const query = new URLSearchParams();
        const headers = authHeaders(M);
        for (const p of params) {
          const v = inputs[p.in + ":" + p.name].value;
          if (v === "") continue;
          if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(v));
          else if (p.in === "query") query.append(p.name, v);
          else if (p.in === "header") headers[p.name] = v;
        }
        const qs = query.toString();
        if (qs) url += "?" + qs;
        const init = { method: M, headers: headers, credentials: "same-origin" };
        if (bodyKind === "json") {
          headers["content-type"] = "application/json";
          init.body = bodyInput.value;
        } else if (bodyKind === "multipart") {
          const fd = new FormData();
          for (const [name, input] of Object.entries(parts)) {
            if (input.type === "file") {
              for (const f of input.files) fd.append(name, f, f.name);
            } else if (input.value.trim() !== "") {
              fd.append(name, input.value);
            }
          }
          init.body = fd;
        } else if (bodyKind && bodyKind.startsWith("raw:")) {
          headers["content-type"] = bodyKind.slice(4);
          init.body = bodyInput.type === "file" ? bodyInput.files[0] : bodyInput.value;
        }
        await showAnswer(out, await fetch(url, init));
      } catch (e) {
        out.textContent = "Lỗi / error: " + e.message;
      }
    });
    form.appendChild(send);
    form.appendChild(out);
    const summary = el("summary", {}, [
      el("span", { class: "method method-" + method, text: M }),
      document.createTextNode(" " + path + (op.summary ? " — " + op.summary : "")),
    ]);
    return el("details", { class: "op", id: op.operationId || "" }, [summary, form]);
  }

  function render() {
    $("intro").textContent = (spec.info && spec.info.description) || "";
    const byTag = new Map();
    for (const t of spec.tags || []) byTag.set(t.name, { desc: t.description, ops: [] });
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of ["get", "post", "put", "patch", "delete"]) {
        const op = item[method];
        if (!op) continue;
        const tag = (op.tags && op.tags[0]) || "other";
        if (!byTag.has(tag)) byTag.set(tag, { desc: "", ops: [] });
        byTag.get(tag).ops.push(operationView(path, method, op));
      }
    }
    const root = $("ops");
    root.textContent = "";
    for (const [tag, g] of byTag) {
      if (!g.ops.length) continue;
      root.appendChild(el("h2", { text: tag + (g.desc ? " — " + g.desc : "") }));
      for (const o of g.ops) root.appendChild(o);
    }
  }

  $("login").addEventListener("click", async () => {
    $("who").textContent = "…";
    const resp = await fetch("/api/v1/auth/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: $("username").value, password: $("password").value }),
    });
    const body = await resp.json().catch(() => null);
    if (resp.ok && body) {
      csrf = body.csrf;
      $("password").value = "";
      $("who").textContent = "Đã đăng nhập / logged in: " + body.me.full_name + " (" + body.me.username + ")";
    } else {
      $("who").textContent = (body && body.message) || ("HTTP " + resp.status);
    }
  });

  fetch("/api/openapi.json")
    .then((r) => r.json())
    .then((s) => { spec = s; render(); })
    .catch((e) => { $("ops").textContent = "Lỗi / error: " + e.message; });
})();
