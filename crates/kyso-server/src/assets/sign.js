// The /sign page: the four steps of docs/agent-protocol.md, run by the
// browser between the local kyso agent and this server.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  const log = (m) => { $("log").textContent += m + "\n"; };
  async function json(resp) {
    let body = null;
    try { body = await resp.json(); } catch (e) { /* not JSON */ }
    if (!resp.ok) {
      throw new Error((body && body.message) || ("HTTP " + resp.status));
    }
    return body;
  }
  function toBase64(buf) {
    const bytes = new Uint8Array(buf);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }
  function server(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
  }
  $("file").addEventListener("change", (e) => {
    const f = e.target.files[0];
    if (f && !$("title").value) {
      $("title").value = f.name.replace(/\.pdf$/i, "");
    }
  });
  $("sign").addEventListener("click", async () => {
    $("log").textContent = "";
    $("result").textContent = "";
    const agent = $("agent").value.replace(/\/+$/, "");
    const file = $("file").files[0];
    const title = $("title").value.trim() || (file && file.name);
    try {
      if (!file) throw new Error("Chọn tệp PDF / choose a PDF file");
      log("1. Hỏi chứng thư từ agent / asking the agent for the certificate…");
      const who = await json(await fetch(agent + "/v1/certificate"));
      log("   " + who.subject + " (serial " + who.serial + ")");
      log("2. Máy chủ chuẩn bị tài liệu / the server prepares the document…");
      const prep = await json(await server("/sign/prepare", {
        title: title, pdf: toBase64(await file.arrayBuffer()), certificate: who.certificate,
      }));
      log("   digest " + prep.digest + " (" + prep.algorithm + "), hết hạn / expires " + prep.expires_at);
      log("3. Xác nhận và nhập PIN trên máy tính của bạn / confirm and enter the PIN at the agent…");
      const signed = await json(await fetch(agent + "/v1/sign", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          nonce: prep.nonce, digest: prep.digest, algorithm: prep.algorithm,
          title: prep.title, agency: prep.agency, certificate: who.certificate,
        }),
      }));
      log("4. Máy chủ hoàn tất chữ ký / the server finalizes the signature…");
      const resp = await server("/sign/finalize", {
        nonce: prep.nonce, signature: signed.signature, certificate: signed.certificate,
      });
      if (!resp.ok) { await json(resp); }
      const blob = await resp.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = title + "-signed.pdf";
      a.id = "download";
      a.textContent = "Tải tài liệu đã ký / download the signed document (" + blob.size + " bytes)";
      $("result").appendChild(a);
      log("Đã ký / signed.");
    } catch (e) {
      log("Lỗi / error: " + e.message);
    }
  });
})();
