// The SDK's App Event outbox in headless Chromium on the app's own origin, against the real
// `paragon serve` (stopped and started again on the same data folder and port) and the
// sandbox: events sent while the platform is down are delivered once it is back, events
// pending at a reload are delivered after the next authenticate, and each event runs the
// guide's workflow exactly once. The outbox is bounded (events and bytes, and whatever
// `localStorage` itself refuses: a clear error, nothing stored, nothing lost), and `logout()`
// discards the user's undelivered events unless the app keeps them.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { startParagon } from "./support/paragon.mjs";
import { closeWithoutTokens, connectThroughPortal, setUpPlatform } from "./support/platform.mjs";


const PAGE = `<!doctype html><title>Acme CRM</title><body>
<script type="module">
  import "/pkg/index.js";
  window.ready = true;
</script></body>`;

let sandbox, app, platform, port, dataDir, browser, context, projectId, apiKey, token;
const browserUrls = [];
let sent = 0; // events the tests sent, each one must run once
let platformDown = false;

before(async () => {
  app = await startApp({ "/": PAGE });
  let signToken;
  ({ sandbox, platform, dataDir, projectId, apiKey, signToken } = await setUpPlatform(app.origin));
  port = Number(new URL(platform.url).port);
  token = await signToken("user-1");
  browser = await launchBrowser();

  // The user connects HubSpot through the SDK and turns the guide's workflow on.
  const page = await openApp();
  await connectThroughPortal(page, context);
  const sdk = (p, method = "GET") => fetch(`${platform.url}/projects/${projectId}/sdk${p}`, { method, headers: { Authorization: `Bearer ${token}` } });
  const [integration] = await (await sdk("/integrations")).json();
  assert.equal((await sdk(`/workflows/${integration.workflows[0].id}`, "POST")).ok, true);
  await context.close();
});

afterEach(async () => {
  await closeWithoutTokens(context, browserUrls, [token]);
  context = null;
  // After the context: the filler events of a test die with it, never delivered.
  if (platformDown) await restartPlatform();
});

after(() => stopAll(browser, platform, sandbox, app));

async function openApp(options = {}) {
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  const page = await context.newPage();
  await loadApp(page, options);
  return page;
}

async function loadApp(page, options = {}) {
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await authenticate(page, options);
}

/** `authenticate` again on the loaded page (no reload), with `options`. */
function authenticate(page, options = {}) {
  return page.evaluate(async ([host, projectId, token, options]) => {
    window.paragon.configureGlobal({ host });
    await window.paragon.authenticate(projectId, token, options);
  }, [platform.url, projectId, token, options]);
}

/** Sends `count` events of `payload` without waiting; then one more, and how it settled. */
function fill(page, count, payload) {
  return page.evaluate(async ([count, payload]) => {
    for (let n = 0; n < count; n += 1) window.paragon.event("Outbox Filler", { ...payload, n }).catch(() => {});
    // The old outbox never settled an event it could not store: give up after 3 s.
    const timeout = new Promise((resolve) => setTimeout(() => resolve("still pending"), 3_000));
    const extra = window.paragon.event("Outbox Filler", { ...payload, n: count }).then(
      () => "delivered",
      (e) => ({ name: e.name, code: e.code, message: e.message }),
    );
    const stored = Object.entries(localStorage).filter(([key]) => key.startsWith("paragon:outbox:"));
    return {
      extra: await Promise.race([extra, timeout]),
      pending: window.paragon.pendingEvents().map((e) => e.payload.n),
      stored: stored.map(([, text]) => ({ events: JSON.parse(text).length, bytes: new TextEncoder().encode(text).length })),
    };
  }, [count, payload]);
}

function contact(n) {
  sent += 1;
  return { first_name: "Ada", last_name: `Lovelace ${n}`, email: `ada-${n}@acme.test`, company: "Analytical Engines", title: "Engineer" };
}

