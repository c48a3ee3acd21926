// The SDK's user session and portal in headless Chromium, on an app origin different from the
// platform's: authenticate, getUser, setUserMetadata, getIntegrationMetadata, logout,
// subscribe, and connect() through the real portal and the sandbox's consent popup.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { closeWithoutTokens, setUpPlatform } from "./support/platform.mjs";


const PAGE = `<!doctype html><title>Acme CRM</title><body><button id="install">Connect HubSpot</button>
<script type="module">
  import { paragon, ParagonError, AuthenticationError, OAuthBlockedError, OAuthTimeoutError } from "/pkg/index.js";
  window.classes = { ParagonError, AuthenticationError, OAuthBlockedError, OAuthTimeoutError };
  document.getElementById("install").addEventListener("click", () => {
    window.installing = paragon.installIntegration("hubspot", window.installOptions).then(
      (event) => ({ event }),
      (e) => ({ error: { name: e.name, code: e.code, isBlocked: e instanceof OAuthBlockedError, isTimeout: e instanceof OAuthTimeoutError } }),
    );
  });
  window.ready = true;
</script></body>`;

// A page of another origin that the app happens to frame (an ad, a widget): it forges portal
// messages to its parent.
const FORGER = `<!doctype html><script>
  for (const type of ["ready", "installed", "uninstalled", "workflow-changed", "close"]) {
    parent.postMessage({ type, nonce: "forged", integrationId: "i", integrationType: "hubspot", credentialId: "c" }, "*");
  }
  document.title = "sent";
</script>`;

let sandbox, app, evil, platform, browser, projectId, token, context;
const browserUrls = [];

before(async () => {
  app = await startApp({ "/": PAGE });
  evil = await startApp({ "/": FORGER });
  let signToken;
  ({ sandbox, platform, projectId, signToken } = await setUpPlatform(app.origin));
  token = await signToken("user-1");
  browser = await launchBrowser();
});

afterEach(async () => {
  // After every test: no token in the page's storage, none in any URL the browser asked for.
  await closeWithoutTokens(context, browserUrls, [token]);
  context = null;
});

after(() => stopAll(browser, platform, sandbox, app, evil));

async function openApp() {
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  const page = await context.newPage();
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((host) => {
    window.paragonHost = host;
    window.paragon.configureGlobal({ host });
  }, platform.url);
  return page;
}

test("authenticate loads the user; getUser, setUserMetadata, getIntegrationMetadata and logout", async () => {
  const page = await openApp();

  const result = await page.evaluate(async ([projectId, token]) => {
    const before = window.paragon.getUser();
    await window.paragon.authenticate(projectId, token, { metadata: { Email: "ada@acme.test" } });
    const user = window.paragon.getUser();
    const updated = await window.paragon.setUserMetadata({ plan: "pro" });
    const all = window.paragon.getIntegrationMetadata();
    const hubspot = window.paragon.getIntegrationMetadata("hubspot");
    let unknown;
    try {
      window.paragon.getIntegrationMetadata("salesforce");
    } catch (e) {
      unknown = { name: e.name, code: e.code, isParagon: e instanceof window.classes.ParagonError };
    }
    window.paragon.logout();
    return { before, user, updated, all, hubspot, unknown, afterLogout: window.paragon.getUser() };
  }, [projectId, token]);

  assert.deepEqual(result.before, { authenticated: false }, "before the wasm is loaded");
  assert.equal(result.user.authenticated, true);
  assert.equal(result.user.userId, "user-1");
  assert.deepEqual(result.user.meta, { Email: "ada@acme.test" });
  assert.equal(typeof result.user.integrations, "object");
  assert.deepEqual(result.updated.meta, { Email: "ada@acme.test", plan: "pro" });
  assert.deepEqual(result.all, [{ type: "hubspot", name: result.hubspot.name, icon: `${platform.url}/ui/icons/hubspot.svg` }]);
  assert.equal(result.hubspot.type, "hubspot");
  assert.deepEqual(result.unknown, { name: "ParagonError", code: "UNKNOWN_INTEGRATION", isParagon: true });
  assert.deepEqual(result.afterLogout, { authenticated: false });
  for (const value of [result.user, result.updated]) assert.ok(!JSON.stringify(value).includes(token), "getUser never holds the token");
});

