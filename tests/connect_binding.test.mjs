// A connect flow completes only in the browser that started it, from the app's page, for the
// user who created it (RFC 9700 section 4.7): the attacks in real browser contexts, and the
// portal and the headless install with third-party cookies blocked. The app is served on
// `localhost`, a site other than the platform's `127.0.0.1`, so that the portal is a real
// third-party frame. The HTTP-level attacks are in server/tests/api/connect_binding.rs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser, launchWithoutThirdPartyCookies } from "./support/browser.mjs";
import { setUpPlatform } from "./support/platform.mjs";

// The app's page: the SDK, a Connect button for the headless install, and `openPortal`.
const PAGE = `<!doctype html><title>Acme CRM</title><body><button id="install">Connect HubSpot</button>
<script type="module">
  import { paragon } from "/pkg/index.js";
  document.getElementById("install").addEventListener("click", () => {
    window.installing = paragon.installIntegration("hubspot").then((event) => ({ event }), (e) => ({ error: e.message }));
  });
  window.ready = true;
</script></body>`;

// Mallory's page: posts the start form of Mallory's own flow in whoever's browser opens it.
const EVIL = `<!doctype html><title>You won a prize</title><body><form id="f" method="post"></form>
<script>
  const [action, flow, secret] = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  const form = document.getElementById("f");
  form.action = action;
  for (const [name, value] of [["flow", flow], ["secret", secret]]) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    form.appendChild(input);
  }
  form.submit();
</script></body>`;

let sandbox, app, evil, platform, browser, projectId, signToken, appOrigin;

before(async () => {
  app = await startApp({ "/": PAGE });
  evil = await startApp({ "/": EVIL });
  appOrigin = app.origin.replace("127.0.0.1", "localhost");
  ({ sandbox, platform, projectId, signToken } = await setUpPlatform(appOrigin));
  browser = await launchBrowser();
});

after(() => stopAll(browser, platform, sandbox, app, evil));

async function sdk(path, token, init = {}) {
  const response = await fetch(`${platform.url}/projects/${projectId}/sdk${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

async function credentialStatus(token) {
  return (await sdk("/me", token)).body.integrations.hubspot?.credentialStatus ?? null;
}

const tokenRequests = async () => (await sandbox.knob("GET", "/counters")).tokenRequests;

/** The app's page in `context`, authenticated as `token`'s user. */
async function openApp(context, token) {
  const page = await context.newPage();
  await page.goto(`${appOrigin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(async ([host, id, t]) => {
    window.paragon.configureGlobal({ host });
    await window.paragon.authenticate(id, t);
  }, [platform.url, projectId, token]);
  return page;
}

test("a flow made with curl by one user and opened in another browser stores nothing", async () => {
  const mallory = await signToken("mallory-a");
  const created = await sdk("/oauth/flows", mallory, { method: "POST", body: JSON.stringify({ integration: "hubspot", origin: appOrigin }) });
  assert.equal(created.status, 201);
  const flow = created.body;
  const before = await tokenRequests();
  const victim = await browser.newContext();
  const page = await victim.newPage();

  // The start URL as a link, and Mallory's page posting his flow's form in the victim's browser.
  await page.goto(`${flow.startUrl}?flow=${flow.flowId}`);
  assert.match(await page.locator("#message").textContent(), /only works when it is opened from the app/);
  const hash = encodeURIComponent(JSON.stringify([flow.startUrl, flow.flowId, flow.startSecret]));
  await page.goto(`${evil.origin}/#${hash}`);
  await page.waitForURL((url) => url.href.startsWith(`${platform.url}/oauth/start`));
  assert.match(await page.locator("h1").textContent(), /Cannot connect/);
  assert.match(await page.locator("#reference").textContent(), /^Reference: [0-9a-f-]+$/);

  assert.equal(await tokenRequests(), before, "no token request");
  assert.equal((await victim.cookies()).length, 0, "the victim's browser holds no binding");
  assert.equal(await credentialStatus(mallory), null, "Mallory holds nobody's HubSpot");
  const state = await sdk(`/oauth/flows/${flow.flowId}`, mallory);
  assert.equal(state.body.status, "failed", "a foreign page's post ends the flow");
  await victim.close();
});

test("an authorize URL opened in another browser than the one that started the flow stores nothing", async () => {
  const mallory = await signToken("mallory-b");
  const own = await browser.newContext();
  const page = await openApp(own, mallory);
  const [popup] = await Promise.all([own.waitForEvent("page"), page.click("#install")]);
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  const authorizeUrl = popup.url();
  const before = await tokenRequests();

  const victim = await browser.newContext();
  const stolen = await victim.newPage();
  await stolen.goto(authorizeUrl);
  await stolen.locator("#grant").click();
  await stolen.waitForURL((url) => url.href.startsWith(`${platform.url}/oauth/callback`));
  assert.match(await stolen.locator("#message").textContent(), /was not started in this browser/);
  assert.equal(await tokenRequests(), before, "no token request");
  assert.equal(await credentialStatus(mallory), null);

  // The browser that started it still can: the refused callback consumed nothing.
  await popup.locator("#grant").click();
  const { event, error } = await page.evaluate(() => window.installing);
  assert.equal(error, undefined, error);
  assert.ok(event.credentialId);
  assert.equal(await credentialStatus(mallory), "VALID");
  await victim.close();
  await own.close();
});

test("the portal and installIntegration connect with third-party cookies blocked", async () => {
  const user = await signToken("user-no-3pc");
  const context = await launchWithoutThirdPartyCookies();
  try {
    const page = await openApp(context, user);

    // Through the portal, a third-party frame here: it cannot keep a cookie of its own.
    await page.evaluate(() => { window.portalDone = window.paragon.connect("hubspot"); });
    const portal = page.frameLocator("#paragon-connect-portal");
    await portal.locator("#connect:not([disabled])").waitFor();
    const frameCookie = await page.frames().find((f) => f.url().startsWith(`${platform.url}/ui`)).evaluate(() => {
      document.cookie = "probe=1; SameSite=None; Secure";
      return document.cookie;
    });
    assert.equal(frameCookie, "", "third-party cookies are blocked for the portal's frame");
    const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
    await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
    assert.equal(await popup.evaluate(() => window.opener), null, "HubSpot's page has no opener");
    await popup.locator("#grant").click();
    await portal.locator('body[data-connected="true"]').waitFor();
    assert.equal(await credentialStatus(user), "VALID");
    // Disconnect is in the connection's menu and asks first.
    await portal.locator("#account-menu-button").click();
    await portal.locator("#disconnect").click();
    await portal.locator("#confirm-disconnect").click();
    await portal.locator('body[data-connected="false"]').waitFor();

    // Headless, from the app's page.
    const [second] = await Promise.all([context.waitForEvent("page"), page.evaluate(() => {
      window.paragon.closePortal();
      document.getElementById("install").click();
    })]);
    await second.waitForURL((url) => url.href.startsWith(sandbox.url));
    await second.locator("#grant").click();
    const { error } = await page.evaluate(() => window.installing);
    assert.equal(error, undefined, error);
    assert.equal(await credentialStatus(user), "VALID");
  } finally {
    await context.close();
  }
});
