// A provider whose users paste an API key (SendGrid, `api_key` in providers/sendgrid.yaml),
// connected through the SDK's Connect Portal in headless Chromium against the SendGrid
// stand-in: the portal draws the definition's fields (label, help, a password input), checks
// the key with SendGrid before anything is stored, words a refused key for the person in front
// of it, then shows the account connected; the key is sealed (not in the SQLite file, not in the
// browser's storage or URLs) and the proxy sends it as the definition says. By keyboard, at
// phone width, with axe-core's rules.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { SCREENSHOTS } from "./support/env.mjs";
import { closeWithoutTokens } from "./support/platform.mjs";
import { paragonCli, startParagon } from "./support/paragon.mjs";
import { createProject, openSdkPage } from "./support/sdk_page.mjs";
import { startSendGrid } from "./support/sendgrid.mjs";

const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const PAGE = `<!doctype html><title>Acme CRM</title><body><h1>Acme CRM</h1>
<button id="open">Connect SendGrid</button>
<script type="module">
  import { paragon } from "/pkg/index.js";
  window.events = [];
  document.getElementById("open").addEventListener("click", () => {
    paragon.connect("sendgrid", { onSuccess: (e) => window.events.push(e) });
  });
  window.call = (path, options) => paragon.request("sendgrid", path, options).then(
    (output) => ({ output }),
    (e) => ({ error: { code: e.code, status: e.status, body: e.body } }),
  );
  window.ready = true;
</script></body>`;

let sendgrid, app, platform, browser, context, page, dataDir, projectId, signToken;
const browserUrls = [];
const secrets = [];

before(async () => {
  app = await startApp({ "/": PAGE });
  sendgrid = await startSendGrid();
  ({ dataDir, projectId, signToken } = await createProject(app.origin));
  // An API-key provider takes no client id or secret: only where its API is.
  await paragonCli(dataDir, ["integration", "set", "--project", projectId, "sendgrid", "--api-base", `${sendgrid.url}/v3`]);
  platform = await startParagon({ dataDir });
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await closeWithoutTokens(context, browserUrls, secrets);
  await stopAll(browser, platform, sendgrid, app);
});

async function openApp(viewport) {
  const token = await signToken("ada");
  secrets.push(token);
  ({ context, page } = await openSdkPage(browser, { appOrigin: app.origin, host: platform.url, projectId, token, urls: browserUrls, viewport }));
}

async function assertAccessible(frame, state) {
  if (!(await frame.evaluate(() => typeof window.axe === "object"))) await frame.evaluate(AXE);
  const results = await frame.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [], `axe-core: ${state}`);
}

test("the portal asks for the key, refuses a wrong one, connects a right one, by keyboard at phone width", async () => {
  await openApp({ width: 390, height: 844 });
  const key = await sendgrid.newKey();
  secrets.push(key);
  await page.locator("#open").click();
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator("#connect:not([disabled])").waitFor();
  const frame = page.frame({ url: /\/ui\?/ });
  assert.equal((await portal.locator("#title").textContent()).trim(), "SendGrid");
  assert.equal(await portal.locator("#key-form").isHidden(), true, "the form waits for Connect");

  // Enter on Connect opens the form with the focus in the key's field.
  await portal.locator("#connect").focus();
  await page.keyboard.press("Enter");
  await portal.locator("#key-form:not([hidden])").waitFor();
  const input = portal.locator("#key-api_key");
  assert.equal(await input.evaluate((e) => e === document.activeElement), true);
  assert.equal(await input.getAttribute("type"), "password", "a key is typed like a password");
  assert.equal((await portal.locator('label[for="key-api_key"]').textContent()).trim(), "API key");
  assert.match(await portal.locator("#key-api_key-help").textContent(), /starts with SG\./);
  await page.screenshot({ path: path.join(SCREENSHOTS, "keyed-form-390.png") });
  await assertAccessible(frame, "the key form");

  // Empty: said at once, nothing sent.
  await page.keyboard.press("Enter");
  await portal.locator("#key-error:not([hidden])").waitFor();
  assert.match(await portal.locator("#key-error").textContent(), /API key is required/);

  // A wrong key: SendGrid refuses it, the portal says so, nothing is stored.
  const wrong = `${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`;
  secrets.push(wrong);
  await input.fill(wrong);
  await page.keyboard.press("Enter");
  await portal.locator("#key-error:not([hidden])").filter({ hasText: "refused" }).waitFor();
  assert.match(await portal.locator("#key-error").textContent(), /SendGrid refused these credentials/);
  assert.equal(await input.getAttribute("aria-invalid"), "true");
  await page.screenshot({ path: path.join(SCREENSHOTS, "keyed-refused-390.png") });
  await assertAccessible(frame, "a refused key");
  const refusedState = await page.evaluate(() => window.paragon.getUser().integrations.sendgrid);
  assert.equal(refusedState?.credentialStatus ?? null, null);

  // The right key connects; the form is emptied and gone.
  await input.fill(key);
  await page.keyboard.press("Enter");
  await portal.locator("#connected:not([hidden])").waitFor();
  assert.match(await portal.locator("#account").textContent(), /SendGrid account/);
  assert.equal(await portal.locator("#key-form").isHidden(), true);
  assert.equal(await input.inputValue(), "", "the key does not stay in the page");
  await page.waitForFunction(() => window.events.length === 1);
  await page.screenshot({ path: path.join(SCREENSHOTS, "keyed-connected-390.png") });
  await assertAccessible(frame, "connected");
  const state = await page.evaluate(async () => (await window.paragon.getUser()).integrations.sendgrid);
  assert.equal(state.credentialStatus, "VALID");
  assert.equal(state.providerData.accountName, sendgrid.username);
  assert.ok(!JSON.stringify(state).includes(key));
  await page.keyboard.press("Escape");
});

test("the proxy sends the sealed key as SendGrid's bearer token; the key is nowhere at rest in the clear", async () => {
  const answer = await page.evaluate(() =>
    window.call("/marketing/contacts", { method: "PUT", body: { contacts: [{ email: "grace@navy.test", first_name: "Grace" }] } }),
  );
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  assert.ok(answer.output.job_id, JSON.stringify(answer.output));
  const contacts = await sendgrid.knob("GET", `/accounts/${sendgrid.username}/contacts`);
  assert.match(JSON.stringify(contacts), /grace@navy\.test/);

  // The SQLite files of the platform hold the key sealed only.
  const key = secrets.find((s) => s.startsWith("SG."));
  const files = readdirSync(dataDir).filter((f) => f.startsWith("paragon.db"));
  assert.ok(files.includes("paragon.db"), `the platform's database is in ${dataDir}: ${files}`);
  for (const file of files) {
    assert.ok(!readFileSync(path.join(dataDir, file)).includes(Buffer.from(key)), `${file} holds the key in the clear`);
  }
});
