// `paragon.workflow()` in headless Chromium against the real server and the HubSpot sandbox:
// request-triggered workflows deployed beside the guide's, run for a user who connected HubSpot
// through the portal. The workflow's own answer (a contact really created in the user's
// sandbox account), found by deploy id and by UUID, the query and headers reaching it, the body
// always sent as JSON, a 202 `{executionId}` for one that outlasts its budget, the platform's
// refusals and a failed run as SERVER_ERROR with `status` and `body`, an id that would leave
// its path segment refused before any request, a refused user token renewed through the
// `tokenProvider`. No token in a URL or in storage.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { paragonCli } from "./support/paragon.mjs";
import { authenticateRenewing, closeWithoutTokens, connectThroughPortal, newSigningKey, setUpPlatform } from "./support/platform.mjs";

const GUIDE = path.join(path.dirname(fileURLToPath(import.meta.url)), "../examples/hubspot-guide");

const PAGE = `<!doctype html><title>Acme CRM</title><body><script type="module">
  import "/pkg/index.js";
  window.ready = true;
</script></body>`;

/** The guide's files and three request-triggered workflows, as an app would deploy them. */
const WORKFLOWS = {
  "create-and-answer.yaml": `
id: create-and-answer
name: Create a contact and answer
integration: hubspot
default_enabled: true
trigger:
  request: {}
steps:
  - id: create
    action: hubspot.create_contact
    input: { email: "{{request.body.email}}", firstname: "{{request.body.first_name}}" }
  - id: answer
    response:
      status: 200
      body: { id: "{{steps.create.output.id}}", tag: "{{request.query.tag}}", via: "{{request.headers.x-acme}}" }
`,
  "echo.yaml": `
id: echo
name: Answer with the request
integration: hubspot
default_enabled: true
trigger:
  request: {}
steps:
  - id: answer
    response:
      status: 201
      body: { body: "{{request.body}}", query: "{{request.query}}" }
`,
  "slow-answer.yaml": `
id: slow-answer
name: Answer after its budget
integration: hubspot
default_enabled: true
trigger:
  request: { timeout: 1s }
steps:
  - id: wait
    delay: 3s
  - id: answer
    response:
      body: { late: true }
`,
};

let sandbox, app, platform, browser, context, projectId, dataDir, token, deployDir;
const workflowIds = {};
const browserUrls = [];
const tokens = [];

