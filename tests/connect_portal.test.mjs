// The Connect Portal in headless Chromium on three origins: a page of "the app" frames `/ui`
// of the platform, hands it the user token over a MessageChannel, and the user connects the
// sandbox HubSpot through the consent popup; then the attacks on the portal's messages and framing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { CLIENT_SECRET, setUpPlatform } from "./support/platform.mjs";


// The app's page: frames the portal and does the SDK's side of the handshake. The token is
// handed over by the test through `evaluate`, never through a URL.
const APP_PAGE = `<!doctype html><title>Acme CRM</title><body>
<script>
  window.messages = [];
  window.openPortal = (platform, projectId, token) => new Promise((resolve) => {
    const iframe = document.createElement("iframe");
    iframe.id = "portal";
    iframe.style = "width: 640px; height: 480px";
    iframe.src = platform + "/ui?projectId=" + projectId + "&integration=hubspot&origin=" + encodeURIComponent(location.origin);
    iframe.addEventListener("load", () => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => window.messages.push(event.data);
      iframe.contentWindow.postMessage({ type: "paragon:init", nonce: "n-1", token, integration: "hubspot" }, platform, [channel.port2]);
      resolve();
    }, { once: true });
    document.body.appendChild(iframe);
  });
</script></body>`;

let sandbox, app, evil, platform, browser, projectId, token, dataDir;
const browserUrls = [];

before(async () => {
  app = await startApp({ "/": APP_PAGE });
  evil = await startApp({ "/": APP_PAGE });
  let signToken;
  ({ sandbox, platform, dataDir, projectId, signToken } = await setUpPlatform(app.origin));
  token = await signToken("user-1");
  browser = await launchBrowser();
});

after(() => stopAll(browser, platform, sandbox, app, evil));

async function newContext() {
  const context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  return context;
}

async function openPortal(context, origin = app.origin) {
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.evaluate(([p, id, t]) => window.openPortal(p, id, t), [platform.url, projectId, token]);
  const portal = page.frameLocator("#portal");
  await portal.locator('body[data-state="ready"]').waitFor();
  return { page, portal };
}

async function me() {
  const response = await fetch(`${platform.url}/projects/${projectId}/sdk/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return response.json();
}

async function waitForMessage(page, type) {
  await page.waitForFunction((t) => window.messages.some((m) => m.type === t), type, { timeout: 20_000 });
  return page.evaluate((t) => window.messages.find((m) => m.type === t), type);
}

test("a user connects HubSpot through the portal and the consent popup, then disconnects", async () => {
  const context = await newContext();
  const { page, portal } = await openPortal(context);
  await portal.getByRole("button", { name: "Connect" }).waitFor();
  await portal.locator("#connect:not([disabled])").waitFor();

  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  // The popup opens on about:blank; the portal's start form then sends it on to HubSpot.
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  assert.ok(popup.url().startsWith(sandbox.url), `the popup shows HubSpot's consent page: ${popup.url()}`);
  assert.match(await popup.content(), /Acme CRM/);
  await popup.locator("#grant").click();

  const installed = await waitForMessage(page, "installed");
  assert.equal(installed.integrationType, "hubspot");
  assert.ok(installed.credentialId);
  await portal.locator('body[data-connected="true"]').waitFor();
  assert.match(await portal.locator("#account").textContent(), /ada@acme\.test|70001/);
  const user = await me();
  assert.equal(user.integrations.hubspot.credentialStatus, "VALID");
  assert.equal(user.integrations.hubspot.providerId, String(sandbox.hubId));

  await portal.locator("#disconnect").click();
  await waitForMessage(page, "uninstalled");
  assert.equal((await me()).integrations.hubspot.credentialStatus ?? null, null);
  const counters = await sandbox.knob("GET", "/counters");
  assert.ok(counters.revocations >= 1, `the sandbox saw the revocation: ${JSON.stringify(counters)}`);

  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!storage.includes(token), "no token in the app's storage");
  await context.close();
});

