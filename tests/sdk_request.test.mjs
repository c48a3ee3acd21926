// `paragon.request()` in headless Chromium against the real server and the HubSpot sandbox:
// calls to the user's HubSpot account through the platform's proxy (GET, POST with an object
// body), the platform's `{output}` envelope unwrapped, the provider's error status as a
// PROVIDER_ERROR with its status and body, `X-Paragon-Use-Raw-Response`, the platform's own
// refusals told apart from the provider's, and a refused user token renewed through the
// app's `tokenProvider` with the call retried once. No token in a URL or in storage.
import assert from "node:assert/strict";
import path from "node:path";
import { after, afterEach, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { field, paragonCli } from "./support/paragon.mjs";
import { authenticateRenewing, closeWithoutTokens, connectThroughPortal, setUpPlatform } from "./support/platform.mjs";

const PAGE = `<!doctype html><title>Acme CRM</title><body><script type="module">
  import "/pkg/index.js";
  window.ready = true;
</script></body>`;

let sandbox, app, platform, browser, context, projectId, dataDir, token;
const browserUrls = [];
const tokens = [];

before(async () => {
  app = await startApp({ "/": PAGE });
  let signToken;
  ({ sandbox, platform, projectId, dataDir, signToken } = await setUpPlatform(app.origin));
  token = await signToken("user-req");
  tokens.push(token);
  browser = await launchBrowser();
  // The user connects HubSpot through the portal once; every test then uses that credential.
  const page = await openApp();
  await connectThroughPortal(page, context);
  await closeWithoutTokens(context, browserUrls, tokens);
});

afterEach(async () => {
  await closeWithoutTokens(context, browserUrls, tokens);
  context = null;
});

after(() => stopAll(browser, platform, sandbox, app));

/** A page of the app, authenticated as the connected user; `lastProxied(page)` is the text of the proxy's last answer as it came. */
async function openApp({ authenticate = true } = {}) {
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  const page = await context.newPage();
  page.proxied = [];
  page.on("response", async (response) => {
    if (response.url().includes("/sdk/proxy/") && response.request().method() !== "OPTIONS") {
      page.proxied.push(response.text().catch(() => ""));
    }
  });
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((host) => window.paragon.configureGlobal({ host }), platform.url);
  if (authenticate) {
    await page.evaluate(([projectId, token]) => window.paragon.authenticate(projectId, token), [projectId, token]);
  }
  return page;
}

async function lastProxied(page) {
  const texts = await Promise.all(page.proxied);
  return texts.at(-1) ?? "";
}

/** Runs `request(...args)` in the page: `{ value }` or `{ error: {name, code, status, body, message} }`. */
function request(page, ...args) {
  return page.evaluate(
    (args) =>
      window.paragon.request(...args).then(
        (value) => ({ value: value === undefined ? "<undefined>" : value }),
        (e) => ({ error: { name: e.name, code: e.code, status: e.status, body: e.body, message: e.message } }),
      ),
    args,
  );
}

test("GET and POST with an object body reach the user's HubSpot account, the envelope unwrapped", async () => {
  const page = await openApp();
  const created = await request(page, "hubspot", "/crm/v3/objects/contacts", {
    method: "POST",
    body: { properties: { email: "request@acme.test", firstname: "Rita" } },
  });
  assert.ok(created.value?.id, `created: ${JSON.stringify(created)}`);
  assert.equal(created.value.properties.email, "request@acme.test");
  assert.ok((await lastProxied(page)).startsWith('{"output":'), "the platform sent its envelope");

  const read = await request(page, "hubspot", `crm/v3/objects/contacts/${created.value.id}`);
  assert.equal(read.value?.id, created.value.id, JSON.stringify(read));

  const inHubSpot = await sandbox.knob("GET", `/accounts/${sandbox.hubId}/contacts`);
  assert.ok(JSON.stringify(inHubSpot).includes("request@acme.test"), "the contact is in the user's HubSpot");
});

test("an error status of the provider rejects with PROVIDER_ERROR, its status and its answer", async () => {
  const page = await openApp();
  const missing = await request(page, "hubspot", "/crm/v3/objects/contacts/999999999");
  assert.equal(missing.error?.code, "PROVIDER_ERROR", JSON.stringify(missing));
  assert.equal(missing.error.name, "ParagonError");
  assert.equal(missing.error.status, 404);
  assert.equal(typeof missing.error.body, "object", "the provider's JSON answer, unwrapped");
  assert.ok(!("output" in missing.error.body));
  assert.match(missing.error.message, /^the integration's API answered 404/);

  const invalid = await request(page, "hubspot", "/crm/v3/objects/contacts", { method: "POST", body: { properties: "not an object" } });
  assert.equal(invalid.error?.code, "PROVIDER_ERROR", JSON.stringify(invalid));
  assert.equal(invalid.error.status, 400);
});

test("the platform's own refusals are SERVER_ERROR or the SDK's errors, not the provider's", async () => {
  const page = await openApp();
  // The browser would resolve the dots before sending: the SDK refuses the path itself.
  for (const escape of ["/../../integrations", "crm/%2e%2e/%2e%2e/me", "crm\\..\\..\\me"]) {
    const refused = await request(page, "hubspot", escape, { method: "DELETE" });
    assert.equal(refused.error?.code, "INVALID_ARGUMENT", `${escape}: ${JSON.stringify(refused)}`);
  }
  // Dots the browser keeps (an encoded slash) reach the platform, which refuses them.
  const outside = await request(page, "hubspot", "crm/%2e%2e%2f%2e%2e%2fprojects");
  assert.equal(outside.error?.code, "SERVER_ERROR", JSON.stringify(outside));
  assert.equal(outside.error.status, 400);
  const unknown = await request(page, "salesforce", "/services/data");
  assert.equal(unknown.error?.code, "UNKNOWN_INTEGRATION");
  const method = await request(page, "hubspot", "/crm/v3/objects/contacts", { method: "TRACE" });
  assert.equal(method.error?.code, "INVALID_ARGUMENT");
  const headers = await request(page, "hubspot", "/crm/v3/objects/contacts", { headers: { "X-Count": 3 } });
  assert.equal(headers.error?.code, "INVALID_ARGUMENT");
  const notAuthenticated = await page.evaluate(() => {
    window.paragon.logout();
    return window.paragon.request("hubspot", "/crm/v3/objects/contacts").catch((e) => e.code);
  });
  assert.equal(notAuthenticated, "NOT_AUTHENTICATED");
});

test("X-Paragon-Use-Raw-Response gives the provider's answer as it came; an empty answer is undefined", async () => {
  const page = await openApp();
  const raw = await request(page, "hubspot", "/crm/v3/objects/contacts?limit=1", {
    headers: { "X-Paragon-Use-Raw-Response": "1" },
  });
  assert.ok(Array.isArray(raw.value?.results), JSON.stringify(raw));
  assert.ok(!(await lastProxied(page)).startsWith('{"output":'), "no envelope on the wire");

  const created = await request(page, "hubspot", "/crm/v3/objects/contacts", {
    method: "POST",
    body: { properties: { email: "gone@acme.test" } },
  });
  const archived = await request(page, "hubspot", `/crm/v3/objects/contacts/${created.value.id}`, { method: "DELETE" });
  assert.deepEqual(archived, { value: "<undefined>" }, "HubSpot answers 204 without a body");
});

test("a refused user token is renewed through the tokenProvider and the call retried once", async () => {
  const file = path.join(dataDir, "request-key.pem");
  const kid = field(await paragonCli(dataDir, ["keys", "generate", "--project", projectId, "--out", file]), "kid:");
  const sign = async () => {
    const signed = (await paragonCli(dataDir, ["token", "sign", "--key", file, "--sub", "user-req"])).trim();
    tokens.push(signed);
    return signed;
  };
  const page = await openApp({ authenticate: false });
  const first = await sign();
  await authenticateRenewing(page, { dataDir, projectId, sub: "user-req", first, tokens });
  await paragonCli(dataDir, ["keys", "revoke", "--project", projectId, kid]);

  const list = await request(page, "hubspot", "/crm/v3/objects/contacts?limit=1");
  assert.ok(Array.isArray(list.value?.results), JSON.stringify(list));
  assert.equal(await page.evaluate(() => window.providerCalls), 1, "one renewal for the platform's 401");

  // A provider's error is the provider's answer: no renewal for it.
  const missing = await request(page, "hubspot", "/crm/v3/objects/contacts/999999999");
  assert.equal(missing.error?.status, 404);
  assert.equal(await page.evaluate(() => window.providerCalls), 1);
});

test("each kind of body reaches the provider as request() promises: JSON, a string typed by the platform, form data, a Blob", async () => {
  const page = await openApp();
  const echoed = (init) => request(page, "hubspot", "/_sandbox/echo/body", { method: "POST", ...init }).then((r) => r.value);
  const json = await echoed({ body: { a: [1, "x"] } });
  assert.deepEqual(JSON.parse(json.body), { a: [1, "x"] });
  assert.equal(json.headers["content-type"][0], "application/json");

  const text = await echoed({ body: '{"b":2}' });
  assert.equal(text.body, '{"b":2}');
  assert.equal(text.headers["content-type"][0], "application/json", "Content-Type: auto, inferred by the platform");

  const typed = await echoed({ body: "plain words", headers: { "Content-Type": "text/csv" } });
  assert.equal(typed.headers["content-type"][0], "text/csv", "the caller's type wins");

  const form = await page.evaluate(() =>
    window.paragon.request("hubspot", "/_sandbox/echo/form", { method: "POST", body: new URLSearchParams({ q: "a b", n: "1" }) }),
  );
  assert.equal(form.body, "q=a+b&n=1");
  assert.match(form.headers["content-type"][0], /^application\/x-www-form-urlencoded/);

  const blob = await page.evaluate(() =>
    window.paragon.request("hubspot", "/_sandbox/echo/blob", { method: "PUT", body: new Blob(["bytes"], { type: "text/plain" }) }),
  );
  assert.equal(blob.method, "PUT");
  assert.equal(blob.body, "bytes");

  // The caller's own Authorization never reaches the provider: the platform's token does.
  const auth = await echoed({ body: {}, headers: { Authorization: "Bearer not-for-hubspot" } });
  assert.ok(!JSON.stringify(auth.headers).includes("not-for-hubspot"), JSON.stringify(auth.headers));
});