test("an expired token is rejected before any request, with an AuthenticationError", async () => {
  const page = await openApp();
  const [header, , signature] = token.split(".");
  const payload = Buffer.from(JSON.stringify({ sub: "user-1", exp: Math.floor(Date.now() / 1000) - 60 })).toString("base64url");
  const expired = `${header}.${payload}.${signature}`;
  const requests = [];
  context.on("request", (r) => requests.push(r.url()));

  const error = await page.evaluate(async ([projectId, expired]) => {
    try {
      await window.paragon.authenticate(projectId, expired);
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, isAuth: e instanceof window.classes.AuthenticationError, user: window.paragon.getUser() };
    }
  }, [projectId, expired]);

  assert.deepEqual(error, { name: "AuthenticationError", code: "TOKEN_EXPIRED", isAuth: true, user: { authenticated: false } });
  assert.deepEqual(requests.filter((u) => u.startsWith(platform.url)), [], "no request reached the platform");
});

test("a token the platform refuses rejects with an AuthenticationError and leaves the user logged out", async () => {
  const page = await openApp();
  const [header, payload] = token.split(".");
  const forged = `${header}.${payload}.${"A".repeat(20)}`;

  const error = await page.evaluate(async ([projectId, forged]) => {
    try {
      await window.paragon.authenticate(projectId, forged);
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, status: e.status, user: window.paragon.getUser() };
    }
  }, [projectId, forged]);

  assert.deepEqual(error, { name: "AuthenticationError", code: "SERVER_ERROR", status: 401, user: { authenticated: false } });
});

test("connect() opens the portal; the consent popup installs HubSpot and resolves with the install event", async () => {
  const page = await openApp();
  await page.evaluate(async ([projectId, token]) => {
    window.seen = [];
    const record = (name) => (event) => window.seen.push([name, event ?? null]);
    window.paragon.subscribe("onPortalOpen", record("sub:onPortalOpen"));
    window.paragon.subscribe("onIntegrationInstall", record("sub:onIntegrationInstall"));
    const unsubscribe = window.paragon.subscribe("onPortalClose", record("sub:onPortalClose:removed"));
    unsubscribe();
    window.paragon.subscribe("onPortalClose", record("sub:onPortalClose"));
    await window.paragon.authenticate(projectId, token);
    window.connected = window.paragon.connect("hubspot", {
      onOpen: record("onOpen"),
      onInstall: (event, user) => window.seen.push(["onInstall", event, user.integrations.hubspot?.credentialStatus ?? null]),
      onSuccess: record("onSuccess"),
      onClose: record("onClose"),
    });
    window.connected.then((event) => (window.resolvedWith = event));
  }, [projectId, token]);

  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator('body[data-state="ready"]').waitFor();
  await page.waitForFunction(() => window.seen.some(([n]) => n === "sub:onPortalOpen"));
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  // The popup opens on about:blank; the portal's start form then sends it on to HubSpot.
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  await popup.locator("#grant").click();

  const event = await page.evaluate(() => window.connected);
  assert.equal(event.integrationType, "hubspot");
  assert.ok(event.integrationId && event.credentialId, JSON.stringify(event));
  const state = await page.evaluate(() => ({ seen: window.seen, user: window.paragon.getUser() }));
  const names = state.seen.map(([n]) => n);
  assert.deepEqual(names.slice(0, 2).sort(), ["onOpen", "sub:onPortalOpen"]);
  assert.deepEqual(names.slice(2), ["onSuccess", "onInstall", "sub:onIntegrationInstall"]);
  assert.equal(state.seen[3][2], "VALID", "onInstall sees the refreshed user");
  assert.equal(state.user.integrations.hubspot.credentialStatus, "VALID");

  await page.evaluate(() => window.paragon.closePortal());
  const after = await page.evaluate(() => ({ seen: window.seen.map(([n]) => n), frames: document.querySelectorAll("iframe").length }));
  assert.deepEqual(after.seen.slice(-2), ["onClose", "sub:onPortalClose"]);
  assert.equal(after.frames, 0, "the overlay is gone");
});

