// Salesforce, the second provider, end to end in headless Chromium, the way HubSpot's guide is
// tested: the app's page connects Salesforce through the SDK's Connect Portal (the OAuth web
// server flow with PKCE against the Salesforce stand-in's consent page), calls the org's REST
// API through the platform's proxy (`paragon.request`) on the org's own `instance_url`, keeps
// working when the org's session ends (Salesforce's tokens say no expiry: a 401
// INVALID_SESSION_ID makes the platform refresh once and retry), and disconnects with the
// refresh token revoked at Salesforce. Nothing of the platform knows Salesforce but its
// definition, providers/salesforce.yaml.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { SALESFORCE_SANDBOX_BIN, SCREENSHOTS } from "./support/env.mjs";
import { closeWithoutTokens } from "./support/platform.mjs";
import { paragonCli, startParagon } from "./support/paragon.mjs";
import { spawnStandIn } from "./support/sandbox.mjs";
import { createProject, openSdkPage } from "./support/sdk_page.mjs";

const CLIENT_ID = "acme-crm-salesforce-app";
const CLIENT_SECRET = "acme-crm-salesforce-secret-do-not-leak";
const USERNAME = "ada.lovelace@acme.test";

const PAGE = `<!doctype html><title>Acme CRM</title><body><h1>Acme CRM</h1>
<button id="open">Connect Salesforce</button>
<script type="module">
  import { paragon } from "/pkg/index.js";
  document.getElementById("open").addEventListener("click", () => {
    window.connected = new Promise((resolve, reject) => {
      paragon.connect("salesforce", { onSuccess: resolve, onError: reject });
    });
  });
  window.call = (path, options) => paragon.request("salesforce", path, options).then(
    (output) => ({ output }),
    (e) => ({ error: { code: e.code, status: e.status, body: e.body, message: e.message } }),
  );
  window.ready = true;
</script></body>`;

let salesforce, app, platform, browser, context, page, dataDir, projectId, signToken;
const browserUrls = [];
const tokens = [];

before(async () => {
  app = await startApp({ "/": PAGE });
  ({ dataDir, projectId, signToken } = await createProject(app.origin));
  platform = await startParagon({ dataDir });
  // The connected app's callback is the platform's, known once it listens.
  salesforce = await spawnStandIn(SALESFORCE_SANDBOX_BIN, "salesforce-sandbox", [
    "--port", "0", "--org", USERNAME,
    "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
    "--redirect-uri", `${platform.url}/oauth/callback`,
  ]);
  // Only the login host is pointed at the stand-in: the revocation and userinfo endpoints move
  // with it, and the API is wherever the token answer's `instance_url` says.
  await paragonCli(dataDir, [
    "integration", "set", "--project", projectId, "salesforce",
    "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
    "--auth-url", `${salesforce.url}/services/oauth2/authorize`,
    "--token-url", `${salesforce.url}/services/oauth2/token`,
  ]);
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const token = await signToken("ada");
  tokens.push(token);
  ({ context, page } = await openSdkPage(browser, { appOrigin: app.origin, host: platform.url, projectId, token, urls: browserUrls }));
});

after(async () => {
  await closeWithoutTokens(context, browserUrls, tokens);
  await stopAll(browser, platform, salesforce, app);
});

function salesforceState() {
  return page.evaluate(async () => (await window.paragon.getUser()).integrations.salesforce);
}

test("the user connects Salesforce through the portal: consent with PKCE, the org named", async () => {
  await page.locator("#open").click();
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator("#connect:not([disabled])").waitFor();
  assert.equal((await portal.locator("#title").textContent()).trim(), "Salesforce");
  // After the card's entrance animation, so that the picture shows what the user sees.
  await page.frame({ url: /\/ui\?/ }).evaluate(() => Promise.all(document.getElementById("portal").getAnimations().map((a) => a.finished)));
  await page.screenshot({ path: path.join(SCREENSHOTS, "salesforce-portal.png") });
  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  await popup.waitForURL(/\/services\/oauth2\/authorize/);
  const authorize = new URL(popup.url());
  assert.equal(authorize.origin, salesforce.url, "the consent page is the stand-in's login host");
  assert.equal(authorize.searchParams.get("response_type"), "code");
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorize.searchParams.get("scope"), "api refresh_token");
  await popup.locator("#allow").click();
  await page.evaluate(() => window.connected);
  await portal.locator("#connected:not([hidden])").waitFor();

  const state = await salesforceState();
  assert.equal(state.credentialStatus, "VALID");
  assert.match(state.providerId, /^00D/, "the org id, from userinfo's organization_id");
  assert.equal(state.providerData.accountName, USERNAME, "userinfo's preferred_username");
  assert.equal(state.providerData.instance_url, salesforce.url, "the token answer's instance_url");
  assert.match(state.providerData.identity_url, /\/id\/00D/);
  const counters = await salesforce.knob("GET", "/counters");
  assert.equal(counters.tokensIssued, 1);
  await page.keyboard.press("Escape");
});

