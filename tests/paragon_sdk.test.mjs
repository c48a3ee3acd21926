// Paragon's own SDK, unchanged (`@useparagon/connect`, the exact version of package.json), against
// this platform: bundled by Vite into a page of "the app", pointed at the platform with
// `configureGlobal`'s service URLs only, and driven in headless Chromium against the real server
// and the HubSpot sandbox through every method docs/paragon-compatibility.md says works, then
// the two it says fail (at once, without a window or a token in a URL), and its logout on 401.
// The tests run in order and share one user: each builds on the state the previous one left.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

import { build as viteBuild } from "vite";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { paragonCli } from "./support/paragon.mjs";
import { newSigningKey, setUpPlatform } from "./support/platform.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PARAGON_VERSION = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).devDependencies["@useparagon/connect"];

// The app's code, as a Paragon customer has it: the package's `paragon`, handed to the test.
const MAIN_JS = `import * as connect from "@useparagon/connect";

window.paragon = connect.paragon ?? connect.default?.paragon;
window.ready = true;
`;

// A page of the same app with this platform's SDK, where the user connects HubSpot (the one step
// Paragon's SDK cannot do here).
const CONNECT_PAGE = `<!doctype html><title>Acme CRM</title><body><button id="install">Connect HubSpot</button>
<script type="module">
  import { paragon } from "/pkg/index.js";
  window.ours = paragon;
  document.getElementById("install").addEventListener("click", () => {
    window.installing = paragon.installIntegration("hubspot").then((event) => ({ event }), (e) => ({ error: e.message }));
  });
  window.ready = true;
</script></body>`;

// Another site's page, which tries to frame the platform's page for Paragon's frame.
const EVIL_PAGE = `<!doctype html><title>evil</title><body></body>`;

let sandbox, app, evil, platform, browser, context, page, projectId, apiKey, dataDir, key, token, workflowId, appDir, distDir;
const browserUrls = [];
const popups = [];

