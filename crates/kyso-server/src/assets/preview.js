// The preview of a PDF on the document and approval pages: every page
// drawn by PDF.js (vendored, /static/pdfjs-*/), lazily as it scrolls into
// view, with the signature fields drawn over it at their place — a signed
// field labelled with its signature card (who, verdict colour), an empty
// one (a pre-created number, date or seal field) dashed. Messages come
// from the page (data-msg-*), in the person's language. Positions are set
// through the CSSOM, which the CSP allows (no inline style attribute).
// A module runs once per document: pages that htmx swaps in (boosted
// links and forms) are picked up on `htmx:load`.
import * as pdfjs from "/static/pdfjs-5.6.205/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = "/static/pdfjs-5.6.205/pdf.worker.min.mjs";

// Signature cards of this page, by field name.
function cards() {
  const m = new Map();
  for (const a of document.querySelectorAll("article.card[data-field]")) {
    if (!a.dataset.field) continue;
    m.set(a.dataset.field, {
      label: a.dataset.label || "",
      cls: ["ok", "warn", "bad"].find((c) => a.classList.contains(c)) || "",
      id: a.id,
    });
  }
  return m;
}

function overlay(box, viewport, annots, signed) {
  const out = [];
  const placed = []; // [left, top, right] of the boxes whose label is above them
  for (const a of annots) {
    if (a.fieldType !== "Sig" || !a.rect) continue;
    const [x1, y1, x2, y2] = viewport.convertToViewportRectangle(a.rect);
    const left = Math.min(x1, x2), top = Math.min(y1, y2);
    const w = Math.abs(x2 - x1), h = Math.abs(y2 - y1);
    if (w < 1 || h < 1) continue; // an invisible signature
    const card = signed.get(a.fieldName);
    const el = document.createElement(card && card.id ? "a" : "div");
    el.className = "sig-box " + (card ? "signed " + card.cls : "empty");
    el.style.left = (100 * left / viewport.width) + "%";
    el.style.top = (100 * top / viewport.height) + "%";
    el.style.width = (100 * w / viewport.width) + "%";
    el.style.height = (100 * h / viewport.height) + "%";
    // Two boxes whose tops are close (the seal over the approver's
    // signature): the second one's label goes under it, not over the first's.
    const clash = placed.some(([l, t, r]) => Math.abs(t - top) < 24 && l < left + w && left < r);
    if (clash) el.classList.add("below"); else placed.push([left, top, left + w]);
    const label = document.createElement("span");
    label.textContent = card ? card.label : box.dataset.msgEmptyField + " " + a.fieldName;
    el.appendChild(label);
    el.title = label.textContent;
    el.dataset.field = a.fieldName;
    if (card && card.id) el.href = "#" + card.id;
    out.push(el);
  }
  return out;
}

async function show(box) {
  const pagesEl = box.querySelector(".pdf-pages");
  const signed = cards();
  const pdf = await pdfjs.getDocument({
    url: box.dataset.src,
    withCredentials: true,
    isEvalSupported: false,
  }).promise;
  const n = pdf.numPages;
  const render = async (num, holder) => {
    const page = await pdf.getPage(num);
    const css = holder.clientWidth || 800;
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: css / base.width });
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", box.dataset.msgPage + " " + num + "/" + n);
    await page.render({
      canvas,
      canvasContext: canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    }).promise;
    holder.textContent = "";
    holder.appendChild(canvas);
    for (const el of overlay(box, viewport, await page.getAnnotations(), signed)) {
      holder.appendChild(el);
    }
    holder.classList.add("rendered");
  };
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      seen.unobserve(e.target);
      render(Number(e.target.dataset.page), e.target).catch((err) => {
        e.target.textContent = box.dataset.msgError + " " + err.message;
      });
    }
  }, { rootMargin: "400px" });
  for (let num = 1; num <= n; num++) {
    const page = await pdf.getPage(num);
    const v = page.getViewport({ scale: 1 });
    const holder = document.createElement("div");
    holder.className = "pdf-page";
    holder.dataset.page = String(num);
    holder.style.aspectRatio = v.width + " / " + v.height;
    const caption = document.createElement("p");
    caption.className = "pdf-page-no muted";
    caption.textContent = box.dataset.msgPage + " " + num + "/" + n;
    pagesEl.appendChild(caption);
    pagesEl.appendChild(holder);
    seen.observe(holder);
  }
  box.querySelector(".preview-status").textContent = "";
  box.dataset.pages = String(n);
}

function init() {
  const box = document.getElementById("preview");
  if (!box || box.dataset.started) return;
  box.dataset.started = "1";
  show(box).catch((err) => {
    const status = box.querySelector(".preview-status");
    status.textContent = box.dataset.msgError + " " + err.message;
    status.classList.add("error");
  });
}

init();
document.addEventListener("htmx:load", init);
