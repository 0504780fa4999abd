// The approver's page: asks the local kyso agent for the certificate,
// the office to prepare the document, the agent to sign the digest (its
// PIN dialog), the office to finalize; then goes back to the document.
// Every message comes from the page (data-msg-*), in the person's language.
"use strict";
(function () {
  const app = document.getElementById("approve-app");
  if (!app) return;
  const id = app.dataset.doc;
  const csrf = document.querySelector(".app[hx-headers]") &&
    JSON.parse(document.querySelector(".app[hx-headers]").getAttribute("hx-headers"))["X-CSRF-Token"];
  const log = (m, cls) => {
    const li = document.createElement("li");
    li.textContent = m;
    if (cls) li.className = cls;
    document.getElementById("log").appendChild(li);
  };
  async function json(resp) {
    let body = null;
    try { body = await resp.json(); } catch (e) { /* not JSON */ }
    if (!resp.ok) throw new Error((body && body.message) || ("HTTP " + resp.status));
    return body;
  }
  const office = (path, body) => fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body),
  });
  document.getElementById("approve-sign").addEventListener("click", async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    document.getElementById("log").textContent = "";
    const agent = document.getElementById("agent").value.replace(/\/+$/, "");
    try {
      log(app.dataset.msgCert);
      let who;
      try {
        who = await json(await fetch(agent + "/v1/certificate"));
      } catch (e) {
        throw new Error(app.dataset.msgNoAgent + " (" + e.message + ")");
      }
      log(app.dataset.msgPrepare);
      const prep = await json(await office("/api/v1/documents/" + id + "/approval/prepare",
        { certificate: who.certificate }));
      log(app.dataset.msgPin);
      const signed = await json(await fetch(agent + "/v1/sign", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          nonce: prep.nonce, digest: prep.digest, algorithm: prep.algorithm,
          title: prep.title, agency: prep.agency, certificate: who.certificate,
        }),
      }));
      log(app.dataset.msgFinalize);
      await json(await office("/api/v1/documents/" + id + "/approval/finalize", {
        nonce: prep.nonce, signature: signed.signature, certificate: signed.certificate,
      }));
      log(app.dataset.msgDone, "ok");
      window.location.assign("/documents/" + id + "?ok=approved");
    } catch (e) {
      log(app.dataset.msgError + " " + e.message, "error");
      button.disabled = false;
    }
  });
})();