test("getIntegrationMetadata names Salesforce with the platform's icon for it", async () => {
  const meta = await page.evaluate(() => window.paragon.getIntegrationMetadata("salesforce"));
  assert.deepEqual(meta, { type: "salesforce", name: "Salesforce", icon: `${platform.url}/ui/icons/salesforce.svg` });
  const icon = await fetch(meta.icon);
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get("content-type"), /^image\/svg\+xml/);
  assert.match(await icon.text(), /aria-label="Salesforce"/);
  assert.equal((await fetch(`${platform.url}/ui/icons/no-such-provider.svg`)).status, 404);
});

test("paragon.request calls the org's REST API on its instance_url through the proxy", async () => {
  const created = await page.evaluate(() =>
    window.call("/sobjects/Contact", { method: "POST", body: { LastName: "Lovelace", FirstName: "Ada", Email: "ada@analytical.test" } }),
  );
  assert.equal(created.error, undefined, JSON.stringify(created.error));
  assert.equal(created.output.success, true);
  const id = created.output.id;
  const { providerId } = await salesforceState();
  const records = await salesforce.knob("GET", `/orgs/${providerId}/records`);
  assert.deepEqual(records.map((r) => r.Email), ["ada@analytical.test"]);

  const found = await page.evaluate(() =>
    window.call(`/query?q=${encodeURIComponent("SELECT Id, Email FROM Contact WHERE Email = 'ada@analytical.test' LIMIT 1")}`, { method: "GET" }),
  );
  assert.equal(found.output.totalSize, 1);
  assert.equal(found.output.records[0].Id, id);

  // Salesforce's own errors come back as Salesforce wrote them: an array of errors.
  const refused = await page.evaluate(() => window.call("/sobjects/Contact", { method: "POST", body: { FirstName: "No last name" } }));
  assert.equal(refused.error.code, "PROVIDER_ERROR");
  assert.equal(refused.error.status, 400);
  assert.equal(refused.error.body[0].errorCode, "REQUIRED_FIELD_MISSING");
});

test("an ended session is refreshed once with the same refresh token, and the call goes through", async () => {
  const { providerId } = await salesforceState();
  const before = await salesforce.knob("GET", "/counters");
  const expired = await salesforce.knob("POST", `/orgs/${providerId}/expire-tokens`);
  assert.ok(expired.expired >= 1);

  const answer = await page.evaluate(() =>
    window.call(`/query?q=${encodeURIComponent("SELECT Id FROM Contact LIMIT 5")}`, { method: "GET" }),
  );

  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  assert.equal(answer.output.totalSize, 1);
  const afterwards = await salesforce.knob("GET", "/counters");
  assert.equal(afterwards.refreshes - before.refreshes, 1, "one refresh");
  const live = await salesforce.knob("GET", `/orgs/${providerId}/tokens`);
  assert.equal(live.refreshTokens.length, 1, "Salesforce's refresh token did not rotate, and is kept");
  assert.equal((await salesforceState()).credentialStatus, "VALID");
});

test("disconnecting revokes the refresh token at Salesforce and deletes the credential", async () => {
  const { providerId } = await salesforceState();
  assert.equal((await salesforce.knob("GET", `/orgs/${providerId}/tokens`)).refreshTokens.length, 1);

  await page.evaluate(() => window.paragon.uninstallIntegration("salesforce"));

  const live = await salesforce.knob("GET", `/orgs/${providerId}/tokens`);
  assert.deepEqual(live, { accessTokens: [], refreshTokens: [] }, "revoked: no token of the org works");
  assert.equal((await salesforce.knob("GET", "/counters")).revocations, 1);
  const state = await salesforceState();
  assert.equal(state?.credentialStatus ?? null, null);
});
