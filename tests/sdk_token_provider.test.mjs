// The `tokenProvider` option of `authenticate`, in headless Chromium against the real server:
// a token the platform refuses (its key revoked) or one about to expire is replaced by the
// provider's and the call retried once; concurrent refusals ask the provider once; a failing
// provider gives an AuthenticationError; the new token never lands in storage or a URL.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { paragonCli } from "./support/paragon.mjs";
import { closeWithoutTokens, newSigningKey, setUpPlatform } from "./support/platform.mjs";

const PAGE = `<!doctype html><title>Acme CRM</title><body><script type="module">
  import { paragon, AuthenticationError } from "/pkg/index.js";
  window.AuthenticationError = AuthenticationError;
  window.ready = true;
</script></body>`;

let sandbox, app, platform, browser, projectId, dataDir, signToken, context;
const browserUrls = [];
const tokens = []; // every token the test handed to a page, checked after each test

before(async () => {
  app = await startApp({ "/": PAGE });
  ({ sandbox, platform, projectId, dataDir, signToken } = await setUpPlatform(app.origin));
  browser = await launchBrowser();
});

afterEach(async () => {
  await closeWithoutTokens(context, browserUrls, tokens);
  context = null;
});

after(() => stopAll(browser, platform, sandbox, app));

/** A second signing key of the project; resolves with `{ kid, sign(sub, ttl) }`. */
async function newKey(name) {
  const key = await newSigningKey(dataDir, projectId, name);
  return {
    kid: key.kid,
    sign: async (sub, ttl) => {
      const token = await key.sign(sub, ttl);
      tokens.push(token);
      return token;
    },
  };
}

const revoke = (kid) => paragonCli(dataDir, ["keys", "revoke", "--project", projectId, kid]);

// A page whose `window.tokenProvider` counts its calls and asks the test (the app's backend)
// for a token signed with `key`. Resolves with the page; `page.authorizations` lists the
// Authorization header of every request to the platform.
async function openApp(key, sub) {
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  const page = await context.newPage();
  page.authorizations = [];
  page.on("request", (request) => {
    if (request.url().startsWith(platform.url)) page.authorizations.push(request.headers().authorization);
  });
  await page.exposeFunction("backendSignsToken", () => key.sign(sub));
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((host) => {
    window.paragon.configureGlobal({ host });
    window.providerCalls = 0;
    window.tokenProvider = async () => {
      window.providerCalls += 1;
      return window.backendSignsToken();
    };
  }, platform.url);
  return page;
}

test("a refused token is replaced by the tokenProvider's and each call retried once; concurrent calls ask it once", async () => {
  const first = await newKey("first");
  const second = await newKey("second");
  const page = await openApp(second, "user-renew");
  const token = await first.sign("user-renew");
  await page.evaluate(
    ([projectId, token]) => window.paragon.authenticate(projectId, token, { tokenProvider: window.tokenProvider }),
    [projectId, token],
  );
  assert.equal(await page.evaluate(() => window.providerCalls), 0, "a valid token is not renewed");

  await revoke(first.kid); // every token of the first key is refused from now on
  const mark = page.authorizations.length;
  const result = await page.evaluate(async () => {
    await Promise.all([1, 2, 3].map((n) => window.paragon.setUserMetadata({ [`n${n}`]: n })));
    const user = await window.paragon.setUserMetadata({}); // after the three, in order
    const receipt = await window.paragon.event("Contact Created", { email: "renew@acme.test" });
    return { calls: window.providerCalls, meta: user.meta, runs: typeof receipt.runs, pending: window.paragon.pendingEvents().length };
  });
  assert.equal(result.calls, 1, "three concurrent refusals make one provider call");
  assert.deepEqual({ n1: result.meta.n1, n2: result.meta.n2, n3: result.meta.n3 }, { n1: 1, n2: 2, n3: 3 });
  assert.equal(result.runs, "number", "the event went out with the new token");
  assert.equal(result.pending, 0);
  // The three concurrent calls were each refused once; nothing after them used the old token.
  const refused = page.authorizations.slice(mark).filter((a) => a === `Bearer ${token}`).length;
  assert.equal(refused, 3);
  assert.equal(page.authorizations.at(-1).startsWith("Bearer "), true);
  assert.notEqual(page.authorizations.at(-1), `Bearer ${token}`);
});

test("a token that expires within 30 s is renewed before it is sent, also at authenticate", async () => {
  const key = await newKey("short");
  const page = await openApp(key, "user-short");
  const short = await key.sign("user-short", "20s");
  const out = await page.evaluate(async ([projectId, token]) => {
    await window.paragon.authenticate(projectId, token, { tokenProvider: window.tokenProvider });
    return { calls: window.providerCalls, user: window.paragon.getUser().userId };
  }, [projectId, short]);
  assert.deepEqual(out, { calls: 1, user: "user-short" });
  assert.ok(!page.authorizations.includes(`Bearer ${short}`), "the expiring token was never sent");
});

test("an expired token with a tokenProvider authenticates; without one it is refused before any request", async () => {
  const key = await newKey("expired");
  const page = await openApp(key, "user-expired");
  const expired = await key.sign("user-expired", "1s");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const refused = await page.evaluate(
    ([projectId, token]) => window.paragon.authenticate(projectId, token).then(() => null, (e) => ({ name: e.name, code: e.code })),
    [projectId, expired],
  );
  assert.deepEqual(refused, { name: "AuthenticationError", code: "TOKEN_EXPIRED" });
  const user = await page.evaluate(async ([projectId, token]) => {
    await window.paragon.authenticate(projectId, token, { tokenProvider: window.tokenProvider });
    return window.paragon.getUser().userId;
  }, [projectId, expired]);
  assert.equal(user, "user-expired");
});