test("enableWorkflow, disableWorkflow and uninstallIntegration change the user and tell the listeners", async () => {
  const page = await openApp();
  const result = await page.evaluate(async ([projectId, token]) => {
    const seen = [];
    window.paragon.subscribe("onWorkflowChange", (e) => seen.push(["change", e]));
    window.paragon.subscribe("onIntegrationUninstall", (e) => seen.push(["uninstall", e]));
    await window.paragon.authenticate(projectId, token);
    const headers = { Authorization: "Bearer " + token };
    const host = window.paragonHost;
    const list = async () => (await (await fetch(host + "/projects/" + projectId + "/sdk/integrations", { headers })).json())[0];
    const workflow = (await list()).workflows[0].id;
    await window.paragon.enableWorkflow(workflow);
    const enabled = (await list()).workflows[0].enabled;
    await window.paragon.disableWorkflow(workflow);
    const disabled = (await list()).workflows[0].enabled;
    const connectedBefore = window.paragon.getUser().integrations.hubspot.credentialStatus;
    await window.paragon.uninstallIntegration("hubspot");
    let unknown;
    try {
      await window.paragon.uninstallIntegration("salesforce");
    } catch (e) {
      unknown = e.code;
    }
    return { workflow, enabled, disabled, connectedBefore, after: window.paragon.getUser().integrations.hubspot?.credentialStatus ?? null, seen, unknown };
  }, [projectId, token]);

  assert.equal(result.enabled, true);
  assert.equal(result.disabled, false);
  assert.equal(result.connectedBefore, "VALID", "installed by the connect() test");
  assert.equal(result.after, null, "getUser is refreshed");
  assert.deepEqual(result.seen.map(([n, e]) => [n, e.workflowStateChange?.enabled ?? e.integrationType]), [
    ["change", true],
    ["change", false],
    ["uninstall", "hubspot"],
  ]);
  assert.ok(result.seen[0][1].integrationId && result.seen[0][1].workflowId === result.workflow);
  assert.equal(result.unknown, "UNKNOWN_INTEGRATION");
  const counters = await sandbox.knob("GET", "/counters");
  assert.ok(counters.revocations >= 1, "HubSpot's token was revoked");
});

test("installIntegration opens the popup inside the click and resolves once the user consents", async () => {
  const page = await openApp();
  await page.evaluate(async ([projectId, token]) => {
    window.seen = [];
    window.paragon.subscribe("onIntegrationInstall", (e) => window.seen.push(e));
    await window.paragon.authenticate(projectId, token);
  }, [projectId, token]);
  assert.equal(await page.evaluate(() => window.paragon.getUser().integrations.hubspot?.credentialStatus ?? null), null, "uninstalled by the test before");

  const [popup] = await Promise.all([context.waitForEvent("page"), page.click("#install")]);
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  await popup.locator("#grant").click();
  const { event, error } = await page.evaluate(() => window.installing);

  assert.equal(error, undefined, JSON.stringify(error));
  assert.equal(event.integrationType, "hubspot");
  assert.ok(event.integrationId && event.credentialId);
  const state = await page.evaluate(() => ({ seen: window.seen, status: window.paragon.getUser().integrations.hubspot.credentialStatus }));
  assert.deepEqual(state.seen, [event]);
  assert.equal(state.status, "VALID");
});

