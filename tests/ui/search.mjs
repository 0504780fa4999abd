// The search page in Debian's chromium (playwright-core), against
// `kyso demo`: words typed without accents find the demo's documents with
// the matched words marked, the filters narrow them, another agency's
// clerk finds none of the province's drafts, an anonymous visitor is sent
// to the login page. axe-core on every screen, no CSP violation, a
// screenshot of each step. Run by crates/kyso/tests/web_search.rs.
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
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kyso-search-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1366, height: 768 },
  locale: "vi-VN",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
browser.setDefaultTimeout(30_000);
const page = browser.pages()[0] || (await browser.newPage());
const csp = [];
page.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && csp.push(m.text()));
page.on("pageerror", (e) => csp.push(`page error: ${e.message}`));

let count = 0;
async function check(name, body) {
  count += 1;
  const label = `search-${String(count).padStart(2, "0")}-${name}`;
  process.stdout.write(`${label} … `);
  await body();
  await page.waitForLoadState("load");
  await page.screenshot({ path: path.join(OUT, `${label}.png`), fullPage: true });
  await page.evaluate(axeSource);
  const serious = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    (await axe.run(document, { resultTypes: ["violations"] })).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.help}`));
  if (serious.length) throw new Error(`${label}: axe-core: ${serious.join("; ")}`);
  if (csp.length) throw new Error(`${label}: ${csp.join("\n")}`);
  console.log("ok");
}
async function signIn(user) {
  await page.goto(`${BASE}/login`);
  await page.fill("#username", user);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit].primary")]);
}
async function expectCount(re) {
  const t = await page.locator(".search-count").innerText();
  if (!re.test(t)) throw new Error(t);
}
/** Submits the search form and waits until its answer is on the page. */
async function submitSearch(words) {
  const answered = (r) => r.url().includes("/search?") && new URL(r.url()).searchParams.get("q") === words;
  await Promise.all([page.waitForResponse(answered), page.click(".search-box button[type=submit]")]);
  await page.waitForFunction(
    (w) => new URL(location.href).searchParams.get("q") === w
      && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")
      && document.querySelector(".search-count"),
    words,
  );
}
/** Searches `words` from the page's box; the index is fed every 2 s, so retry a while. */
async function searchFor(words, want) {
  for (let i = 0; i < 30; i++) {
    await page.fill("#q", words);
    await submitSearch(words);
    if (want(await page.locator(".search-hit").count())) return;
    await page.waitForTimeout(1000);
  }
  throw new Error(`"${words}": ${await page.locator(".search-count").innerText()}`);
}

try {
  await check("anonymous-to-login", async () => {
    await page.goto(`${BASE}/search?q=chuyen+doi+so`);
    if (!new URL(page.url()).pathname.startsWith("/login")) throw new Error(`at ${page.url()}`);
  });
  await check("drafter-search-page", async () => {
    await signIn("chuyenvien");
    await page.click("nav.menu a[href='/search']");
    await page.waitForSelector("#q");
  });
  await check("drafter-words-without-accents", async () => {
    await searchFor("chuyen doi so", (n) => n > 0);
    const titles = await page.locator(".hit-title").allInnerTexts();
    if (!titles.some((t) => /Chuyển đổi số tỉnh Ninh Bình năm 2027/.test(t))) throw new Error(titles.join("\n"));
    const marks = await page.locator(".search-hit mark").allInnerTexts();
    if (!marks.some((m) => /^Chuyển$/i.test(m)) || !marks.some((m) => /^đổi$/i.test(m))) throw new Error(`marked: ${marks}`);
  });
  await check("drafter-text-snippet", async () => {
    // Words of the body, not of the subject: found in the text layer.
    await searchFor("van thu quan ly chung thu so", (n) => n > 0);
    const text = await page.locator(".hit-text").first().innerText();
    if (!/văn thư/i.test(text)) throw new Error(text);
  });
  await check("drafter-filters", async () => {
    await page.fill("#q", "ninh binh");
    await page.click(".search-filters summary");
    await page.selectOption("#type", "KH");
    await submitSearch("ninh binh");
    if (!page.url().includes("type=KH")) throw new Error(page.url());
    const meta = await page.locator(".hit-meta").allInnerTexts();
    if (!meta.length || !meta.every((m) => /Kế hoạch/.test(m))) throw new Error(meta.join("\n"));
  });
  await check("other-agency-finds-nothing", async () => {
    await Promise.all([page.waitForURL(/\/login/), page.click(".who button.link")]);
    await signIn("vanthu.kimson");
    await page.goto(`${BASE}/search`);
    await searchFor("chuyen doi so tinh ninh binh nam 2027", (n) => n === 0);
    const none = await page.locator(".search-results + p.muted").innerText();
    if (!/Không tìm thấy văn bản nào/.test(none)) throw new Error(none);
    await expectCount(/^0 văn bản phù hợp/);
  });
  await check("other-agency-finds-what-it-received", async () => {
    await searchFor("de nghi cap chung thu so", (n) => n > 0);
    const meta = await page.locator(".hit-meta").first().innerText();
    if (!/văn bản đến/.test(meta)) throw new Error(meta);
    await Promise.all([page.waitForURL(/\/inbox\/\d+/), page.click(".hit-title a")]);
  });
  console.log(`all ${count} search steps passed`);
} catch (e) {
  await page.screenshot({ path: path.join(OUT, "search-failed.png"), fullPage: true }).catch(() => {});
  console.log("FAILED");
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
