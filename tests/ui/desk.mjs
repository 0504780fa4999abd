// The certificate desk's pages in Debian's chromium (playwright-core),
// against `kyso demo`: a subscriber files a request on /desk/new with the
// keyboard (a refused identity number comes back with the values kept and
// the field marked), the managing organization's head confirms it, a
// stale second click is refused with the message naming the state, the
// department administrator registers a device and records a handover
// (a handover by post without a tracking number is refused), the
// province's clerk seals the handover record and downloads the PDF, and
// the administrator adds a holiday to the calendar with the keyboard and
// the fixed holidays of the year. axe-core on every screen, no CSP
// violation, a screenshot of each step. Run by crates/kyso/tests/web_desk.rs.
//   KYSO_BASE, KYSO_PASSWORD, KYSO_OUT as for flow.mjs.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const { KYSO_BASE: BASE, KYSO_PASSWORD: PASSWORD, KYSO_OUT: OUT } = process.env;
if (!BASE || !PASSWORD || !OUT) throw new Error("KYSO_BASE, KYSO_PASSWORD and KYSO_OUT are needed");
fs.mkdirSync(OUT, { recursive: true });
const axeSource = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kyso-desk-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1366, height: 768 },
  locale: "vi-VN",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
browser.setDefaultTimeout(30_000);
const page = browser.pages()[0] || (await browser.newPage());
const problems = [];
function watch(p) {
  p.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && problems.push(m.text()));
  p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
}
watch(page);