test("installIntegration rejects with OAuthBlockedError when the browser blocks the popup, OAuthTimeoutError after oauthTimeout", async () => {
  const page = await openApp();
  await page.evaluate(([projectId, token]) => window.paragon.authenticate(projectId, token), [projectId, token]);

  // A browser that blocks popups returns null from window.open.
  const blocked = await page.evaluate(async () => {
    const open = window.open;
    window.open = () => null;
    document.getElementById("install").click();
    const result = await window.installing;
    window.open = open;
    return result;
  });
  assert.deepEqual(blocked.error, { name: "OAuthBlockedError", code: "OAUTH_BLOCKED", isBlocked: true, isTimeout: false });

  await page.evaluate(() => (window.installOptions = { oauthTimeout: 1500 }));
  const [popup] = await Promise.all([context.waitForEvent("page"), page.click("#install")]);
  const timedOut = await page.evaluate(() => window.installing);
  assert.deepEqual(timedOut.error, { name: "OAuthTimeoutError", code: "OAUTH_TIMEOUT", isBlocked: false, isTimeout: true });
  // The popup cut its opener on its way to HubSpot, so the SDK cannot close it: it ended the
  // flow instead, and a consent given there afterwards stores nothing.
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  assert.equal(await popup.evaluate(() => window.opener), null, "HubSpot's page has no opener");
  const before = (await sandbox.knob("GET", "/counters")).tokenRequests;
  await popup.locator("#grant").click();
  await popup.waitForURL((url) => url.href.startsWith(`${platform.url}/oauth/callback`));
  assert.match(await popup.locator("#message").textContent(), /already used or has expired/);
  assert.equal((await sandbox.knob("GET", "/counters")).tokenRequests, before, "no token request");
  await popup.close();
});

test("connect() resolves with undefined when the user closes the portal; logout closes it too", async () => {
  const page = await openApp();
  await page.evaluate(async ([projectId, token]) => {
    await window.paragon.authenticate(projectId, token);
    window.portalDone = window.paragon.connect("hubspot").then((event) => ({ event: event ?? null }));
  }, [projectId, token]);
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator('body[data-state="ready"]').waitFor();
  await portal.locator("#close").click();
  assert.deepEqual(await page.evaluate(() => window.portalDone), { event: null });
  assert.equal(await page.evaluate(() => document.querySelectorAll("iframe").length), 0);

  const error = await page.evaluate(async () => {
    window.paragon.logout();
    try {
      await window.paragon.connect("hubspot");
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(error, "NOT_AUTHENTICATED");
});

test("messages from a foreign origin or from the app's own window change nothing", async () => {
  const page = await openApp();
  await page.evaluate(async ([projectId, token]) => {
    window.seen = [];
    const record = (name) => () => window.seen.push(name);
    for (const name of ["onIntegrationInstall", "onIntegrationUninstall", "onWorkflowChange", "onPortalClose"]) {
      window.paragon.subscribe(name, record(name));
    }
    await window.paragon.authenticate(projectId, token);
    window.paragon.connect("hubspot", { onInstall: record("onInstall"), onClose: record("onClose") }).then(() => window.seen.push("resolved"));
  }, [projectId, token]);
  await page.frameLocator("#paragon-connect-portal").locator('body[data-state="ready"]').waitFor();

  // The app's own window and a framed page of another origin both claim to be the portal.
  await page.evaluate((forger) => {
    for (const type of ["installed", "uninstalled", "workflow-changed", "close"]) {
      window.postMessage({ type, integrationId: "i", integrationType: "hubspot", credentialId: "c" }, "*");
    }
    const frame = document.createElement("iframe");
    frame.src = forger;
    document.body.appendChild(frame);
  }, `${evil.origin}/`);
  let forger;
  while (!(forger = page.frames().find((f) => f.url().startsWith(evil.origin)))) await page.waitForTimeout(50);
  await forger.waitForFunction(() => document.title === "sent");
  await page.waitForTimeout(300);

  const state = await page.evaluate(() => ({
    seen: window.seen,
    portal: !!document.getElementById("paragon-connect-portal"),
  }));
  assert.deepEqual(state.seen, [], "no callback, listener or resolution");
  assert.equal(state.portal, true, "the portal is still open");
  await page.evaluate(() => window.paragon.closePortal());
});