async function stopPlatform() {
  await platform.stop({ keepData: true });
  platformDown = true;
}

async function restartPlatform() {
  platform = await startParagon({ dataDir, port });
  platformDown = false;
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
  await stopPlatform();

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
  await stopPlatform();
  await page.evaluate(([a, b]) => {
    window.paragon.event("Contact Created", a);
    window.paragon.event("Contact Created", b);
  }, [contact("reload-1"), contact("reload-2")]);
  await page.waitForTimeout(300);

  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  assert.equal(await page.evaluate(() => window.paragon.pendingEvents().length), 0, "nothing before authenticate");
  assert.equal(await page.evaluate(() => localStorage.length), 1, "the outbox survived the reload");

  // While authenticate waits for the platform, and after it failed, the app sees what the
  // token's user left: the platform is down, so this is all it can show.
  await page.evaluate(([host, projectId, token]) => {
    window.paragon.configureGlobal({ host });
    window.signingIn = window.paragon.authenticate(projectId, token).then(() => "ok", (e) => e.code);
  }, [platform.url, projectId, token]);
  await page.waitForFunction(() => window.paragon.pendingEvents().length === 2, null, { timeout: 5_000 });
  assert.equal(await page.evaluate(() => window.signingIn), "NETWORK_ERROR");
  assert.equal(await page.evaluate(() => window.paragon.pendingEvents().length), 2, "still shown after authenticate failed");
  await page.evaluate(() => window.paragon.logout({ keepPendingEvents: true }));
  assert.equal(await page.evaluate(() => window.paragon.pendingEvents().length), 0, "nobody's after logout");

  await restartPlatform();
  await loadApp(page);
  await page.waitForFunction(() => window.paragon.pendingEvents().length === 0, null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => localStorage.length), 0);
});

test("a full outbox refuses the next event with OUTBOX_FULL and stores no more than 500 events", async () => {
  const page = await openApp();
  await stopPlatform();

  const result = await fill(page, 500, {});

  assert.equal(result.extra.name, "ParagonError");
  assert.equal(result.extra.code, "OUTBOX_FULL");
  assert.match(result.extra.message, /at most 500 events and 1000000 bytes/);
  assert.deepEqual(result.pending, [...Array(500).keys()], "the 500 stored events are all kept, in order");
  assert.equal(result.stored.length, 1);
  assert.equal(result.stored[0].events, 500);
});

test("an event that would take the outbox past 1 MB of JSON is refused with OUTBOX_FULL", async () => {
  const page = await openApp();
  await stopPlatform();

  // Nine of these fit in 1,000,000 bytes, the tenth does not.
  const result = await fill(page, 9, { blob: "x".repeat(100_000) });

  assert.equal(result.extra.code, "OUTBOX_FULL");
  assert.deepEqual(result.pending, [...Array(9).keys()]);
  assert.ok(result.stored[0].bytes <= 1_000_000 && result.stored[0].bytes > 900_000, JSON.stringify(result.stored));
});

test("authenticate sets the outbox's limits and refuses ones that are not positive integers", async () => {
  const page = await openApp();
  const refused = await page.evaluate(async ([projectId, token]) => {
    const codes = [];
    for (const options of [{ maxPendingEvents: 0 }, { maxPendingBytes: "lots" }, { maxPendingEvents: 2.5 }]) {
      codes.push(await window.paragon.authenticate(projectId, token, options).then(() => "accepted", (e) => e.code));
    }
    return codes;
  }, [projectId, token]);
  assert.deepEqual(refused, ["INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"]);

  await authenticate(page, { maxPendingEvents: 2, maxPendingBytes: 100_000 });
  await stopPlatform();
  const byCount = await fill(page, 2, {});
  assert.equal(byCount.extra.code, "OUTBOX_FULL");
  assert.match(byCount.extra.message, /at most 2 events and 100000 bytes/);
  assert.deepEqual(byCount.pending, [0, 1]);
});