let count = 0;
async function shot(p, label) {
  await p.waitForLoadState("load");
  await p.screenshot({ path: path.join(OUT, `${label}.png`), fullPage: true });
  await p.evaluate(axeSource);
  const serious = await p.evaluate(async () =>
    // eslint-disable-next-line no-undef
    (await axe.run(document, { resultTypes: ["violations"] })).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`));
  if (serious.length) throw new Error(`${label}: axe-core: ${serious.join("; ")}`);
  if (problems.length) throw new Error(`${label}: ${problems.join("\n")}`);
}
async function step(name, body) {
  count += 1;
  const label = `desk-${String(count).padStart(2, "0")}-${name}`;
  process.stdout.write(`${label} … `);
  await body();
  await shot(page, label);
  console.log("ok");
}
async function settle(p = page) {
  await p.waitForLoadState("load");
  await p.waitForFunction(() => !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling"));
}
async function signIn(user) {
  await page.goto(`${BASE}/login`);
  await page.fill("#username", user);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit].primary")]);
}
async function signOut() {
  await Promise.all([page.waitForURL(/\/login/), page.click(".who button.link")]);
}
async function text(sel, p = page) {
  return (await p.locator(sel).first().innerText()).trim();
}
function expect(ok, what) {
  if (!ok) throw new Error(what);
}
/** Clicks `sel` (a form's button) and waits until the answer is on the page. */
async function submit(sel, p = page) {
  await Promise.all([
    p.waitForResponse((r) => r.request().method() === "POST"),
    p.click(sel),
  ]);
  await settle(p);
}
/** The ids the Tab key visits from `start`, `n` times. */
async function tabOrder(start, n) {
  await page.focus(start);
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press("Tab");
    seen.push(await page.evaluate(() => document.activeElement && document.activeElement.id));
  }
  return seen;
}

let requestId;
const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
const year = Number(today.slice(0, 4)) + 1;
try {
  await step("subscriber-dashboard", async () => {
    await signIn("chuyenvien");
    await page.click("nav.menu a#nav-desk");
    await page.waitForSelector("#waiting-h");
    expect(await page.locator("#nothing-waits").count() === 1, "something waits for a new subscriber");
  });
  await step("subscriber-form-refused", async () => {
    await page.click("#tab-desk-new");
    await page.waitForSelector("#desk-form");
    // Labels for every field, and Tab walks them in reading order.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("#desk-form input, #desk-form select, #desk-form textarea")]
        .filter((e) => e.type !== "hidden" && !document.querySelector(`label[for="${e.id}"]`))
        .map((e) => e.name));
    expect(!unlabelled.length, `fields without a label: ${unlabelled}`);
    const order = await tabOrder("#kind", 13);
    const want = ["agency_id", "subscriber", "identity_number", "full_name", "position", "email", "phone",
      "reason", "certificate_serial", "token_serial", "revocation_reason", "renewal_days", "desk-submit"];
    expect(JSON.stringify(order) === JSON.stringify(want), `tab order: ${order}`);
    // Filled from the account; typed with the keyboard; Enter sends it.
    expect((await page.inputValue("#full_name")) === "Lê Minh Tuấn", await page.inputValue("#full_name"));
    await page.selectOption("#kind", "issue_person");
    await page.focus("#identity_number");
    await page.keyboard.type("12345");
    await page.fill("#email", "tuan.lm@ninhbinh.gov.vn");
    await page.fill("#position", "Chuyên viên");
    await page.fill("#reason", "Cấp mới chứng thư số để ký văn bản điện tử");
    await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.press("#identity_number", "Enter")]);
    await settle();
    const err = await text("#desk-error");
    expect(/số định danh cá nhân gồm 12 chữ số/.test(err), err);
    expect((await page.getAttribute("#identity_number", "aria-invalid")) === "true", "the field is not marked");
    expect((await page.inputValue("#email")) === "tuan.lm@ninhbinh.gov.vn", "the e-mail was lost");
    expect((await page.inputValue("#reason")).startsWith("Cấp mới"), "the reason was lost");
    expect((await page.inputValue("#identity_number")) === "12345", "the typed number was lost");
  });
  await step("subscriber-request-filed", async () => {
    await page.fill("#identity_number", "037090001234");
    await Promise.all([page.waitForURL(/\/desk\/\d+\?ok=desk-created/), page.press("#identity_number", "Enter")]);
    await settle();
    requestId = Number(new URL(page.url()).pathname.split("/").pop());
    expect(/Đã lập yêu cầu/.test(await text(".flash")), await text(".flash"));
    expect(/Chờ cơ quan quản lý xác nhận/.test(await text("#desk-state")), await text("#desk-state"));
    // The creator may cancel, never confirm.
    expect(await page.locator("#desk-cancel").count() === 1, "no cancel button");
    expect(await page.locator("#desk-confirm, #desk-return, #desk-approve").count() === 0, "buttons of others shown");
  });
  await step("manager-sees-it-waiting", async () => {
    await signOut();
    await signIn("chutich");
    await page.goto(`${BASE}/desk`);
    const row = page.locator(`#desk-waiting tr[data-id="${requestId}"]`);
    expect(await row.count() === 1, "the request does not wait for the head");
    expect(/Xác nhận/.test(await row.innerText()), await row.innerText());
    await Promise.all([page.waitForURL(new RegExp(`/desk/${requestId}$`)), row.locator("a").first().click()]);
    await settle();
    expect(await page.locator("#desk-confirm").count() === 1, "no confirm button for the head");
    expect(await page.locator("#desk-cancel").count() === 0, "the head may not cancel");
  });
  let other;
  await step("manager-confirms", async () => {
    // A second tab confirms; the first keeps its now stale button.
    other = await browser.newPage();
    watch(other);
    await other.goto(`${BASE}/desk/${requestId}`);
    await Promise.all([other.waitForURL(/ok=desk-confirm/), other.click("#desk-confirm")]);
    await settle(other);
    expect(/Đã xác nhận/.test(await text("#desk-state", other)), await text("#desk-state", other));
    expect(/Nguyễn Văn An/.test(await text("#desk-confirmation", other)), await text("#desk-confirmation", other));
    const hist = await text("#desk-history", other);
    expect(/Lập yêu cầu/.test(hist) && /Xác nhận/.test(hist), hist);
    await shot(other, `desk-${String(count).padStart(2, "0")}b-confirmed-tab`);
  });
  await step("stale-confirm-refused", async () => {
    await submit("#desk-confirm");
    const err = await text("#desk-error");
    expect(/^Không thể xác nhận yêu cầu đang ở trạng thái "đã xác nhận"/.test(err), err);
    expect(/Đã xác nhận/.test(await text("#desk-state")), await text("#desk-state"));
    expect(await page.locator("#desk-confirm").count() === 0, "confirm still offered");
    await other.close();
  });
  await step("admin-registers-device", async () => {
    await signOut();
    await signIn("quantri");
    await page.goto(`${BASE}/desk/devices`);
    await page.fill("#serial", "TK-2027-0001");
    await page.fill("#model", "ePass2003");
    await page.fill("#module", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so");
    await page.selectOption("#agency_id", { label: "Ủy ban nhân dân tỉnh Ninh Bình" });
    await page.selectOption("#holder_id", { label: "Lê Minh Tuấn" });
    await Promise.all([page.waitForURL(/\/desk\/devices\/\d+\?ok=device-registered/), page.click("#device-register")]);
    await settle();
    expect(/Mới/.test(await text("#device-state")), await text("#device-state"));
    expect(/Lê Minh Tuấn/.test(await text("#device-holder")), await text("#device-holder"));
  });
  await step("handover-by-post-needs-tracking", async () => {
    await page.selectOption("#method", "post");
    await page.fill("#handed_on", today);
    await page.fill("#from_party", "Sở Khoa học và Công nghệ tỉnh Ninh Bình");
    await page.fill("#to_party", "Lê Minh Tuấn");
    await page.selectOption("#new_state", "issued");
    await submit("#handover-submit");
    const err = await text("#desk-error");
    expect(/cần số hiệu bưu gửi/.test(err), err);
    expect((await page.inputValue("#to_party")) === "Lê Minh Tuấn", "the typed party was lost");
  });
  await step("handover-recorded", async () => {
    await page.selectOption("#method", "in_person");
    await Promise.all([page.waitForURL(/ok=handover-recorded/), page.click("#handover-submit")]);
    await settle();
    expect(/Đã cấp/.test(await text("#device-state")), await text("#device-state"));
    const rows = await page.locator("#handovers tbody tr").allInnerTexts();
    expect(rows.length === 1 && /Trực tiếp/.test(rows[0]) && /Lê Minh Tuấn/.test(rows[0]), rows.join("\n"));
    // The administrator is no sealer of the province: no record button.
    expect(await page.locator(".record-make").count() === 0, "record button for a non-sealer");
  });
  let deviceUrl;
  await step("clerk-seals-the-record", async () => {
    deviceUrl = new URL(page.url()).pathname;
    await signOut();
    await signIn("vanthu");
    await page.goto(`${BASE}/desk/devices`);
    const line = await text("#devices tbody tr");
    expect(/TK-2027-0001/.test(line) && /Đã cấp/.test(line) && /Lê Minh Tuấn/.test(line), line);
    expect(await page.locator("#device-form").count() === 0, "a clerk may not register devices");
    await shot(page, `desk-${String(count).padStart(2, "0")}a-device-list`);
    await Promise.all([page.waitForURL(/\/desk\/devices\/\d+$/), page.click("#devices a")]);
    await settle();
    await Promise.all([page.waitForURL(/ok=record-made/), page.click(".record-make")]);
    await settle();
    const href = await page.getAttribute(".record-link", "href");
    expect(href && href.startsWith(`${deviceUrl}/handovers/`), `record link ${href}`);
    const r = await page.request.get(`${BASE}${href}`);
    const body = await r.body();
    expect(r.status() === 200 && r.headers()["content-type"] === "application/pdf", `${r.status()} ${r.headers()["content-type"]}`);
    expect(body.subarray(0, 5).toString() === "%PDF-", "not a PDF");
    fs.writeFileSync(path.join(OUT, "handover-record.pdf"), body);
  });
  /** The first day from `year`-02-`from` whose weekday is in `days` (0 = Sunday). */
  function firstOf(from, days) {
    const d = new Date(Date.UTC(year, 1, from));
    while (!days.includes(d.getUTCDay())) d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }
  const saturday = firstOf(1, [6]);
  const weekday = firstOf(8, [1, 2, 3, 4, 5]);
  await step("calendar-weekend-refused", async () => {
    await signOut();
    await signIn("quantri");
    await page.goto(`${BASE}/desk/calendar?year=${year}`);
    await page.waitForSelector("#day-form");
    await page.fill("#day", saturday);
    await page.fill("#day-name", "Tết Nguyên đán");
    await submit("#day-submit");
    const err = await text("#desk-error");
    expect(/thứ Bảy, Chủ nhật/.test(err), err);
    expect((await page.inputValue("#day-name")) === "Tết Nguyên đán", "the typed name was lost");
    expect(await page.locator(`#calendar tr[data-day="${saturday}"]`).count() === 0, "the Saturday went in");
  });
  await step("calendar-add-holiday", async () => {
    await page.goto(`${BASE}/desk/calendar?year=${year}`);
    await page.waitForSelector("#day-form");
    // With the keyboard: the date, Tab to the kind, Tab to the name, Enter.
    await page.fill("#day", weekday);
    // (Chromium's date field takes a Tab for each of its parts.)
    await page.focus("#day");
    for (let i = 0; i < 4 && await page.evaluate(() => document.activeElement.id) === "day"; i++) {
      await page.keyboard.press("Tab");
    }
    expect(await page.evaluate(() => document.activeElement.id) === "day-kind", "Tab from the day");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement.id) === "day-name", "Tab from the kind");
    await page.keyboard.type("Tết Nguyên đán");
    await Promise.all([page.waitForURL(/ok=day-set/), page.keyboard.press("Enter")]);
    await settle();
    const row = page.locator(`#calendar tr[data-day="${weekday}"]`);
    expect(await row.count() === 1, "the day is not in the calendar");
    expect(/Tết Nguyên đán/.test(await row.innerText()) && /Ngày lễ âm lịch/.test(await row.innerText()), await row.innerText());
  });
  await step("calendar-fixed-holidays", async () => {
    await Promise.all([page.waitForURL(/ok=fixed-added/), page.click("#fixed-submit")]);
    await settle();
    // Those on a weekday; one on a Saturday or Sunday is no day off.
    for (const d of ["01-01", "04-30", "05-01", "09-02"]) {
      const weekend = [0, 6].includes(new Date(`${year}-${d}T00:00:00Z`).getUTCDay());
      const n = await page.locator(`#calendar tr[data-day="${year}-${d}"]`).count();
      expect(n === (weekend ? 0 : 1), `${year}-${d}: ${n}`);
    }
  });
  await step("report-from-the-tabs", async () => {
    await Promise.all([page.waitForURL(/\/desk\/report/), page.click("#tab-desk-report")]);
    await settle();
    expect(/Báo cáo tình hình/.test(await text("h1")), await text("h1"));
    expect(await page.locator("#tab-desk-calendar").count() === 1, "no desk tabs on the report");
  });
  await step("english-dashboard", async () => {
    await signOut();
    await signIn("chuyenvien");
    await page.goto(`${BASE}/desk`);
    await Promise.all([page.waitForURL(/\/desk/), page.click("form.lang button")]);
    await settle();
    const h = await text("h1");
    expect(h === "Certificate requests", h);
    const all = await text("#desk-list");
    expect(/New personal certificate/.test(all) && /Confirmed/.test(all), all);
  });
  console.log(`all ${count} desk steps passed`);
} catch (e) {
  await page.screenshot({ path: path.join(OUT, "desk-failed.png"), fullPage: true }).catch(() => {});
  console.log("FAILED");
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