test("the Configuration tab lists the deployed workflow and toggles it for the user", async () => {
  const context = await newContext();
  const { page, portal } = await openPortal(context);

  await portal.getByRole("tab", { name: "Configuration" }).click();
  const toggle = portal.getByRole("checkbox", { name: "Sync new contacts to HubSpot" });
  await toggle.waitFor();
  assert.equal(await toggle.isChecked(), false, "default_enabled is false");
  await toggle.check();

  const changed = await waitForMessage(page, "workflow-changed");
  assert.deepEqual(changed.workflowStateChange, { enabled: true });
  const listed = await (await fetch(`${platform.url}/projects/${projectId}/sdk/integrations`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(listed[0].workflows[0].enabled, true);
  assert.equal(listed[0].workflows[0].id, changed.workflowId);
  await toggle.uncheck();
  await page.waitForFunction(() => window.messages.filter((m) => m.type === "workflow-changed").length === 2);
  await context.close();
});

test("an init message from a window that is not the framing page is ignored", async () => {
  const context = await newContext();
  for (const origin of [evil.origin, app.origin]) {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    // A window of `origin` opens the portal as a popup (not a frame) and sends it the init.
    const [opened] = await Promise.all([
      context.waitForEvent("page"),
      page.evaluate(([p, id, appOrigin]) => {
        window.portalWindow = window.open(p + "/ui?projectId=" + id + "&integration=hubspot&origin=" + encodeURIComponent(appOrigin));
      }, [platform.url, projectId, app.origin]),
    ]);
    await opened.waitForLoadState();
    await page.evaluate(([p, t]) => {
      const channel = new MessageChannel();
      window.portalWindow.postMessage({ type: "paragon:init", nonce: "x", token: t, integration: "hubspot" }, p, [channel.port2]);
    }, [platform.url, token]);
    await opened.waitForTimeout(500);
    assert.equal(await opened.evaluate(() => document.body.dataset.state), "waiting", `init from ${origin} ignored`);
  }
  await context.close();
});

test("a forged completion message from another window changes nothing", async () => {
  const context = await newContext();
  const { page, portal } = await openPortal(context);
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  // The popup opens on about:blank; the portal's start form then sends it on to HubSpot.
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));

  // The app page (not the popup, not the platform's origin) claims the flow is done.
  await page.evaluate((p) => {
    document.getElementById("portal").contentWindow.postMessage({ type: "paragon:oauth", flowId: "anything", status: "done" }, p);
  }, platform.url);
  await page.waitForTimeout(500);

  assert.equal(await page.evaluate(() => window.messages.some((m) => m.type === "installed")), false);
  assert.notEqual((await me()).integrations.hubspot.credentialStatus, "VALID");
  await popup.close();
  await context.close();
});

test("a page of an origin not in the project's list cannot frame the portal (CSP frame-ancestors)", async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${evil.origin}/`);
  await page.evaluate(([p, id, appOrigin]) => {
    const iframe = document.createElement("iframe");
    iframe.src = p + "/ui?projectId=" + id + "&integration=hubspot&origin=" + encodeURIComponent(appOrigin);
    document.body.appendChild(iframe);
  }, [platform.url, projectId, app.origin]);
  await page.waitForTimeout(1000);

  const frame = page.frames().find((f) => f !== page.mainFrame());
  const rendered = await frame.evaluate(() => !!document.getElementById("portal")).catch(() => false);
  assert.equal(rendered, false, "the browser refused to render the framed portal");
  await context.close();
});

test("no URL the browser requested or the sandbox received holds a token or the client secret", async () => {
  const tokens = await sandbox.knob("GET", `/accounts/${sandbox.hubId}/tokens`);
  const secrets = [token, CLIENT_SECRET, ...tokens.accessTokens, ...tokens.refreshTokens];
  assert.ok(tokens.accessTokens.length > 0 && tokens.refreshTokens.length > 0, "the connect test issued tokens");
  const received = (await sandbox.knob("GET", "/requests")).map((r) => r.path ?? r.url ?? JSON.stringify(r));

  for (const url of [...browserUrls, ...received]) {
    for (const secret of secrets) {
      assert.ok(!url.includes(secret), `a secret is in ${url.slice(0, 80)}…`);
    }
  }
  assert.ok(browserUrls.length > 10 && received.length > 3, "the URLs were recorded");
});