test("when localStorage itself is full, event() rejects with STORAGE_FULL and stores nothing", async () => {
  const page = await openApp();
  const result = await page.evaluate(async () => {
    // The app (or another script of its origin) filled the origin's quota to the last byte.
    for (let size = 1 << 20, n = 0; size >= 1; size >>= 2) {
      try {
        for (;;) localStorage.setItem(`app:${(n += 1)}`, "x".repeat(size));
      } catch {}
    }
    const timeout = new Promise((resolve) => setTimeout(() => resolve("still pending"), 3_000));
    const refused = await Promise.race([
      window.paragon.event("Outbox Filler", { n: 0 }).then(() => "delivered", (e) => ({ name: e.name, code: e.code })),
      timeout,
    ]);
    const pending = window.paragon.pendingEvents().length;
    for (const key of Object.keys(localStorage)) if (key.startsWith("app:")) localStorage.removeItem(key);
    return { refused, pending };
  });
  assert.deepEqual(result, { refused: { name: "ParagonError", code: "STORAGE_FULL" }, pending: 0 });

  // With room again, the next event is stored and delivered as usual.
  const receipt = await page.evaluate((payload) => window.paragon.event("Contact Created", payload), contact("after-quota"));
  assert.equal(receipt.runs, 1);
});

test("logout() discards the user's undelivered events: their promises reject and storage keeps none", async () => {
  const page = await openApp();
  await stopPlatform();
  const result = await page.evaluate(async () => {
    const outcomes = ["discarded-1", "discarded-2"].map((n) =>
      window.paragon.event("Contact Created", { email: `${n}@acme.test` }).then(() => "delivered", (e) => e.code),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const discarded = window.paragon.logout();
    return {
      discarded: discarded.map((e) => e.payload.email),
      outcomes: await Promise.all(outcomes),
      stored: Object.keys(localStorage),
      user: window.paragon.getUser(),
    };
  });
  assert.deepEqual(result, {
    discarded: ["discarded-1@acme.test", "discarded-2@acme.test"],
    outcomes: ["EVENT_DISCARDED", "EVENT_DISCARDED"],
    stored: [],
    user: { authenticated: false },
  });

  // The same user comes back: there is nothing left to send.
  await restartPlatform();
  await authenticate(page);
  await page.evaluate(() => window.paragon.flush());
  assert.deepEqual(await page.evaluate(() => [window.paragon.pendingEvents(), localStorage.length]), [[], 0]);
});

test("logout({ keepPendingEvents: true }) keeps the events, delivered after the same user authenticates again", async () => {
  const page = await openApp();
  await stopPlatform();
  const result = await page.evaluate(async (payload) => {
    window.receipt = window.paragon.event("Contact Created", payload);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const discarded = window.paragon.logout({ keepPendingEvents: true });
    const stored = Object.entries(localStorage).map(([key, text]) => [key, JSON.parse(text).map((e) => e.payload.email)]);
    return { discarded, stored, pending: window.paragon.pendingEvents() };
  }, contact("kept"));
  assert.deepEqual(result.discarded, []);
  assert.equal(result.stored.length, 1);
  assert.ok(result.stored[0][0].includes("user-1"), result.stored[0][0]);
  assert.deepEqual(result.stored[0][1], ["ada-kept@acme.test"]);
  assert.deepEqual(result.pending, [], "logged out: no user's events are listed");

  await restartPlatform();
  await authenticate(page);
  const receipt = await page.evaluate(() => window.receipt);
  assert.equal(receipt.runs, 1);
  await page.waitForFunction(() => localStorage.length === 0);
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
  for (const n of ["receipt", "offline-1", "offline-2", "reload-1", "reload-2", "after-quota", "kept"]) {
    assert.equal(emails.split(`ada-${n}@acme.test`).length - 1, 1, `one contact ada-${n}`);
  }
  assert.ok(!emails.includes("discarded-"), "no discarded event was delivered");
});
