// kyso's web office driven the way people use it, in Debian's chromium
// (never a downloaded browser) through playwright-core; every page is
// checked with axe-core (no serious or critical violation) and for CSP
// violations in the console; a screenshot is kept of every step.
//
// Run by crates/kyso/tests/web_ui.rs against `kyso demo`. Environment:
//   KYSO_BASE      the office, e.g. http://127.0.0.1:8080
//   KYSO_PASSWORD  the demo password
//   KYSO_AGENT     chutich's signing agent URL
//   KYSO_PDF       a PDF to draft from
//   KYSO_OUT       directory for screenshots and the downloaded files
// Exits non-zero at the first failed step.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = process.env.KYSO_BASE;
const PASSWORD = process.env.KYSO_PASSWORD;
const AGENT = process.env.KYSO_AGENT;
const PDF = process.env.KYSO_PDF;
const OUT = process.env.KYSO_OUT;
for (const [k, v] of Object.entries({ BASE, PASSWORD, AGENT, PDF, OUT })) {
  if (!v) throw new Error(`KYSO_${k} is not set`);
}
fs.mkdirSync(OUT, { recursive: true });
const axeSource = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kyso-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1366, height: 768 },
  locale: "vi-VN",
  timezoneId: "Asia/Ho_Chi_Minh",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
context.setDefaultTimeout(60_000);
const page = context.pages()[0] || (await context.newPage());
const problems = [];
page.on("console", (m) => {
  const t = m.text();
  if (/Content Security Policy|Content-Security-Policy/i.test(t)) problems.push(`CSP: ${t}`);
});
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

let n = 0;
const results = [];
function fail(msg) {
  throw new Error(msg);
}
async function settle() {
  await page.waitForLoadState("load");
  // htmx swaps after the request; wait until no request is in flight.
  await page.waitForFunction(() => !document.querySelector(".htmx-request"), null, { timeout: 30_000 });
}
async function axe(name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { resultTypes: ["violations"] });
    return res.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((x) => x.target.join(" ")),
    }));
  });
  const bad = r.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) fail(`${name}: axe-core: ${JSON.stringify(bad, null, 1)}`);
}
/** One step: run it, wait, screenshot, check accessibility and CSP. */
async function step(name, fn) {
  n += 1;
  const label = `${String(n).padStart(2, "0")}-${name}`;
  process.stdout.write(`step ${label} … `);
  await fn();
  await settle();
  await page.screenshot({ path: path.join(OUT, `${label}.png`), fullPage: true });
  await axe(label);
  if (problems.length) fail(`${label}: ${problems.join("\n")}`);
  results.push(label);
  console.log("ok");
}
async function expectText(selector, re) {
  const t = await page.locator(selector).first().innerText();
  if (!re.test(t)) fail(`${selector}: ${JSON.stringify(t)} does not match ${re}`);
}
async function login(user) {
  await logoutIfIn();
  await page.goto(`${BASE}/login`);
  await page.fill("#username", user);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit].primary")]);
}
async function logout() {
  await Promise.all([page.waitForURL(/\/login/), page.click(".who button.link")]);
}
/** Logs out whoever is logged in (each step's screenshot shows its page first). */
async function logoutIfIn() {
  if (await page.locator(".who button.link").count()) await logout();
}
/**
 * The PDF preview: scrolled into view, its first page drawn by PDF.js;
 * returns the signature boxes drawn over it ({field, cls, label}).
 */
