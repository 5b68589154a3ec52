// End-to-end tests of the review page in headless Chromium.
//
// Starts `kaitsu serve` on a free loopback port over a few fixtures, drives
// Debian's /usr/bin/chromium through playwright-core, and checks what a
// reviewer does: see the list, drop a notice, read its fields, click a
// finding and see its box highlighted, reveal a secret. Screenshots go to
// e2e/screenshots/ (list.png, finding.png) for a person to look at.
//
// KAITSU_BIN overrides the binary (default: ../target/debug/kaitsu).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, copyFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const CORPUS = path.join(ROOT, "fixtures", "corpus");
const BIN = process.env.KAITSU_BIN || path.join(ROOT, "target", "debug", "kaitsu");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = path.join(HERE, "screenshots");

// Served from the start: an expired notice (Calc), a clean one (Writer)
// and an error record.
const SERVED = [
  "calc_ipaex_address_dns",
  "writer_ipaex_tab_leader_kv",
  "err_not_notice_invoice",
];
// Dropped on the page by the test.
const DROPPED = "rl_unijis_address_dns_hyphen";
// After the Calc and the dropped notice's password expiry, before the
// Writer one's: two served notices need a person, one does not.
const TODAY = "2026-06-01";

let server;
let base;
let context;
let page;
let work;
const offsite = [];

function expected(name) {
  return JSON.parse(readFileSync(path.join(CORPUS, `${name}.expected.json`), "utf8"));
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "kaitsu-e2e-"));
  const dir = path.join(work, "notices");
  mkdirSync(dir);
  for (const n of SERVED) copyFileSync(path.join(CORPUS, `${n}.pdf`), path.join(dir, `${n}.pdf`));
  server = spawn(BIN, ["serve", "--bind", "127.0.0.1:0", "--today", TODAY, dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  base = await new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30000);
    server.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/open (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  context = await chromium.launchPersistentContext(path.join(work, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  page.on("request", (r) => { if (!r.url().startsWith(base)) offsite.push(r.url()); });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await context?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the list shows every served notice with its status, in Japanese", async () => {
  await page.goto(`${base}/`);
  await page.waitForSelector(".notice-row");
  assert.equal(await page.locator("h1").textContent(), "開通のご案内 確認");
  assert.equal(await page.locator(".notice-row").count(), SERVED.length);
  const bad = page.locator(".notice-row", { hasText: "err_not_notice_invoice" });
  assert.match(await bad.locator(".status").textContent(), /エラー/);
  // The clean Writer notice is filtered out; the expired one and the
  // error record stay.
  await page.check("#needs-filter");
  await page.waitForFunction(() => document.querySelectorAll(".notice-row").length === 2);
  const kept = await page.locator(".notice-row .src").allTextContents();
  assert.deepEqual(kept.sort(), ["calc_ipaex_address_dns.pdf", "err_not_notice_invoice.pdf"]);
  await page.uncheck("#needs-filter");
  await page.waitForFunction((n) => document.querySelectorAll(".notice-row").length === n, SERVED.length);
  await page.screenshot({ path: path.join(SHOTS, "list.png") });
});

test("a dropped notice is parsed and its fields shown", async () => {
  const bytes = readFileSync(path.join(CORPUS, `${DROPPED}.pdf`)).toString("base64");
  const dt = await page.evaluateHandle(({ name, b64 }) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const t = new DataTransfer();
    t.items.add(new File([data], name, { type: "application/pdf" }));
    return t;
  }, { name: `${DROPPED}.pdf`, b64: bytes });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
  await page.waitForSelector(`#detail-title:has-text("${DROPPED}.pdf")`);
  assert.equal(await page.locator(".notice-row").count(), SERVED.length + 1);
  const want = expected(DROPPED).notice;
  const cell = (f) => page.locator(`#fields tr[data-field="${f}"] td`).textContent();
  assert.equal(await cell("customer_number"), want.customer_number);
  assert.equal(await cell("login_url"), want.login_url);
  assert.equal(await cell("users[0].user_id"), want.users[0].user_id);
  // Secrets stay hidden until revealed.
  assert.equal(await cell("users[0].temporary_password"), "[REDACTED]");
  await page.waitForFunction(() => [...document.querySelectorAll(".page-wrap img")].every((i) => i.complete && i.naturalWidth > 0));
});

test("clicking a finding highlights its box on the page image", async () => {
  const finding = page.locator("#findings li.finding[data-field]").filter({
    has: page.locator(".ffield"),
  });
  // Take the first finding whose field has a box on the page.
  const fields = await finding.evaluateAll((els) => els.map((e) => e.dataset.field));
  const boxed = [];
  for (const f of fields) {
    if (await page.locator(`.box[data-field="${f}"]`).count()) boxed.push(f);
  }
  assert.ok(boxed.length > 0, `no finding has a box: ${fields}`);
  const field = boxed[0];
  await page.locator(`#findings li[data-field="${field}"]`).first().click();
  const box = page.locator(`.box.highlight[data-field="${field}"]`);
  assert.equal(await box.count(), 1);
  assert.equal(await page.locator(".box.highlight").count(), 1);
  const b = await box.boundingBox();
  const img = await box.locator("xpath=..").locator("img").boundingBox();
  assert.ok(b && img && b.width > 2 && b.height > 2, "the box has a size");
  assert.ok(b.x >= img.x && b.y >= img.y && b.x + b.width <= img.x + img.width + 1 && b.y + b.height <= img.y + img.height + 1,
    "the box lies on its page image");
  // The highlight is drawn: its outline colour is the highlight colour.
  const outline = await box.evaluate((e) => getComputedStyle(e).outlineColor);
  assert.equal(outline, "rgb(255, 212, 0)");
  await page.screenshot({ path: path.join(SHOTS, "finding.png") });
  // Clicking a field row highlights that field's box instead.
  await page.locator('#fields tr[data-field="customer_number"]').click();
  assert.equal(await page.locator('.box.highlight[data-field="customer_number"]').count(), 1);
  assert.equal(await page.locator(".box.highlight").count(), 1);
});

test("reveal shows this notice's secrets, and only on request", async () => {
  const want = expected(DROPPED).notice.users[0].temporary_password;
  await page.click("#reveal");
  const cell = page.locator('#fields tr[data-field="users[0].temporary_password"] td');
  await page.waitForFunction((w) => {
    const td = document.querySelector('#fields tr[data-field="users[0].temporary_password"] td');
    return td && td.textContent === w;
  }, want);
  assert.equal(await cell.textContent(), want);
  const src = await page.locator(".page-wrap img").first().getAttribute("src");
  assert.match(src, /reveal=1/);
  // Another notice stays redacted.
  await page.locator(".notice-row", { hasText: SERVED[0] }).click();
  await page.waitForSelector(`#detail-title:has-text("${SERVED[0]}.pdf")`);
  assert.equal(
    await page.locator('#fields tr[data-field="users[0].temporary_password"] td').textContent(),
    "[REDACTED]",
  );
});

test("English with ?lang=en, and nothing is fetched from elsewhere", async () => {
  await page.goto(`${base}/?lang=en`);
  await page.waitForSelector(".notice-row");
  assert.equal(await page.locator("h1").textContent(), "Activation notice review");
  assert.deepEqual(offsite, []);
});
