// The SDK's App Event outbox in headless Chromium on the app's own origin, against the real
// `paragon serve` (stopped and started again on the same data folder and port) and the
// sandbox: events sent while the platform is down are delivered once it is back, events
// pending at a reload are delivered after the next authenticate, and each event runs the
// guide's workflow exactly once.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { startParagon } from "./support/paragon.mjs";
import { closeWithoutTokens, setUpPlatform } from "./support/platform.mjs";


const PAGE = `<!doctype html><title>Acme CRM</title><body>
<script type="module">
  import "/pkg/index.js";
  window.ready = true;
</script></body>`;

let sandbox, app, platform, port, dataDir, browser, context, projectId, apiKey, token;
const browserUrls = [];
let sent = 0; // events the tests sent, each one must run once

before(async () => {
  app = await startApp({ "/": PAGE });
  let signToken;
  ({ sandbox, platform, dataDir, projectId, apiKey, signToken } = await setUpPlatform(app.origin));
  port = Number(new URL(platform.url).port);
  token = await signToken("user-1");
  browser = await launchBrowser();

  // The user connects HubSpot through the SDK and turns the guide's workflow on.
  const page = await openApp();
  await page.evaluate(() => {
    window.connected = window.paragon.connect("hubspot");
  });
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  await popup.locator("#grant").click();
  await page.evaluate(() => window.connected);
  const sdk = (p, method = "GET") => fetch(`${platform.url}/projects/${projectId}/sdk${p}`, { method, headers: { Authorization: `Bearer ${token}` } });
  const [integration] = await (await sdk("/integrations")).json();
  assert.equal((await sdk(`/workflows/${integration.workflows[0].id}`, "POST")).ok, true);
  await context.close();
});

afterEach(async () => {
  await closeWithoutTokens(context, browserUrls, [token]);
  context = null;
});

after(() => stopAll(browser, platform, sandbox, app));

async function openApp() {
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  const page = await context.newPage();
  await loadApp(page);
  return page;
}

async function loadApp(page) {
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(async ([host, projectId, token]) => {
    window.paragon.configureGlobal({ host });
    await window.paragon.authenticate(projectId, token);
  }, [platform.url, projectId, token]);
}

function contact(n) {
  sent += 1;
  return { first_name: "Ada", last_name: `Lovelace ${n}`, email: `ada-${n}@acme.test`, company: "Analytical Engines", title: "Engineer" };
}

async function restartPlatform() {
  platform = await startParagon({ dataDir, port });
}

async function succeededRuns() {
  const response = await fetch(`${platform.url}/projects/${projectId}/task-history/workflow-executions?limit=200`, {
    headers: { Authorization: `Bearer ${apiKey}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()).data;
}

test("an event is stored before it is sent and resolves with the platform's receipt", async () => {
  const page = await openApp();
  const result = await page.evaluate(async (payload) => {
    const promise = window.paragon.event("Contact Created", payload);
    const pending = window.paragon.pendingEvents();
    const stored = Object.entries(localStorage);
    const receipt = await promise;
    return { pending, stored, receipt, after: window.paragon.pendingEvents(), left: localStorage.length };
  }, contact("receipt"));

  assert.equal(result.pending.length, 1);
  assert.equal(result.pending[0].name, "Contact Created");
  assert.match(result.pending[0].id, /^[0-9a-f-]{36}$/);
  assert.equal(result.stored.length, 1);
  assert.ok(result.stored[0][0].includes(projectId) && result.stored[0][0].includes("user-1"), result.stored[0][0]);
  assert.equal(result.receipt.runs, 1);
  assert.deepEqual(result.after, []);
  assert.equal(result.left, 0, "the outbox is emptied on delivery");
});

test("a permanently refused event rejects and leaves the outbox", async () => {
  const page = await openApp();
  const error = await page.evaluate(async () => {
    try {
      await window.paragon.event("Contact Created", { blob: "x".repeat(300 * 1024) });
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, status: e.status, pending: window.paragon.pendingEvents().length };
    }
  });
  assert.deepEqual(error, { name: "ParagonError", code: "SERVER_ERROR", status: 413, pending: 0 });
});

test("events sent while the platform is down are delivered once it is back", async () => {
  const page = await openApp();
  await platform.stop({ keepData: true });

  await page.evaluate(([a, b]) => {
    window.receipts = Promise.all([window.paragon.event("Contact Created", a), window.paragon.event("Contact Created", b)]);
  }, [contact("offline-1"), contact("offline-2")]);
  await page.waitForTimeout(700);
  assert.equal(await page.evaluate(() => window.paragon.pendingEvents().length), 2, "kept while the platform is down");

  await restartPlatform();
  const receipts = await page.evaluate(() => window.receipts);
  assert.deepEqual(receipts.map((r) => r.runs), [1, 1]);
  assert.equal(await page.evaluate(() => window.paragon.pendingEvents().length), 0);
});

test("events pending at a reload are delivered after the next authenticate", async () => {
  const page = await openApp();
  await platform.stop({ keepData: true });
  await page.evaluate(([a, b]) => {
    window.paragon.event("Contact Created", a);
    window.paragon.event("Contact Created", b);
  }, [contact("reload-1"), contact("reload-2")]);
  await page.waitForTimeout(300);

  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  assert.equal(await page.evaluate(() => window.paragon.pendingEvents().length), 0, "nothing before authenticate");
  assert.equal(await page.evaluate(() => localStorage.length), 1, "the outbox survived the reload");

  await restartPlatform();
  await loadApp(page);
  await page.waitForFunction(() => window.paragon.pendingEvents().length === 0, null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => localStorage.length), 0);
});

test("the platform ran each event exactly once", async () => {
  const deadline = Date.now() + 30_000;
  let runs = await succeededRuns();
  while (runs.filter((r) => r.status === "succeeded").length < sent && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    runs = await succeededRuns();
  }
  assert.equal(runs.length, sent, `one run per event: ${JSON.stringify(runs.map((r) => r.status))}`);
  assert.ok(runs.every((r) => r.status === "succeeded"));
  const contacts = await sandbox.knob("GET", `/accounts/${sandbox.hubId}/contacts`);
  const emails = JSON.stringify(contacts);
  for (const n of ["receipt", "offline-1", "offline-2", "reload-1", "reload-2"]) {
    assert.equal(emails.split(`ada-${n}@acme.test`).length - 1, 1, `one contact ada-${n}`);
  }
});