before(async () => {
  app = await startApp({ "/": PAGE });
  let signToken;
  ({ sandbox, platform, projectId, dataDir, signToken } = await setUpPlatform(app.origin));
  deployDir = mkdtempSync(path.join(tmpdir(), "paragon-workflow-"));
  cpSync(GUIDE, deployDir, { recursive: true });
  for (const [file, yaml] of Object.entries(WORKFLOWS)) writeFileSync(path.join(deployDir, "workflows", file), yaml);
  const deployed = await paragonCli(dataDir, ["deploy", "--project", projectId, deployDir]);
  // "workflow <uuid>  <deploy id>  (trigger: request)"
  for (const line of deployed.split("\n")) {
    const [, uuid, slug] = line.match(/^workflow (\S+)\s+(\S+)/) ?? [];
    if (slug) workflowIds[slug] = uuid;
  }
  assert.ok(workflowIds["create-and-answer"], deployed);
  token = await signToken("user-wf");
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

after(async () => {
  rmSync(deployDir, { recursive: true, force: true });
  await stopAll(browser, platform, sandbox, app);
});

/** A page of the app, authenticated as the connected user; `page.triggers` lists the trigger calls it sent. */
async function openApp({ authenticate = true } = {}) {
  context = await browser.newContext();
  context.on("request", (request) => browserUrls.push(request.url()));
  const page = await context.newPage();
  page.triggers = [];
  page.on("request", (request) => {
    if (request.url().includes("/sdk/triggers/")) page.triggers.push(`${request.method()} ${request.url()}`);
  });
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((host) => window.paragon.configureGlobal({ host }), platform.url);
  if (authenticate) {
    await page.evaluate(([projectId, token]) => window.paragon.authenticate(projectId, token), [projectId, token]);
  }
  return page;
}

/** Runs `workflow(...args)` in the page: `{ value }` or `{ error: {name, code, status, body, message} }`. */
function workflow(page, ...args) {
  return page.evaluate(
    (args) =>
      window.paragon.workflow(...args).then(
        (value) => ({ value: value === undefined ? "<undefined>" : value }),
        (e) => ({
          error: { name: e.name, code: e.code, status: e.status, body: e.body, message: e.message },
        }),
      ),
    args,
  );
}

async function contactsInHubSpot() {
  return JSON.stringify(await sandbox.knob("GET", `/accounts/${sandbox.hubId}/contacts`));
}

test("a workflow found by its deploy id answers with its response step: the contact is in the user's HubSpot, query and headers reached it", async () => {
  const page = await openApp();
  const answer = await workflow(page, "create-and-answer", {
    body: { email: "workflow@acme.test", first_name: "Wanda" },
    query: { tag: "vip list & co" },
    headers: { "X-Acme": "from-the-page" },
  });
  assert.ok(answer.value?.id, JSON.stringify(answer));
  assert.deepEqual(answer.value, { id: answer.value.id, tag: "vip list & co", via: "from-the-page" }, "the workflow's body as it is, not unwrapped");
  const contacts = await contactsInHubSpot();
  assert.ok(contacts.includes("workflow@acme.test"), "the contact is in the user's HubSpot");
  assert.ok(contacts.includes(answer.value.id), "with the id the workflow answered");
  assert.equal(page.triggers.length, 1, page.triggers.join("\n"));
  assert.match(page.triggers[0], /^POST .*\/projects\/[^/]+\/sdk\/triggers\/create-and-answer\?tag=vip\+list\+%26\+co$/);
});

test("a workflow is found by its UUID too; the body is always JSON and the caller cannot replace the token", async () => {
  const page = await openApp();
  const byUuid = await workflow(page, workflowIds["create-and-answer"], { body: { email: "by-uuid@acme.test", first_name: "Uma" } });
  assert.ok(byUuid.value?.id, JSON.stringify(byUuid));
  assert.ok((await contactsInHubSpot()).includes("by-uuid@acme.test"));

  const empty = await workflow(page, "echo");
  assert.deepEqual(empty.value, { body: {}, query: {} }, "no body is {}");
  const text = await workflow(page, "echo", { body: "hello", query: { a: "1", b: "x y" } });
  assert.deepEqual(text.value, { body: "hello", query: { a: "1", b: "x y" } }, "a string is sent as a JSON string");
  const list = await workflow(page, workflowIds.echo, { body: [1, { n: null }], headers: { Authorization: "Bearer not-the-user" } });
  assert.deepEqual(list.value, { body: [1, { n: null }], query: {} }, "the SDK's Authorization, not the caller's: no 401");
});

test("a workflow that outlasts its budget resolves with the 202's executionId", async () => {
  const page = await openApp();
  const started = Date.now();
  const answer = await workflow(page, "slow-answer");
  assert.match(answer.value?.executionId ?? "", /^[0-9a-f-]{36}$/, JSON.stringify(answer));
  assert.deepEqual(Object.keys(answer.value), ["executionId"]);
  assert.ok(Date.now() - started < 3_000, "answered at the budget, before the workflow's own answer");
});

test("the platform's refusals and a failed run reject with SERVER_ERROR, their status and body", async () => {
  const page = await openApp();
  const unknown = await workflow(page, "no-such-workflow");
  assert.equal(unknown.error?.code, "SERVER_ERROR", JSON.stringify(unknown));
  assert.equal(unknown.error.name, "ParagonError");
  assert.equal(unknown.error.status, 404);
  assert.equal(unknown.error.body?.code, "NOT_FOUND");
  assert.equal(unknown.error.message, `platform answered 404: ${unknown.error.body.message}`);

  // The guide's workflow is triggered by an App Event, not by requests.
  const notRequest = await workflow(page, "sync-contact-to-hubspot");
  assert.equal(notRequest.error?.status, 422, JSON.stringify(notRequest));
  assert.equal(notRequest.error.code, "SERVER_ERROR");

  // HubSpot refuses a second contact with the same email: the run fails before it answers.
  const again = await workflow(page, "create-and-answer", { body: { email: "workflow@acme.test", first_name: "Wanda" } });
  assert.equal(again.error?.status, 500, JSON.stringify(again));
  assert.equal(again.error.code, "SERVER_ERROR");
  assert.equal(again.error.body.code, "WORKFLOW_FAILED");
  assert.equal(again.error.body.step, "create");
  assert.match(again.error.body.executionId, /^[0-9a-f-]{36}$/);
  assert.match(again.error.message, /^platform answered 500: .*already exists/);
});

test("an id that would leave its path segment, bad headers or a body that is not JSON are refused before any request", async () => {
  const page = await openApp();
  for (const id of ["../x", "..", ".", "%2e%2E", "a/b", "a\\b", ""]) {
    const refused = await workflow(page, id);
    assert.equal(refused.error?.code, "INVALID_ARGUMENT", `${JSON.stringify(id)}: ${JSON.stringify(refused)}`);
    assert.match(refused.error.message, /one path segment/);
  }
  const headers = await workflow(page, "echo", { headers: { "X-Count": 3 } });
  assert.equal(headers.error?.code, "INVALID_ARGUMENT", JSON.stringify(headers));
  const body = await page.evaluate(() => window.paragon.workflow("echo", { body: () => 1 }).catch((e) => e.code));
  assert.equal(body, "INVALID_ARGUMENT");
  assert.deepEqual(page.triggers, [], "nothing was sent");

  const notAuthenticated = await page.evaluate(() => {
    window.paragon.logout();
    return window.paragon.workflow("echo").catch((e) => e.code);
  });
  assert.equal(notAuthenticated, "NOT_AUTHENTICATED");
});

test("a refused user token is renewed through the tokenProvider and the call sent once more", async () => {
  const key = await newSigningKey(dataDir, projectId, "workflow-key");
  const first = await key.sign("user-wf");
  tokens.push(first);
  const page = await openApp({ authenticate: false });
  await authenticateRenewing(page, { dataDir, projectId, sub: "user-wf", first, tokens });
  await key.revoke();

  const answer = await workflow(page, "echo", { body: { after: "renewal" } });
  assert.deepEqual(answer.value, { body: { after: "renewal" }, query: {} }, JSON.stringify(answer));
  assert.equal(await page.evaluate(() => window.providerCalls), 1, "one renewal for the platform's 401");
  assert.equal(page.triggers.length, 2, "refused once, then sent with the new token");
});
