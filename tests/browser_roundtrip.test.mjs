// The whole chain once, on two origins: the npm package imported by a page of "the app" in
// headless Chromium, its wasm loaded lazily, calling the real `paragon serve` through CORS.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { startParagon } from "./support/paragon.mjs";

const PAGE = `<!doctype html><title>app</title>
<script type="module">
  import { paragon, checkHealth } from "/pkg/index.js";
  window.imported = { paragon, checkHealth };
  window.ready = true;
</script>`;

let app, allowing, refusing, browser;

before(async () => {
  app = await startApp({ "/": PAGE });
  allowing = await startParagon({ allowedOrigins: [app.origin] });
  refusing = await startParagon({ allowedOrigins: ["http://127.0.0.1:1"] });
  browser = await launchBrowser();
});

after(() => stopAll(browser, allowing, refusing, app));

async function openApp() {
  const page = await browser.newPage();
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

test("a module script gets window.paragon, the same object as the import", async () => {
  const page = await openApp();

  const same = await page.evaluate(() => window.paragon === window.imported.paragon);
  const version = await page.evaluate(() => window.paragon.getVersion());

  assert.equal(same, true);
  assert.match(version, /^\d+\.\d+\.\d+/);
  await page.close();
});

test("the SDK's wasm calls the server on another origin and reads its health", async () => {
  const page = await openApp();
  const wasmFetches = () => app.requests.filter((p) => p.endsWith(".wasm")).length;
  const before = wasmFetches();

  const health = await page.evaluate(async (host) => {
    window.paragon.configureGlobal({ host });
    const first = await window.imported.checkHealth();
    await window.imported.checkHealth();
    return first;
  }, allowing.url);

  assert.notEqual(new URL(allowing.url).origin, app.origin, "two origins");
  assert.deepEqual(health, { status: "ok", version: await page.evaluate(() => window.paragon.getVersion()) });
  assert.equal(wasmFetches() - before, 1, "the wasm is fetched once, by the first call that needs it");
  await page.close();
});

test("a server that does not allow the app's origin cannot be read by its page", async () => {
  const page = await openApp();

  const error = await page.evaluate(async (host) => {
    window.paragon.configureGlobal({ host });
    try {
      await window.imported.checkHealth();
      return null;
    } catch (e) {
      return { name: e.name, code: e.code };
    }
  }, refusing.url);

  assert.deepEqual(error, { name: "ParagonError", code: "NETWORK_ERROR" });
  await page.close();
});

test("importing the package loads no wasm until a call needs it", async () => {
  const start = app.requests.length;
  const page = await openApp();

  const loaded = app.requests.slice(start);

  assert.ok(loaded.includes("/pkg/index.js"));
  assert.ok(!loaded.some((p) => p.endsWith(".wasm") || p.endsWith("paragon_connect.js")), loaded.join(", "));
  await page.close();
});
