// The operator console (`/console`) in headless Chromium against the real server and the
// HubSpot sandbox: a user connects (the popup's hops played through the browser context) and
// the guide's App Events run; the operator signs in with the project's API key, sees the runs,
// filters the failed one (a sandbox fault: an answer past the cap fails the run for good),
// reads its error, replays it once the fault is gone and sees the new run succeed; axe-core
// finds no serious violation at 1200 and 390 px; screenshots go to target/e2e/console/; after
// sign-out the key is in no storage and no URL, and the old session cookie opens nothing.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { paragonCli } from "./support/paragon.mjs";
import { setUpPlatform } from "./support/platform.mjs";

const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "../target/e2e/console");
const APP_ORIGIN = "http://app.test";
const HUGE = 9 * 1024 * 1024;
const GUIDE = path.join(path.dirname(fileURLToPath(import.meta.url)), "../examples/hubspot-guide");

let sandbox, platform, browser, projectId, apiKey, signToken, dataDir;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  ({ sandbox, platform, projectId, apiKey, signToken, dataDir } = await setUpPlatform(APP_ORIGIN));
  browser = await launchBrowser();
});

after(async () => {
  await stopAll(browser, platform, sandbox);
});

/** `user` connects the sandbox's account: the Connect popup's hops in a browser context of its own. */
async function connect(user, token) {
  const created = await fetch(`${platform.url}/projects/${projectId}/sdk/oauth/flows`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ integration: "hubspot", origin: APP_ORIGIN }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const flow = await created.json();
  const context = await browser.newContext();
  const started = await context.request.post(flow.startUrl, {
    form: { flow: flow.flowId, secret: flow.startSecret },
    headers: { Origin: APP_ORIGIN },
  });
  const authorize = (await started.text()).split('data-to="')[1].split('"')[0].replaceAll("&amp;", "&");
  const consent = await (await context.request.get(authorize)).text();
  const consentId = consent.split('name="consent_id" value="')[1].split('"')[0];
  const granted = await context.request.post(`${sandbox.url}/oauth/authorize`, {
    form: { consent_id: consentId, hub_id: String(sandbox.hubId), decision: "grant" },
    maxRedirects: 0,
  });
  const callback = await context.request.get(granted.headers().location);
  assert.equal(callback.status(), 200);
  await context.close();
}