async function previewBoxes() {
  await page.locator("#preview").scrollIntoViewIfNeeded();
  await page.waitForSelector("#preview[data-pages]");
  await page.locator("#preview .pdf-page").first().scrollIntoViewIfNeeded();
  await page.waitForSelector("#preview .pdf-page.rendered canvas");
  const drawn = await page.evaluate(() => {
    const c = document.querySelector("#preview .pdf-page.rendered canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4 * 97) if (d[i] < 128) ink++;
    return { w: c.width, h: c.height, ink };
  });
  if (drawn.w < 300 || drawn.ink < 20) fail(`preview page not drawn: ${JSON.stringify(drawn)}`);
  return page.$$eval("#preview .sig-box", (els) => els.map((e) => ({
    field: e.dataset.field, cls: e.className, label: e.textContent,
  })));
}
/**
 * Opens the incoming document of a queue row: the row's link followed as
 * a full page load (a boosted click's history entry sometimes came after
 * Playwright stopped waiting for it under load).
 */
async function openRow(row) {
  await row.waitFor();
  const href = await row.locator("a").first().getAttribute("href");
  if (!/^\/inbox\/\d+$/.test(href || "")) fail(`row link: ${href}`);
  await page.goto(`${BASE}${href}`);
  await page.waitForSelector("#in-status");
}
/** Chooses the option of `selector` whose label matches `re`. */
async function selectByLabel(selector, re) {
  const labels = await page.locator(`${selector} option`).allInnerTexts();
  const values = await page.locator(`${selector} option`).evaluateAll((os) => os.map((o) => o.value));
  const i = labels.findIndex((l) => re.test(l));
  if (i < 0) fail(`${selector}: no option matches ${re} in ${JSON.stringify(labels)}`);
  await page.selectOption(selector, values[i]);
}
async function clickAndWait(selector, urlRe) {
  await Promise.all([page.waitForURL(urlRe), page.click(selector)]);
}

const subject = `Về việc thử nghiệm văn phòng điện tử trên trình duyệt ${Date.now()}`;
let docId;
try {
  // --- Anonymous: the login page, its English switch, the CSP header.
  await step("login-page", async () => {
    const r = await page.goto(`${BASE}/login`);
    const csp = r.headers()["content-security-policy"] || "";
    if (!csp.includes("script-src 'self'") || csp.includes("unsafe-inline")) fail(`CSP: ${csp}`);
    if (!csp.includes("frame-ancestors 'none'")) fail(`CSP: ${csp}`);
    await expectText("h1", /Đăng nhập/);
  });
  await step("login-page-english", async () => {
    await page.click("form.lang button");
    await page.waitForFunction(() => document.documentElement.lang === "en");
    await expectText("h1", /Log in/);
    await page.click("form.lang button");
    await page.waitForFunction(() => document.documentElement.lang === "vi");
  });
  await step("login-wrong-password", async () => {
    await page.fill("#username", "chuyenvien");
    await page.fill("#password", "sai mật khẩu");
    await page.click("button[type=submit].primary");
    await page.waitForSelector("#login-error");
    await expectText("#login-error", /mật khẩu|khóa/i);
  });

  // --- The drafter: dashboard, a form refused with Vietnamese messages, then the draft.
  await step("drafter-dashboard", async () => {
    await login("chuyenvien");
    await expectText("h1", /Việc cần làm/);
  });
  await step("drafter-new-form-errors", async () => {
    await page.click("nav.menu a[href='/documents/new']");
    await page.waitForSelector("#new-document");
    await page.setInputFiles("#file", PDF);
    await page.fill("#subject", "abc");
    await page.fill("#due_date", "31/02/2027");
    await page.click("#create");
    await page.waitForSelector("#subject-err");
    await expectText("#subject-err", /Trích yếu quá ngắn/);
    await expectText("#due-err", /ngày\/tháng\/năm/);
  });
  await step("drafter-new-form", async () => {
    // A fresh form (the corrected one above would still show its errors
    // until it is sent again).
    await page.goto(`${BASE}/documents/new`);
    await page.waitForSelector("#new-document");
    await page.setInputFiles("#file", PDF);
    // A non-PDF attachment: the clerk's seal signs it as a detached
    // CAdES (.p7s) beside it (R-ATTACH).
    const annex = path.join(OUT, "phu-luc.csv");
    fs.writeFileSync(annex, "STT,Cơ quan,Số chứng thư\n1,Sở Khoa học và Công nghệ,12\n2,Sở Tài chính,8\n");
    await page.setInputFiles("#attachment", annex);
    await page.fill("#subject", subject);
    await page.selectOption("#priority", "khan");
    await page.fill("#due_date", `31/12/${new Date().getFullYear() + 1}`);
    // Recipients from the tree, found with the search box (htmx).
    await page.fill("#agency-search", "khoa hoc");
    await page.waitForFunction(() => {
      const shown = [...document.querySelectorAll("#agency-list li:not([hidden]) label")];
      return shown.length > 0 && shown.every((l) => /Khoa học/i.test(l.textContent));
    });
    await page.locator("#agency-list li:not([hidden]) input").first().check();
    await page.fill("#agency-search", "tai chinh");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#agency-list li:not([hidden]) label")].some((l) => /Tài chính/.test(l.textContent)));
    await page.locator("#agency-list li:not([hidden])", { hasText: "Tài chính" }).locator("input").first().check();
    const chosen = await page.locator("#agency-list input:checked").count();
    if (chosen !== 2) fail(`${chosen} recipients chosen`);
  });
  await step("drafter-created", async () => {
    await clickAndWait("#create", /\/documents\/\d+\?ok=created/);
    docId = Number(new URL(page.url()).pathname.split("/").pop());
    await expectText(".flash", /Đã tạo dự thảo/);
    await expectText("#doc-state", /Dự thảo/);
  });
  await step("drafter-submitted", async () => {
    await clickAndWait("#submit", /ok=submitted/);
    await expectText("#doc-state", /Chờ ký duyệt/);
    // A form posted without the CSRF token is refused.
    const status = await page.evaluate(async (id) =>
      (await fetch(`/documents/${id}/cancel`, { method: "POST" })).status, docId);
    if (status !== 403) fail(`a post without the CSRF token answered ${status}`);
    // A browser's form (asking for HTML) gets a page that says what to do.
    const html = await page.evaluate(async (id) => {
      const r = await fetch(`/documents/${id}/cancel`, { method: "POST", headers: { accept: "text/html" } });
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    }, docId);
    if (html.status !== 403 || !/text\/html/.test(html.type) || !/tải lại trang/.test(html.text)) {
      fail(`a form without the CSRF token: ${html.status} ${html.type}`);
    }
  });

  // --- The approver: the queue, the approval page, the agent signs.
  await step("approver-dashboard", async () => {
    await login("chutich");
    await page.waitForSelector(`a[href='/documents/${docId}']`);
  });
  await step("approver-profile", async () => {
    await page.click("#profile-link");
    await page.waitForURL(/\/profile$/);
    await expectText("#my-roles", /người ký duyệt — Ủy ban nhân dân tỉnh Ninh Bình/);
    // The demo's certificates last years: green, with the days left.
    if (!(await page.locator("#cert-expiry.ok").count())) fail("no valid certificate on the profile");
    await expectText("#cert-expiry", /Còn \d+ ngày/);
    // The language switch while logged in (htmx, with the CSRF header;
    // a full reload follows), remembered for the account; and back.
    await page.click("form.lang button");
    await page.waitForFunction(() => document.documentElement.lang === "en");
    await expectText("h1", /My profile/);
    await page.click("form.lang button");
    await page.waitForFunction(() => document.documentElement.lang === "vi");
    await expectText("h1", /Hồ sơ của tôi/);
    // A wrong current password is refused on the page, nothing changed.
    await page.fill("#current", "sai-mat-khau");
    await page.fill("#new", "mat-khau-moi-123");
    await page.fill("#repeat", "mat-khau-moi-123");
    await page.click("#change-password");
    await page.waitForSelector("#profile-error");
  });
  await step("approver-document", async () => {
    await page.goto(`${BASE}/`);
    await page.click(`a[href='/documents/${docId}']`);
    await page.waitForSelector("#approve");
  });
  // The approver returns it with a comment; the drafter uploads a
  // correction and submits it again.
  await step("approver-returned", async () => {
    await page.fill("#comment", "Đề nghị bổ sung căn cứ pháp lý ở đoạn đầu.");
    await clickAndWait("#return", /ok=returned/);
    await expectText("#doc-state", /Bị trả lại/);
  });
  await step("drafter-revised", async () => {
    await login("chuyenvien");
    await page.goto(`${BASE}/documents/${docId}`);
    await expectText(".comment", /bổ sung căn cứ pháp lý/);
    await page.setInputFiles("#revise-file", PDF);
    await clickAndWait("#revise", /ok=revised/);
    await expectText("#doc-state", /Dự thảo/);
    const drafts = await page.locator("a.file-link[data-role=draft]").count();
    if (drafts !== 2) fail(`${drafts} draft files after the revision (the first is kept)`);
    await clickAndWait("#submit", /ok=submitted/);
    await expectText("#doc-state", /Chờ ký duyệt/);
  });
  await step("approver-approve-page", async () => {
    await login("chutich");
    await page.goto(`${BASE}/documents/${docId}`);
    await page.waitForSelector("#approve");
    await clickAndWait("#approve", new RegExp(`/documents/${docId}/approve$`));
    await page.fill("#agent", AGENT);
    // The draft, every page, before signing: no signature field yet.
    const boxes = await previewBoxes();
    if (boxes.length) fail(`signature boxes on the draft: ${JSON.stringify(boxes)}`);
    await page.locator("#approve-sign").scrollIntoViewIfNeeded();
  });
  await step("approver-signed", async () => {
    await clickAndWait("#approve-sign", /ok=approved/);
    await expectText("#doc-state", /Đã ký duyệt/);
    await page.waitForSelector(".cards .card");
    await expectText(".cards .card", /Nguyễn Văn An/);
    // The approver's box drawn green where it is on the page, with the
    // fields the clerk fills later (number, date, seal) dashed.
    const boxes = await previewBoxes();
    const signed = boxes.filter((b) => /signed ok/.test(b.cls));
    if (signed.length !== 1 || !/Nguyễn Văn An/.test(signed[0].label)) {
      fail(`approver box: ${JSON.stringify(boxes)}`);
    }
    if (!boxes.some((b) => /empty/.test(b.cls))) fail(`no pre-created field drawn: ${JSON.stringify(boxes)}`);
  });

  // --- The clerk: the next number, number and seal, issue, download the issued file.
  let issuedPath;
  await step("clerk-seal-queue", async () => {
    await login("vanthu");
    await page.goto(`${BASE}/documents/${docId}`);
    await page.waitForSelector("#next-number");
  });
  await step("clerk-sealed", async () => {
    await clickAndWait("#seal", /ok=sealed/);
    await expectText("#doc-state", /đóng dấu số/i);
  });
  await step("clerk-issued", async () => {
    await clickAndWait("#issue", /ok=issued/);
    await expectText("#doc-state", /Đã phát hành/);
    const cards = await page.locator(".cards .card").count();
    if (cards < 2) fail(`${cards} signature cards after sealing`);
    const boxes = await previewBoxes();
    if (boxes.filter((b) => /signed ok/.test(b.cls)).length < 2) {
      fail(`approver and seal boxes after issuing: ${JSON.stringify(boxes)}`);
    }
    const [dl] = await Promise.all([
      page.waitForEvent("download"),
      page.click("a.file-link[data-role=sealed]"),
    ]);
    issuedPath = path.join(OUT, "issued.pdf");
    await dl.saveAs(issuedPath);
    for (const [role, name] of [["attachment", "phu-luc.csv"], ["attachment-signature", "phu-luc.csv.p7s"]]) {
      const [d] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`a.file-link[data-role=${role}]`),
      ]);
      await d.saveAs(path.join(OUT, `issued-${name}`));
    }
  });

  // --- Each receiving clerk: the arrival with a green badge, registered.
  for (const clerk of ["vanthu.skhcn", "vanthu.stc"]) {
    await step(`receiver-${clerk}-inbox`, async () => {
      await login(clerk);
      await page.click("nav.menu a[href='/inbox']");
      const row = page.locator("#incoming tr", { hasText: subject });
      await row.waitFor();
      const badge = row.locator(".badge");
      if (!(await badge.getAttribute("class")).includes("ok")) fail(`${clerk}: the badge is not green`);
      await openRow(row);
    });
    await step(`receiver-${clerk}-registered`, async () => {
      await page.waitForSelector("#arrival-check.ok");
      await clickAndWait("#register", /ok=registered/);
      await expectText("#in-status", /^03/);
    });
    // Agency isolation: the sender's document by its URL is a 403 page.
    await step(`receiver-${clerk}-forbidden`, async () => {
      const r = await page.goto(`${BASE}/documents/${docId}`);
      if (r.status() !== 403) fail(`${clerk} opened the sender's document: ${r.status()}`);
      await expectText("h1", /Không có quyền/);
    });
  }

  // --- The Department's clerk assigns it; the assignee takes it up and
  // completes it (04 → 05 → 06).
  let incomingUrl;
  await step("receiver-assigned", async () => {
    await login("vanthu.skhcn");
    await page.click("nav.menu a[href='/inbox']");
    const row = page.locator("#incoming tr", { hasText: subject });
    await openRow(row);
    incomingUrl = page.url();
    await page.selectOption("#assign-person", { label: "Đặng Văn Khoa" });
    await page.fill("#assign-unit", "Phòng Quản lý công nghệ");
    await page.fill("#assign-note", "Nghiên cứu, tham mưu triển khai.");
    await clickAndWait("#assign", /ok=assigned/);
    await expectText("#in-status", /^04/);
    await expectText("#assigned-to", /Đặng Văn Khoa — Phòng Quản lý công nghệ/);
    // The preview of the received file, with both signatures' boxes.
    const boxes = await previewBoxes();
    if (boxes.filter((b) => /signed ok/.test(b.cls)).length < 2) fail(`received boxes: ${JSON.stringify(boxes)}`);
  });
  await step("assignee-processing", async () => {
    await login("chuyenvien.skhcn");
    await page.goto(incomingUrl);
    await clickAndWait("#process", /ok=processing/);
    await expectText("#in-status", /^05/);
  });
  await step("assignee-completed", async () => {
    await page.fill("#complete-note", "Đã triển khai tại Sở.");
    await clickAndWait("#complete", /ok=completed/);
    await expectText("#in-status", /^06/);
    if (await page.locator("#assign, #process, #complete").count()) fail("actions left after completion");
  });

  // --- The sender sees the Department at 06 (the flow back) and the
  // Finance Department at 03.
  await step("sender-statuses", async () => {
    await login("vanthu");
    await page.goto(`${BASE}/documents/${docId}`);
    const statuses = (await page.locator("#recipients .status").allInnerTexts()).sort();
    if (statuses.length !== 2 || !statuses[0].startsWith("03") || !statuses[1].startsWith("06")) {
      fail(`statuses: ${statuses}`);
    }
  });
  await step("sender-notifications", async () => {
    // The header's count, fetched by htmx, then the page: the recipients' statuses.
    await page.waitForSelector("#notif-count");
    await page.click("#notif-link");
    await page.waitForURL(/\/notifications$/);
    await page.locator("#notifications li[data-kind=status]", { hasText: subject.slice(0, 30) }).first().waitFor();
    await clickAndWait("#mark-seen", /ok=notifications-seen/);
    await page.waitForSelector("#notifications li.unread", { state: "detached" });
    await page.waitForFunction(() => !document.querySelector("#notif-count"));
  });
  await step("sender-registers", async () => {
    await page.click("nav.menu a[href='/registers']");
    await page.locator("#register tr", { hasText: subject }).waitFor();
  });
  // --- Records files (hồ sơ): opened from the register, a refusal keeps
  // the form, the issued document filed, the file exported and closed.
  await step("records-refused", async () => {
    await clickAndWait("#records-link", /\/records\?/);
    await page.fill("#number", "mười hai");
    await page.fill("#notation", "VP");
    await page.fill("#title", "Hồ sơ chuyển đổi số năm nay");
    await clickAndWait("#create-file", /\/records$/);
    await expectText("#records-error", /số hồ sơ không hợp lệ/);
    const kept = await page.inputValue("#title");
    if (kept !== "Hồ sơ chuyển đổi số năm nay") fail(`the form lost its title: ${kept}`);
  });
  await step("records-created", async () => {
    await page.fill("#number", "");
    await clickAndWait("#create-file", /\/records\/\d+\?ok=records-created/);
    await expectText("#file-code", /\.\d{4}\.01\.VP$/);
    await expectText("#file-state", /Đang lập/);
  });
  await step("records-filed", async () => {
    await selectByLabel("#document_id", new RegExp(subject.slice(0, 30)));
    await clickAndWait("#add-document", /ok=records-added/);
    await page.locator("#file-documents tr", { hasText: subject.slice(0, 30) }).waitFor();
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#export-file")]);
    const zip = path.join(OUT, "records-file.zip");
    await dl.saveAs(zip);
    const bytes = fs.readFileSync(zip);
    if (bytes.subarray(0, 2).toString() !== "PK" || !bytes.includes("recordsfile.xml")) {
      fail("the records file's export is not a ZIP with recordsfile.xml");
    }
  });
  await step("records-closed", async () => {
    await clickAndWait("#close-file", /ok=records-closed/);
    await expectText("#file-state", /Đã kết thúc/);
    if (await page.locator("#add-form").count()) fail("a closed file still offers to file documents");
  });
  await step("sender-phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/documents/${docId}`);
  });
  await page.setViewportSize({ width: 1366, height: 768 });
  await step("auditor-chain", async () => {
    await login("kiemtra");
    await page.goto(`${BASE}/audit`);
    await clickAndWait("#check-chain", /check=1/);
    await page.waitForSelector("#chain-result.ok");
  });
  await step("auditor-archive", async () => {
    // The issued file got its long-term (B-LTA) copy at issue: on the
    // schedule, up to date, nothing failed.
    await clickAndWait("nav.menu a[href='/archive']", /\/archive/);
    await page.waitForSelector("#archive-summary");
    const done = Number(await page.locator("#count-done").innerText());
    const failed = Number(await page.locator("#count-failed").innerText());
    if (!(done >= 1) || failed !== 0) fail(`archive schedule: ${done} up to date, ${failed} failed`);
  });

  // --- Recall: the sender recalls, one receiver accepts, the other refuses.
  await step("sender-recalled", async () => {
    await login("vanthu");
    await page.goto(`${BASE}/documents/${docId}`);
    await page.fill("#reason", "Văn bản có sai sót, thu hồi để ban hành lại.");
    await clickAndWait("#recall", /ok=recalled/);
    await expectText("#doc-state", /Đã thu hồi/);
  });
  for (const [clerk, answer] of [["vanthu.skhcn", "accept"], ["vanthu.stc", "refuse"]]) {
    await step(`receiver-${clerk}-recall-${answer}`, async () => {
      await login(clerk);
      await page.click("nav.menu a[href='/inbox']");
      const row = page.locator("#incoming tr", { hasText: subject });
      await openRow(row);
      await expectText("#in-status", /^13/);
      if (answer === "accept") {
        await clickAndWait("#accept-recall", /ok=recall-accepted/);
        await expectText("#in-status", /^15/);
      } else {
        await page.fill("#refuse-reason", "Văn bản đã được phân công xử lý.");
        await clickAndWait("#refuse-recall", /ok=recall-refused/);
      }
    });
  }
  await step("sender-recall-answers", async () => {
    await login("vanthu");
    await page.goto(`${BASE}/documents/${docId}`);
    const history = (await page.locator("#recipients tbody tr").allInnerTexts()).join("\n");
    if (!/15/.test(history) || !/16/.test(history)) fail(`recall answers: ${history}`);
  });

  // --- One signature (R-FLOW-SEAL): a scanned original, sealed and issued by the clerk.
  const scanSubject = `Về việc công bố bản quét đã ký tay ${Date.now()}`;
  let sealId;
  // Two scans drafted in the seal flow, then sealed and issued together
  // from the batch page, its progress shown as each one finishes.
  async function draftScan(subj) {
    await page.goto(`${BASE}/documents/new`);
    await page.setInputFiles("#file", PDF);
    await page.selectOption("#flow", "seal");
    await page.fill("#subject", subj);
    await page.fill("#agency-search", "noi vu");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#agency-list li:not([hidden]) label")].some((l) => /Nội vụ/.test(l.textContent)));
    await page.locator("#agency-list li:not([hidden])", { hasText: "Nội vụ" }).locator("input").first().check();
    await clickAndWait("#create", /\/documents\/\d+\?ok=created/);
    return Number(new URL(page.url()).pathname.split("/").pop());
  }
  const scanSubject2 = `Về việc công bố bản quét thứ hai ${Date.now()}`;
  let sealId2;
  await step("seal-flow-drafted", async () => {
    await login("vanthu");
    sealId = await draftScan(scanSubject);
    sealId2 = await draftScan(scanSubject2);
    await page.waitForSelector("#next-number");
  });
  await step("batch-chosen", async () => {
    await page.goto(`${BASE}/documents`);
    await clickAndWait("#batch-link", /\/documents\/batch$/);
    await clickAndWait("#batch-start", /\/documents\/batch$/);
    await expectText("#batch-error", /Chưa chọn văn bản nào/);
    // Keyboard only: Tab to each box, Space to check it.
    for (const id of [sealId, sealId2]) {
      await page.focus(`#batch-${id}`);
      await page.keyboard.press("Space");
      if (!(await page.isChecked(`#batch-${id}`))) fail(`#batch-${id} not checked by the keyboard`);
    }
  });
  await step("batch-done", async () => {
    await page.click("#batch-start");
    await page.waitForSelector("#batch-done", { timeout: 120_000 });
    await expectText("#batch-count", /^2\/2$/);
    await expectText("#batch-failed", /^0$/);
    for (const id of [sealId, sealId2]) await expectText(`#batch-status-${id}`, /đã phát hành/);
  });
  await step("seal-flow-issued", async () => {
    await page.goto(`${BASE}/documents/${sealId}`);
    await expectText("#doc-state", /Đã phát hành/);
    await page.waitForSelector(".cards .card.ok");
  });
  await step("clerk-published-on-portal", async () => {
    await page.selectOption("#publish-section", "notice");
    await clickAndWait("#publish", /ok=published/);
    await page.waitForSelector("#published-note");
    await page.waitForSelector("#unpublish");
  });

  // --- The department administrator: agencies, people and roles, categories.
  const stamp = String(Date.now() % 10000).padStart(4, "0");
  const agencyName = `Trung tâm Chuyển đổi số thử nghiệm ${stamp}`;
  const newUser = `canbo${stamp}`;
  await step("admin-agency-refused", async () => {
    await login("quantri");
    await clickAndWait("nav.menu a[href='/admin/agencies']", /\/admin\/agencies/);
    await page.waitForSelector("#agency-table");
    await selectByLabel("#parent_id", /Sở Khoa học và Công nghệ/);
    await page.fill("#code", "khong hop le");
    await page.fill("#name", agencyName);
    await page.fill("#short_name", "TTCĐS");
    await page.selectOption("#level", "unit");
    await page.click("#create-agency");
    await page.waitForSelector("#admin-error");
    await expectText("#admin-error", /mã định danh cơ quan không hợp lệ/);
    // What was typed is still there.
    if ((await page.inputValue("#name")) !== agencyName) fail("the agency form lost its values");
  });
  await step("admin-agency-created", async () => {
    await page.fill("#code", `000.${stamp.slice(0, 2)}.${stamp.slice(2)}.H45`);
    await clickAndWait("#create-agency", /ok=agency-created/);
    await page.fill("#q", "trung tam chuyen doi so");
    await clickAndWait("form.filters button", /q=/);
    await expectText("#agency-table tbody", new RegExp(agencyName));
  });
  await step("admin-person-created", async () => {
    await clickAndWait("#tab-people", /\/admin\/people/);
    await page.fill("#full_name", "Lê Thị Thử Nghiệm");
    await page.fill("#username", newUser);
    await page.fill("#email", `${newUser}@ninhbinh.gov.vn`);
    await page.fill("#password", PASSWORD);
    await selectByLabel("#agency_id", new RegExp(agencyName));
    await page.selectOption("#role", "drafter");
    await clickAndWait("#create-person", /\/admin\/people\/\d+\?ok=person-created/);
    await expectText("#membership-table tbody", /chuyên viên/);
  });
  await step("admin-role-granted-and-removed", async () => {
    await selectByLabel("#grant-form #agency_id", new RegExp(agencyName));
    await page.selectOption("#grant-form #role", "clerk");
    await clickAndWait("#grant-role", /ok=role-granted/);
    await expectText("#membership-table tbody", /văn thư/);
    await clickAndWait("#membership-table tbody tr:has-text('văn thư') button", /ok=role-removed/);
    const roles = await page.locator("#membership-table tbody").innerText();
    if (/văn thư/.test(roles) || !/chuyên viên/.test(roles)) fail(`roles after removal: ${roles}`);
  });
  await step("admin-category-added", async () => {
    await clickAndWait("#tab-categories", /\/admin\/categories/);
    await selectByLabel("#agency_id", new RegExp(agencyName));
    await page.fill("#code", `CDS${stamp}`);
    await page.fill("#name_vi", "Hồ sơ chuyển đổi số");
    await page.fill("#name_en", "Digital transformation files");
    await clickAndWait("#add-category", /ok=category-added/);
    await expectText("#category-table tbody", /Hồ sơ chuyển đổi số/);
  });
  await step("admin-desk-report", async () => {
    // The certificate desk's report: tables, charts drawn on the server, the signed PDF.
    await page.click("nav.menu a[href='/desk/report']");
    await page.waitForSelector("#report-summary");
    for (const kind of ["certificates", "deadlines", "expiring", "tokens", "signatures"]) {
      const img = page.locator(`#chart-${kind}`);
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction((id) => {
        const i = document.getElementById(id);
        return i && i.complete && i.naturalWidth > 100;
      }, `chart-${kind}`);
    }
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#report-pdf")]);
    const pdf = fs.readFileSync(await dl.path());
    if (pdf.subarray(0, 5).toString() !== "%PDF-" || !pdf.includes("/ByteRange")) fail(`report PDF: ${pdf.length} bytes, not signed`);
    await page.locator("h1").scrollIntoViewIfNeeded();
  });
  await step("admin-new-person-logs-in", async () => {
    await login(newUser);
    await expectText(".who .roles", /chuyên viên/);
    if (await page.locator("nav.menu a[href='/admin/agencies']").count()) fail("a drafter sees the administration menu");
    // The administration answers a drafter with a refusal, not a form.
    await page.goto(`${BASE}/admin/people`);
    if (await page.locator("#person-form").count()) fail("a drafter sees the new-person form");
  });
  await step("my-drafts", async () => {
    await login("chuyenvien");
    await page.goto(`${BASE}/documents`);
    const all = await page.locator("table.list tbody tr").count();
    await page.check("#mine");
    await clickAndWait("form.filters button", /mine=1/);
    const mine = await page.locator("table.list tbody tr").count();
    if (mine < 1 || mine > all) fail(`my drafts: ${mine} of ${all}`);
    await expectText("table.list tbody", new RegExp(subject.slice(0, 30)));
  });

  // --- Signing any PDF with one's token (/sign): the office's page, behind the login.
  await step("sign-page", async () => {
    await login("chutich");
    await page.goto(`${BASE}/sign`);
    await page.waitForSelector("#sign");
    await expectText("#signer", /\S/);
    await expectText("h1", /Ký số tài liệu PDF/);
  });

  // --- Keyboard only: log in, skip to the content, reach the menu, act on a page.
  await step("keyboard-only", async () => {
    await logoutIfIn();
    await page.goto(`${BASE}/login`);
    // Tab until the focused element matches `sel`; fails after `max` presses.
    const tabTo = async (sel, max = 80) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), sel)) return;
      }
      fail(`keyboard: ${sel} never got the focus`);
    };
    await tabTo("#username");
    await page.keyboard.type("vanthu.stc");
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.keyboard.press("Enter")]);
    await tabTo("#notif-link");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    if (outline === "none") fail("keyboard: the focused menu link shows no focus ring");
    await Promise.all([page.waitForURL(/\/notifications$/), page.keyboard.press("Enter")]);
    await page.waitForSelector("#notifications");
    // The first Tab of a page reaches "skip to the content".
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await tabTo("a.skip", 3);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#main");
    if (await page.locator("#mark-seen").count()) {
      await tabTo("#mark-seen");
      await Promise.all([page.waitForURL(/ok=notifications-seen/), page.keyboard.press("Enter")]);
    }
  });

  // --- The portal, without logging in: the agency's page and its file.
  await step("portal-public", async () => {
    await logoutIfIn();
    await page.goto(`${BASE}/portal`);
    await clickAndWait("#portal-agencies a", /\/portal\/[^/]+$/);
    await page.waitForSelector(`#published-${sealId} .badge.ok`);
    await expectText(`#published-${sealId}`, new RegExp(scanSubject.slice(0, 30)));
    const [dl] = await Promise.all([
      page.waitForEvent("download"),
      page.click(`#published-${sealId} a.download`),
    ]);
    const got = fs.readFileSync(await dl.path());
    if (got.length < 1000 || got.subarray(0, 5).toString() !== "%PDF-") fail(`portal download: ${got.length} bytes`);
  });
  // --- The public verification page: valid, tampered, not a PDF.
  await step("public-verify-valid", async () => {
    await logoutIfIn();
    await page.goto(`${BASE}/verify`);
    await page.setInputFiles("#file", issuedPath);
    await page.click("#verify");
    await page.waitForSelector("#verify-result .verdict.ok");
  });
  await step("public-verify-tampered", async () => {
    const bytes = fs.readFileSync(issuedPath);
    // One byte of the first stream's data changed: inside every signature's byte range.
    const at = bytes.indexOf(Buffer.from("stream")) + 40;
    const tampered = Buffer.from(bytes);
    tampered[at] ^= 0x01;
    const p = path.join(OUT, "tampered.pdf");
    fs.writeFileSync(p, tampered);
    await page.setInputFiles("#file", p);
    await page.click("#verify");
    await page.waitForSelector("#verify-result .verdict.bad");
  });
  await step("public-verify-detached", async () => {
    // The issued attachment with its detached signature: valid.
    await page.goto(`${BASE}/verify`);
    await page.setInputFiles("#file", path.join(OUT, "issued-phu-luc.csv"));
    await page.setInputFiles("#signature", path.join(OUT, "issued-phu-luc.csv.p7s"));
    await page.click("#verify");
    await page.waitForSelector("#verify-result .verdict.ok");
    // The same signature over a changed file: refused.
    const changed = path.join(OUT, "changed-phu-luc.csv");
    fs.writeFileSync(changed, fs.readFileSync(path.join(OUT, "issued-phu-luc.csv"), "utf8").replace("12", "21"));
    await page.setInputFiles("#file", changed);
    await page.setInputFiles("#signature", path.join(OUT, "issued-phu-luc.csv.p7s"));
    await page.click("#verify");
    await page.waitForSelector("#verify-result .verdict.bad");
  });
  await step("public-verify-not-pdf", async () => {
    const p = path.join(OUT, "not-a-pdf.txt");
    fs.writeFileSync(p, "Đây không phải tệp PDF.\n");
    await page.setInputFiles("#file", p);
    await page.click("#verify");
    await page.waitForSelector("#verify-problem");
    await expectText("#verify-problem", /không phải là tệp PDF/);
  });
  fs.writeFileSync(path.join(OUT, "result.json"), JSON.stringify({ docId, steps: results, issued: issuedPath }, null, 1));
  console.log(`all ${results.length} steps passed`);
} catch (e) {
  await page.screenshot({ path: path.join(OUT, `failed-${String(n).padStart(2, "0")}.png`), fullPage: true }).catch(() => {});
  console.log("FAILED");
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