test("a provider that throws, rejects, gives no string or another user's token makes the call fail with TOKEN_PROVIDER_FAILED", async () => {
  const key = await newKey("failing");
  const other = await newKey("failing-other");
  const page = await openApp(key, "user-failing");
  const token = await key.sign("user-failing");
  const stranger = await other.sign("someone-else");
  await revoke(key.kid);
  const errors = await page.evaluate(async ([projectId, token, stranger]) => {
    const out = [];
    for (const tokenProvider of [
      () => { throw new Error("backend down"); },
      async () => { throw new Error("backend down"); },
      async () => 42,
      async () => stranger, // valid, but another user's: that user's session is not ours to take
    ]) {
      out.push(await window.paragon.authenticate(projectId, token, { tokenProvider }).then(
        () => null,
        (e) => ({ name: e.name, code: e.code, isAuth: e instanceof window.AuthenticationError }),
      ));
    }
    return out;
  }, [projectId, token, stranger]);
  assert.equal(errors.length, 4);
  for (const error of errors) assert.deepEqual(error, { name: "AuthenticationError", code: "TOKEN_PROVIDER_FAILED", isAuth: true });
  assert.equal(await page.evaluate(() => window.paragon.getUser().authenticated), false);
});

test("without a tokenProvider a refused token rejects with an AuthenticationError and no retry", async () => {
  const key = await newKey("plain");
  const page = await openApp(key, "user-plain");
  const token = await key.sign("user-plain");
  await page.evaluate(([projectId, token]) => window.paragon.authenticate(projectId, token), [projectId, token]);
  await revoke(key.kid);
  const before = page.authorizations.length;
  const error = await page.evaluate(() =>
    window.paragon.setUserMetadata({ a: 1 }).then(() => null, (e) => ({ name: e.name, status: e.status })),
  );
  assert.deepEqual(error, { name: "AuthenticationError", status: 401 });
  assert.equal(page.authorizations.length - before, 1, "one request, no retry");
  assert.equal(await page.evaluate(() => window.providerCalls), 0);
});

// The portal calls the platform with the token the SDK handed it; when that token is refused
// while the portal is open, the portal asks the SDK over its port and retries once.
// The workflows' switches work once the user is connected: the user connects first through the
// portal and the sandbox's consent, then the portal's token is refused on the toggle.
async function portalLoaded(page) {
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([page.context().waitForEvent("page"), portal.locator("#connect").click()]);
  await popup.locator("#grant").click();
  await portal.locator('body[data-connected="true"]').waitFor();
  await portal.locator('[role="switch"]:not([disabled])').first().waitFor({ state: "attached" });
}

async function toggleWorkflowInPortal(page) {
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator('body[data-state="ready"]').waitFor();
  await portal.locator("#tab-configuration").click();
  const toggle = portal.locator('[role="switch"]').first();
  // The switch is busy until the platform has answered; a refused change turns it back.
  await toggle.click();
  await toggle.locator("xpath=self::*[not(@aria-busy)]").waitFor();
  const state = portal.locator(".workflow-state").first();
  return {
    checked: (await toggle.getAttribute("aria-checked")) === "true",
    error: (await state.getAttribute("data-kind")) === "error" ? await state.textContent() : "",
  };
}

test("the open portal gets a renewed token from the SDK when the platform refuses its own", async () => {
  const first = await newKey("portal-first");
  const second = await newKey("portal-second");
  const page = await openApp(second, "user-portal");
  const token = await first.sign("user-portal");
  await page.evaluate(async ([projectId, token]) => {
    await window.paragon.authenticate(projectId, token, { tokenProvider: window.tokenProvider });
    window.changes = [];
    window.paragon.subscribe("onWorkflowChange", (event) => window.changes.push(event.workflowStateChange));
    window.paragon.connect("hubspot");
  }, [projectId, token]);
  await portalLoaded(page);
  await revoke(first.kid);

  assert.deepEqual(await toggleWorkflowInPortal(page), { checked: true, error: "" });
  await page.waitForFunction(() => window.changes.length === 1);
  assert.deepEqual(await page.evaluate(() => ({ calls: window.providerCalls, changes: window.changes })), {
    calls: 1,
    changes: [{ enabled: true }],
  });
});

test("without a tokenProvider the portal shows the platform's refusal and changes nothing", async () => {
  const key = await newKey("portal-plain");
  const page = await openApp(key, "user-portal-plain");
  const token = await key.sign("user-portal-plain");
  await page.evaluate(async ([projectId, token]) => {
    await window.paragon.authenticate(projectId, token);
    window.paragon.connect("hubspot");
  }, [projectId, token]);
  await portalLoaded(page);
  await revoke(key.kid);

  const result = await toggleWorkflowInPortal(page);
  assert.equal(result.checked, false, "the toggle went back");
  assert.match(result.error, /^Couldn't save this change\. Your session with Acme CRM has ended\./, "the portal says why, in plain words");
  // The way forward: Close, in the portal's message.
  await page.frameLocator("#paragon-connect-portal").locator("#notice").getByRole("button", { name: "Close" }).waitFor();
  assert.equal(await page.evaluate(() => window.providerCalls), 0);
});