async function sdk(method, pathAndQuery, token, body) {
  const response = await fetch(`${platform.url}${pathAndQuery}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${pathAndQuery}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

async function taskHistory() {
  const response = await fetch(`${platform.url}/projects/${projectId}/task-history/workflow-executions`, {
    headers: { Authorization: `Bearer ${apiKey}` },
  });
  return (await response.json()).data;
}

async function runsFinished(count) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const runs = await taskHistory();
    if (runs.length >= count && runs.every((r) => r.status === "succeeded" || r.status === "failed")) return runs;
    assert.ok(Date.now() < deadline, `${count} finished runs: ${JSON.stringify(runs.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function contact(n) {
  return { first_name: `Ada${n}`, last_name: "Lovelace", email: `ada${n}@analytical.test`, company: "Analytical Engines", title: "Engineer" };
}

async function assertAccessible(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe-core on ${state}`,
  );
}

/** No sideways scroll of the page itself (tables scroll inside their own region). */
async function assertFits(page, state) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${state}: the page scrolls sideways by ${overflow} px`);
}

test("sign in with the API key, find the failed run by filter, read its error, replay it, sign out without leaving the key", async () => {
  const token = await signToken("ann");
  await connect("ann", token);
  // The guide's workflow id, as `paragon deploy` prints it ("workflow <uuid>  <deploy id> …").
  const deployed = await paragonCli(dataDir, ["deploy", "--project", projectId, GUIDE]);
  const [, workflowId] = deployed.match(/^workflow (\S+)\s+sync-contact-to-hubspot/m) ?? [];
  assert.ok(workflowId, deployed);
  await sdk("POST", `/projects/${projectId}/sdk/workflows/${workflowId}`, token);
  for (const n of [1, 2]) await sdk("POST", `/v2/projects/${projectId}/sdk/events/trigger`, token, { name: "Contact Created", payload: contact(n) });
  await runsFinished(2);
  await sandbox.knob("POST", `/accounts/${sandbox.hubId}/faults`, { hugeAnswerBytes: HUGE });
  await sdk("POST", `/v2/projects/${projectId}/sdk/events/trigger`, token, { name: "Contact Created", payload: contact(3) });
  const runs = await runsFinished(3);
  const failed = runs.find((r) => r.status === "failed");
  assert.ok(failed, JSON.stringify(runs));
  await sandbox.knob("POST", `/accounts/${sandbox.hubId}/faults`, {});

  const urls = [];
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  context.on("request", (request) => urls.push(request.url()));
  const page = await context.newPage();

  await page.goto(`${platform.url}/console`);
  assert.equal(new URL(page.url()).pathname, "/console/sign-in", "signed out: the sign-in form");
  await assertAccessible(page, "sign-in");
  await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in.png") });
  await page.getByLabel("API key or operator key").fill("prgn_not-a-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  assert.match(await page.getByRole("alert").innerText(), /not accepted/);
  await page.getByLabel("API key or operator key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`**/console/projects/${projectId}/runs`);
  assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Task History");
  assert.equal(await page.locator("tbody tr").count(), 3, "the three runs");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "paragon_console");
  assert.ok(session?.httpOnly && session.sameSite === "Strict", JSON.stringify(cookies));
  assert.ok(!session.value.includes(apiKey));
  await assertAccessible(page, "runs");
  await page.screenshot({ path: path.join(SCREENSHOTS, "runs.png"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await assertFits(page, "the runs at 390 px");
  await assertAccessible(page, "the runs at 390 px");
  await page.screenshot({ path: path.join(SCREENSHOTS, "runs-390.png"), fullPage: true });
  await page.setViewportSize({ width: 1200, height: 800 });

  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/status=failed/);
  assert.equal(await page.locator("tbody tr").count(), 1, "only the failed run");
  await page.locator("tbody tr a").first().click();
  await page.waitForURL(`**/runs/${failed.id}`);
  const error = await page.getByRole("region", { name: "Error" }).innerText();
  assert.match(error, /the provider's answer was too large/);
  assert.match(await page.getByRole("region", { name: "Trigger" }).innerText(), /ada3@analytical\.test/);
  assert.match(await page.getByRole("region", { name: "Steps", exact: true }).innerText(), /create_contact \(\w+\): failed/);
  await assertAccessible(page, "failed run");
  await page.screenshot({ path: path.join(SCREENSHOTS, "failed-run.png"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await assertFits(page, "the run at 390 px");
  await assertAccessible(page, "the run at 390 px");
  await page.screenshot({ path: path.join(SCREENSHOTS, "failed-run-390.png"), fullPage: true });
  await page.setViewportSize({ width: 1200, height: 800 });

  await page.getByRole("button", { name: "Replay" }).click();
  await page.waitForURL((url) => url.pathname.startsWith(`/console/projects/${projectId}/runs/`) && !url.pathname.endsWith(failed.id));
  const replayId = new URL(page.url()).pathname.split("/").pop();
  const all = await runsFinished(4);
  assert.equal(all.find((r) => r.id === replayId)?.status, "succeeded", JSON.stringify(all));
  await page.reload();
  assert.match(await page.locator(".facts").innerText(), /succeeded/);
  await page.screenshot({ path: path.join(SCREENSHOTS, "replayed-run.png"), fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/console/sign-in");
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!storage.includes(apiKey) && !storage.includes(session.value), "no key or session in storage");
  for (const url of urls) {
    assert.ok(!url.includes(apiKey) && !url.includes(session.value), `no key or session in ${url}`);
  }
  // The old cookie, set again by hand, opens nothing: the session was deleted on the server.
  await context.addCookies([{ ...session }]);
  await page.goto(`${platform.url}/console/projects/${projectId}/runs`);
  assert.equal(new URL(page.url()).pathname, "/console/sign-in");
  await context.close();
});

test("a page of another site cannot replay a run: its cross-site post is refused", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${platform.url}/console/sign-in`);
  await page.getByLabel("API key or operator key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`**/console/projects/${projectId}/runs`);
  const before = (await taskHistory()).length;
  const runId = (await taskHistory())[0].id;
  // An attacker's page (another origin: the sandbox's) posting the replay form at the console.
  await page.route(`${sandbox.url}/attack`, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<form method="post" action="${platform.url}/console/projects/${projectId}/runs/${runId}/replay"><input name="csrf" value="guess"><button>go</button></form>`,
    }),
  );
  await page.goto(`${sandbox.url}/attack`);
  const [answer] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "go" }).click()]);
  assert.equal(answer.status(), 403);
  assert.equal((await taskHistory()).length, before, "nothing was replayed");
  await context.close();
});