/** Vite's production build of the app (index.html + main.js) into a folder; resolves with it. */
async function buildApp() {
  // Under the repository, so that Vite finds @useparagon/connect in its node_modules.
  mkdirSync(path.join(root, "target"), { recursive: true });
  const appDir = mkdtempSync(path.join(root, "target", "paragon-sdk-app-"));
  writeFileSync(path.join(appDir, "main.js"), MAIN_JS);
  writeFileSync(path.join(appDir, "index.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Acme CRM</title><link rel="icon" href="data:,"></head><body><script type="module" src="/main.js"></script></body></html>`);
  const outDir = path.join(appDir, "dist");
  await viteBuild({ root: appDir, configFile: false, logLevel: "error", build: { outDir } });
  return { appDir, outDir };
}

before(async () => {
  ({ appDir, outDir: distDir } = await buildApp());
  app = await startApp({ "/connect.html": CONNECT_PAGE }, { dir: distDir });
  // Another site, with the same app and an empty page: not one of the project's origins.
  evil = await startApp({ "/evil.html": EVIL_PAGE }, { dir: distDir });
  ({ sandbox, platform, projectId, apiKey, dataDir } = await setUpPlatform(app.origin));
  key = await newSigningKey(dataDir, projectId, "paragon-user");
  token = await key.sign("ann");
  browser = await launchBrowser();
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  context.on("page", (opened) => popups.push(opened));
  // Paragon's SDK frames its cloud portal before `configureGlobal` runs; this machine may have
  // no internet, and the test must not depend on it: every request to Paragon's cloud fails.
  await context.route(/useparagon\.com/, (route) => route.abort());
  page = await openParagonPage();
  workflowId = (await sdk("/integrations")).body[0].workflows[0].id;
});

after(async () => {
  await stopAll(browser, platform, sandbox, app, evil);
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

/** A call to the platform's SDK API from Node, as `ann`, to see the server's state. */
async function sdk(pathname, init = {}) {
  const response = await fetch(`${platform.url}/projects/${projectId}/sdk${pathname}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

/** The app's page with Paragon's SDK, pointed at the platform: only the service URLs change. */
async function openParagonPage(origin = app.origin) {
  const opened = await context.newPage();
  opened.on("pageerror", (error) => console.error("page error:", error.message));
  await opened.goto(`${origin}/`);
  await opened.waitForFunction(() => window.ready === true);
  await opened.evaluate((url) => {
    window.paragon.configureGlobal(
      { host: "paragon.acme.test" },
      {
        ZEUS_PUBLIC_URL: url,
        HERMES_PUBLIC_URL: url,
        WORKER_PROXY_PUBLIC_URL: url,
        CONNECT_PUBLIC_URL: url,
        API_TRIGGER_KIT_PUBLIC_URL: url,
        DASHBOARD_PUBLIC_URL: url,
        PASSPORT_PUBLIC_URL: url,
        PASSPORT_PRODUCTION_URL: url,
        CDN_PUBLIC_URL: url,
      },
    );
  }, platform.url);
  return opened;
}

/**
 * Runs `paragon[method](...args)` in the page; resolves with `{ value }` or `{ error }`, and
 * with an error when the call has not settled in 10 s (a hang is a failure too).
 */
function call(method, ...args) {
  return page.evaluate(
    async ([m, a]) => {
      const pending = new Promise((_, reject) => setTimeout(() => reject(new Error("still pending after 10 s")), 10_000));
      try {
        return { value: await Promise.race([window.paragon[m](...a), pending]) };
      } catch (error) {
        return { error: String(error?.message ?? error) };
      }
    },
    [method, args],
  );
}

async function waitFor(check, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test(`Paragon's SDK ${PARAGON_VERSION} authenticates against the platform; getUser shows the user`, async () => {
  const authenticated = await call("authenticate", projectId, token);
  const user = await page.evaluate(() => window.paragon.getUser());

  assert.deepEqual(authenticated, { value: undefined }, JSON.stringify(authenticated));
  assert.equal(user.authenticated, true);
  assert.equal(user.userId, "ann");
  assert.equal(user.token, undefined, "getUser() holds no token");
  assert.equal(user.integrations.hubspot.enabled, false, "not connected yet");
  assert.deepEqual(user.integrations.hubspot.allCredentials, []);
});

test("on a site that is not one of the project's origins, Paragon's SDK cannot authenticate (CORS)", async () => {
  const other = await openParagonPage(evil.origin);

  const refused = await other.evaluate(([id, t]) => window.paragon.authenticate(id, t).then(() => "authenticated", (e) => e.message), [projectId, token]);

  assert.match(refused, /Failed to authenticate user with Paragon: Failed to fetch/, "the browser refused the answer");
  assert.equal((await other.evaluate(() => window.paragon.getUser())).authenticated, false);
  await other.close();
});

test("setUserMetadata stores the metadata on the platform", async () => {
  const updated = await call("setUserMetadata", { Name: "Ann Lee", Email: "ann@acme.test" });

  assert.equal(updated.error, undefined, updated.error);
  assert.deepEqual((await sdk("/me")).body.meta, { Name: "Ann Lee", Email: "ann@acme.test" });
  assert.equal((await page.evaluate(() => window.paragon.getUser())).meta.Name, "Ann Lee");
});

test("getIntegrationMetadata lists the project's HubSpot", async () => {
  const all = await call("getIntegrationMetadata");
  const one = await call("getIntegrationMetadata", "hubspot");

  assert.deepEqual(all.value.map((i) => i.type), ["hubspot"]);
  assert.equal(one.value.name, "HubSpot");
  assert.equal(one.value.icon, `${platform.url}/integrations/hubspot.svg`, "the CDN URL is the one given");
});

test("the frame Paragon's SDK adds is the platform's empty page, which no other site may frame", async () => {
  // On a reload Paragon's SDK restores its state and frames `/ui?projectId=…`.
  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  const frame = await waitFor(() => page.frames().find((f) => f.url().startsWith(`${platform.url}/ui?projectId=${projectId}`)), "the frame");
  // Paragon's SDK posts its state (the user token with it) into this frame: with no script in
  // it, nothing there receives the messages.
  const inside = await frame.evaluate(() => ({ scripts: document.scripts.length, text: document.body?.textContent ?? "" }));

  assert.deepEqual(inside, { scripts: 0, text: "" });
  const other = await context.newPage();
  await other.goto(`${evil.origin}/evil.html`);
  await other.evaluate(([url, id]) => {
    const iframe = document.createElement("iframe");
    iframe.src = `${url}/ui?projectId=${id}`;
    document.body.append(iframe);
  }, [platform.url, projectId]);
  await other.waitForTimeout(1000);
  const framed = other.frames().find((f) => f !== other.mainFrame());
  const rendered = await framed.evaluate(() => document.title === "Connect").catch(() => false);
  assert.equal(rendered, false, "the browser refused to render the frame for another origin");
  await other.close();
});

test("after the user connects HubSpot (with the platform's SDK), Paragon's SDK sees the credential", async () => {
  // The consent popup of the platform's own headless install, in the same browser.
  const connectPage = await context.newPage();
  await connectPage.goto(`${app.origin}/connect.html`);
  await connectPage.waitForFunction(() => window.ready === true);
  await connectPage.evaluate(async ([host, id, t]) => {
    window.ours.configureGlobal({ host });
    await window.ours.authenticate(id, t);
  }, [platform.url, projectId, token]);
  const [popup] = await Promise.all([context.waitForEvent("page"), connectPage.click("#install")]);
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  await popup.locator("#grant").click();
  const installed = await connectPage.evaluate(() => window.installing);
  assert.equal(installed.error, undefined, installed.error);
  await connectPage.close();

  // Paragon's SDK reads the user's state when it authenticates.
  assert.deepEqual(await call("authenticate", projectId, token), { value: undefined });
  const hubspot = (await page.evaluate(() => window.paragon.getUser())).integrations.hubspot;

  assert.equal(hubspot.enabled, true);
  assert.equal(hubspot.credentialStatus, "VALID");
  assert.equal(hubspot.credentialId, installed.event.credentialId);
});

test("enableWorkflow turns the workflow on; event runs it into the user's HubSpot; disableWorkflow turns it off", async () => {
  const enabled = await call("enableWorkflow", workflowId);
  assert.equal(enabled.error, undefined, enabled.error);
  assert.equal((await sdk("/integrations")).body[0].workflows[0].enabled, true);

  const sent = await call("event", "Contact Created", {
    first_name: "Grace", last_name: "Hopper", email: "grace@navy.test", company: "Navy", title: "Admiral",
  });
  assert.equal(sent.error, undefined, sent.error);
  const contact = await waitFor(async () => {
    const contacts = await sandbox.knob("GET", `/accounts/${sandbox.hubId}/contacts`);
    return contacts.find((c) => c.properties.email === "grace@navy.test");
  }, "the contact in HubSpot");
  assert.equal(contact.properties.firstname, "Grace");
  const runs = await (await fetch(`${platform.url}/projects/${projectId}/task-history/workflow-executions?userId=ann`, { headers: { Authorization: `Bearer ${apiKey}` } })).json();
  assert.equal(runs.data.length, 1);

  const disabled = await call("disableWorkflow", workflowId);
  assert.equal(disabled.error, undefined, disabled.error);
  assert.equal((await sdk("/integrations")).body[0].workflows[0].enabled, false);
  assert.equal((await sdk("/me")).body.integrations.hubspot.allCredentials[0].configurations[0].workflowSettings[workflowId].enabled, false);
});

test("request calls HubSpot through the proxy: GET and POST, with the app's headers but never its token", async () => {
  const created = await call("request", "hubspot", "/crm/v3/objects/contacts", {
    method: "POST",
    body: { properties: { email: "ada@engine.test", firstname: "Ada" } },
  });
  const listed = await call("request", "hubspot", "crm/v3/objects/contacts?limit=10", { method: "GET" });
  const echo = await call("request", "hubspot", "/_sandbox/echo", { method: "POST", body: { a: 1 }, headers: { "X-Acme-Trace": "t-1" } });

  assert.equal(created.error, undefined, created.error);
  assert.equal(created.value.properties.email, "ada@engine.test", "the {output} envelope is unwrapped");
  assert.ok(listed.value.results.some((c) => c.properties.email === "ada@engine.test"), JSON.stringify(listed));
  const contacts = await sandbox.knob("GET", `/accounts/${sandbox.hubId}/contacts`);
  assert.ok(contacts.some((c) => c.properties.email === "ada@engine.test"), "created in the user's account");
  const headers = echo.value.headers;
  assert.deepEqual(headers["x-acme-trace"], ["t-1"]);
  assert.deepEqual(headers["content-type"], ["application/json"], "Paragon's Content-Type: auto was inferred");
  assert.deepEqual(headers.authorization, [`Bearer <sandbox access token of hub ${sandbox.hubId}>`]);
  assert.ok(!JSON.stringify(headers).includes(token), "the user token never reaches HubSpot");
  assert.equal(headers["x-paragon-sdk-version"], undefined);
});

test("workflow runs a request-triggered workflow by its UUID and resolves with its answer; an unknown one is refused", async () => {
  // The guide's files and one request-triggered workflow, deployed as an app would.
  const dir = mkdtempSync(path.join(root, "target", "paragon-sdk-workflows-"));
  cpSync(path.join(root, "examples/hubspot-guide"), dir, { recursive: true });
  writeFileSync(path.join(dir, "workflows", "echo.yaml"), `id: echo
name: Answer with the request
integration: hubspot
default_enabled: true
trigger:
  request: {}
steps:
  - id: answer
    response:
      status: 201
      body: { body: "{{request.body}}", tag: "{{request.query.tag}}", via: "{{request.headers.x-acme}}" }
`);
  await paragonCli(dataDir, ["deploy", "--project", projectId, dir]);
  rmSync(dir, { recursive: true, force: true });
  const echoId = (await sdk("/integrations")).body[0].workflows.find((w) => w.description === "Answer with the request").id;
  // Paragon's SDK finds a workflow's integration in what it loaded when it authenticated.
  assert.deepEqual(await call("authenticate", projectId, token), { value: undefined });

  const answered = await call("workflow", echoId, { body: { n: 1 }, query: { tag: "a b" }, headers: { "X-Acme": "t-2" } });
  assert.deepEqual(answered, { value: { body: { n: 1 }, tag: "a b", via: "t-2" } });
  // Unknown to Paragon's SDK itself: refused before any request.
  const unknown = await call("workflow", "echo");
  assert.match(unknown.error ?? "", /Workflow not found/, JSON.stringify(unknown));
});

test("updateIntegrationUserSettings and updateWorkflowUserSettings save the user's settings on the platform", async () => {
  const owners = (await sdk("/integrations/hubspot/sources/owners")).body.data;
  assert.ok(owners.length > 0, JSON.stringify(owners));
  const shared = await call("updateIntegrationUserSettings", "hubspot", { owner: owners[0].value });
  const own = await call("updateWorkflowUserSettings", "hubspot", workflowId, { lifecycle_stage: "customer" });
  const wrong = await call("updateWorkflowUserSettings", "hubspot", workflowId, { lifecycle_stage: "partner" });

  assert.equal(shared.error, undefined, shared.error);
  assert.equal(own.error, undefined, own.error);
  const hubspot = (await sdk("/me")).body.integrations.hubspot;
  assert.deepEqual(hubspot.sharedSettings, { owner: owners[0].value });
  assert.equal(hubspot.workflowSettings[workflowId].settings.lifecycle_stage, "customer");
  // The platform checks every value: a choice the dropdown does not have is refused, and kept out.
  assert.ok(wrong.error || wrong.value?.errors?.length, JSON.stringify(wrong));
  assert.equal((await sdk("/me")).body.integrations.hubspot.workflowSettings[workflowId].settings.lifecycle_stage, "customer");
});

test("getIntegrationConfig derives the descriptions, settings and workflows from the platform's configs[0]", async () => {
  const config = await call("getIntegrationConfig", "hubspot");
  assert.equal(config.error, undefined, config.error);
  const { shortDescription, longDescription, availableUserSettings, availableWorkflows } = config.value;
  assert.ok(shortDescription && longDescription, JSON.stringify(config.value));
  assert.ok(availableUserSettings.some((s) => s.id === "owner" && s.type === "DYNAMIC_ENUM"), JSON.stringify(availableUserSettings));
  const workflow = availableWorkflows.find((w) => w.id === workflowId);
  assert.ok(workflow?.inputs.some((i) => i.id === "lifecycle_stage" && i.type === "ENUM"), JSON.stringify(availableWorkflows));
});

test("uninstallIntegration removes the credential and the subscribed listener hears of it", async () => {
  const revocations = (await sandbox.knob("GET", "/counters")).revocations;

  await page.evaluate(() => {
    window.heard = [];
    window.paragon.subscribe("onIntegrationUninstall", (event) => window.heard.push(event));
  });
  const removed = await call("uninstallIntegration", "hubspot");

  assert.equal(removed.error, undefined, removed.error);
  const heard = await page.evaluate(() => window.heard);
  assert.equal(heard.length, 1);
  assert.equal(heard[0].integrationType, "hubspot");
  assert.equal((await sdk("/me")).body.integrations.hubspot.credentialId ?? null, null, "the credential is gone");
  assert.ok((await sandbox.knob("GET", "/counters")).revocations > revocations, "revoked at HubSpot");
  assert.equal((await page.evaluate(() => window.paragon.getUser())).integrations.hubspot.enabled, false);
});

test("connect() and installIntegration() reject at once: no window opens, no URL carries the token", async () => {
  const before = { popups: popups.length, urls: browserUrls.length };

  const started = Date.now();
  const installed = await call("installIntegration", "hubspot");
  const connected = await call("connect", "hubspot");
  await page.waitForTimeout(500);

  // Paragon's SDK's own TypeError, from the account-type step (docs/paragon-compatibility.md).
  assert.match(installed.error ?? "", /Cannot read properties of null/, JSON.stringify(installed));
  assert.match(connected.error ?? "", /Cannot read properties of null/, JSON.stringify(connected));
  assert.ok(Date.now() - started < 5000, "both settle at once");
  assert.equal(popups.length, before.popups, "no window was opened");
  const requested = browserUrls.slice(before.urls);
  assert.ok(!requested.some((url) => url.includes("oauth-nonce") || url.includes("build-oauth")), requested.join("\n"));
  assert.equal((await sdk("/me")).body.integrations.hubspot.credentialId ?? null, null, "nothing was connected");
});

test("a 401 from the platform logs the user out, as Paragon's SDK does", async () => {
  await key.revoke();

  const refused = await call("setUserMetadata", { Name: "Ann" });

  assert.ok(refused.error, "the call fails");
  assert.equal((await page.evaluate(() => window.paragon.getUser())).authenticated, false);
});

test("no URL the browser asked for or the sandbox received carries the user token", async () => {
  const received = (await sandbox.knob("GET", "/requests")).map((r) => r.path);
  for (const url of [...browserUrls, ...received]) assert.ok(!url.includes(token), `a token is in ${url.slice(0, 100)}…`);
  assert.ok(browserUrls.some((url) => url.includes("/sdk/proxy/hubspot/")), "the URLs were recorded");
});
