// The guide, walked in headless Chromium through the running demo (`cargo xtask demo
// --headless`, and the last suite of `cargo xtask test`): two demo users each sign in to Acme
// CRM, connect their HubSpot through the Connect Portal and the sandbox's consent popup, choose
// in the portal's Configuration tab the contacts' owner (listed from their HubSpot) and where
// the phone goes (a field mapping), turn the workflow on and create a contact; the contact must
// be in that user's sandbox account with its five fields, the phone, the owner and the stage,
// and in no other, and the app must show
// the run as succeeded. Then no secret may be left where a browser keeps things.
//
// Prints one TAP line per step with the time since the start and the step's own time, and a
// screenshot per step under $DEMO_SCREENSHOTS. Exits 1 at the first failed step.
//
// Environment (set by xtask): DEMO_APP_URL, DEMO_HUBSPOT_URL (and DEMO_SALESFORCE_URL),
// DEMO_SETTINGS (the app backend's settings: the API key and the private key file, to search
// the browser for), DEMO_SCREENSHOTS.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { launchBrowser } from "../../tests/support/browser.mjs";

const APP = process.env.DEMO_APP_URL;
const SANDBOX = process.env.DEMO_HUBSPOT_URL;
const SHOTS = process.env.DEMO_SCREENSHOTS;
const settings = JSON.parse(readFileSync(process.env.DEMO_SETTINGS, "utf8"));
const USERS = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../demo-users.json"), "utf8"));

// The guide's contact (the App Event's example) for the first user, another for the second.
// `fields` is what the workflow must have written into HubSpot (workflows/sync-contact.yaml).
const CONTACTS = [
  { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", company: "Analytical Engines", title: "Engineer", phone: "+44 20 7946 0000" },
  { first_name: "Grace", last_name: "Hopper", email: "grace@example.com", company: "US Navy", title: "Rear Admiral", phone: "+1 202 555 0100" },
];
/** The contact's fields in HubSpot: the five the workflow maps, and the phone the user's field mapping sends to `phone`. */
const hubspotFields = (c) => ({ email: c.email, firstname: c.first_name, lastname: c.last_name, company: c.company, jobtitle: c.title, phone: c.phone });

const started = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
let count = 0;
let passed = 0;

/**
 * One step: a TAP line with its times and a screenshot named after it, or the failure. With
 * `alias`, the screenshot is also saved as `{alias}.png` (the README's pictures).
 */
async function step(name, page, body, alias) {
  const at = Date.now();
  count += 1;
  try {
    await body();
    const shot = path.join(SHOTS, `${String(count).padStart(2, "0")}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`);
    await page.screenshot({ fullPage: true, path: shot });
    if (alias) copyFileSync(shot, path.join(SHOTS, `${alias}.png`));
    passed += 1;
    console.log(`ok ${count} - ${name} [${seconds(Date.now() - started)}, took ${seconds(Date.now() - at)}]`);
  } catch (error) {
    await page.screenshot({ fullPage: true, path: path.join(SHOTS, `${String(count).padStart(2, "0")}-FAILED.png`) }).catch(() => {});
    console.log(`not ok ${count} - ${name} [${seconds(Date.now() - started)}]`);
    for (const line of String(error.stack ?? error).split("\n").slice(0, 12)) console.log(`  # ${line}`);
    throw error;
  }
}

async function sandboxContacts(hubId) {
  const response = await fetch(`${SANDBOX}/_sandbox/accounts/${hubId}/contacts`);
  assert.equal(response.status, 200, `the sandbox lists account ${hubId}`);
  return response.json();
}

/** What a browser must never hold: user tokens (in URLs or storage), the API key, the private key. */
const seen = { urls: [], appBodies: [], tokens: [], pageErrors: [] };

/** The guide for one user; `pictures` names the screenshots the README shows (first user only). */
async function walkUser(page, user, contact, pictures = {}) {
  const portal = page.frameLocator("#paragon-connect-portal");

  await step(`${user.id}: sign in to Acme CRM`, page, async () => {
    await page.locator(`#users button[data-user="${user.id}"]`).click();
    await page.locator(`body[data-user="${user.id}"]`).waitFor();
    assert.match(await page.locator("#signed-in").textContent(), new RegExp(user.name));
    assert.match(await page.locator("#hubspot-status").textContent(), /not connected/);
  });

  let popup;
  await step(`${user.id}: open the Connect Portal`, page, async () => {
    await page.locator("#connect").click();
    await portal.locator('body[data-state="ready"]').waitFor();
    await portal.locator("#connect:not([disabled])").waitFor();
  });

  await step(`${user.id}: consent in HubSpot's popup, account ${user.hubId}`, page, async () => {
    [popup] = await Promise.all([page.context().waitForEvent("page"), portal.locator("#connect").click()]);
    // The popup opens on about:blank; the portal's start form then sends it on to HubSpot.
    await popup.waitForURL((url) => url.href.startsWith(SANDBOX));
    assert.ok(popup.url().startsWith(SANDBOX), `the popup is HubSpot's consent page: ${popup.url()}`);
    await popup.locator("#hub_id").selectOption(String(user.hubId));
    await popup.screenshot({ path: path.join(SHOTS, `${String(count).padStart(2, "0")}-${user.id}-consent-popup.png`) });
    await popup.locator("#grant").click();
    await portal.locator('body[data-connected="true"]').waitFor();
    assert.equal((await portal.locator("#account").textContent()).trim(), `HubSpot account ${user.hubId}`, "the portal names the account as the app does");
    await page.locator('body[data-hubspot="connected"]').waitFor();
    assert.match(await page.locator("#hubspot-status").textContent(), new RegExp(`account ${user.hubId}`));
  });

  let ownerId;
  await step(`${user.id}: choose the contacts' owner and send the phone to HubSpot's Phone Number, in the portal's settings`, page, async () => {
    await portal.getByRole("tab", { name: "Configuration" }).click();
    const owner = portal.getByLabel("Owner of new contacts", { exact: true });
    // The owners are listed from the user's own HubSpot account: the user is one of them.
    await owner.locator("option", { hasText: user.email }).waitFor({ state: "attached" });
    ownerId = await owner.locator("option", { hasText: user.email }).getAttribute("value");
    await owner.selectOption(ownerId);
    const phone = portal.locator('#shared-form select[data-field="phone"]');
    await phone.locator('option[value="phone"]').waitFor({ state: "attached" });
    await phone.selectOption("phone");
    await portal.locator("#shared-form").getByRole("button", { name: "Save" }).click();
    await portal.locator("#shared-form .settings-status", { hasText: "Saved" }).waitFor();
    assert.equal(await portal.getByLabel("Lifecycle stage of new contacts").inputValue(), "lead", "the stage's default");
  });

  await step(`${user.id}: turn on the workflow in the portal's Configuration tab`, page, async () => {
    await portal.getByRole("tab", { name: "Configuration" }).click();
    const toggle = portal.getByRole("switch", { name: "Sync new contacts to HubSpot" });
    await toggle.click();
    await portal.locator('[role="switch"][aria-checked="true"]:not([aria-busy])').waitFor();
    await page.locator("#workflow-status", { hasText: "is on" }).waitFor();
  }, pictures.portal);

  await step(`${user.id}: close the portal`, page, async () => {
    await portal.locator("#close").click();
    await page.locator("#paragon-connect-portal").waitFor({ state: "detached" });
  });

  let eventId;
  await step(`${user.id}: create ${contact.email}; the app shows its run succeeded`, page, async () => {
    for (const [name, value] of Object.entries(contact)) await page.locator(`#contact-form [name="${name}"]`).fill(value);
    await page.locator("#create").click();
    const delivered = page.locator("#event-status.ok");
    await delivered.waitFor();
    assert.match(await delivered.textContent(), /1 workflow run started/);
    eventId = await delivered.getAttribute("data-event-id");
    const run = page.locator(`#runs tr[data-event-id="${eventId}"]`);
    await run.waitFor();
    await page.waitForFunction(
      (id) => ["succeeded", "failed"].includes(document.querySelector(`#runs tr[data-event-id="${id}"]`)?.dataset.status),
      eventId,
      { timeout: 30_000 },
    );
    assert.equal(await run.getAttribute("data-status"), "succeeded", `the run: ${await run.textContent()}`);
    assert.equal((await run.locator("td.contact").textContent()).trim(), contact.email, "the run names its contact");
    await page.locator("#outbox .empty").waitFor(); // the outbox delivered it
  }, pictures.app);

  await step(`${user.id}: the contact is in HubSpot account ${user.hubId} only, with its fields, the phone, the owner and the stage the user chose`, page, async () => {
    const mine = (await sandboxContacts(user.hubId)).filter((c) => c.properties.email === contact.email);
    assert.equal(mine.length, 1, `one ${contact.email} in account ${user.hubId}`);
    const expected = hubspotFields(contact);
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, mine[0].properties[k]]));
    assert.deepEqual(actual, expected, "the five fields the workflow maps and the phone the user mapped");
    assert.equal(mine[0].properties.hubspot_owner_id, ownerId, "the owner chosen in the portal");
    assert.equal(mine[0].properties.lifecyclestage, "lead", "the stage's default");
    for (const other of USERS.filter((u) => u.id !== user.id)) {
      const theirs = (await sandboxContacts(other.hubId)).filter((c) => c.properties.email === contact.email);
      assert.equal(theirs.length, 0, `${contact.email} is not in ${other.id}'s account ${other.hubId}`);
    }
  });
}

async function assertNoSecretInBrowser(context) {
  const privateKey = readFileSync(settings.signingKeyFile, "utf8");
  const keyLines = privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
  assert.ok(seen.tokens.length >= 2, "the walk saw the users' tokens");
  const storage = [];
  for (const page of context.pages()) {
    storage.push(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.documentElement.outerHTML));
  }
  for (const token of seen.tokens) {
    for (const url of seen.urls) assert.ok(!url.includes(token), `a user token is in ${url.slice(0, 80)}…`);
    for (const kept of storage) assert.ok(!kept.includes(token), "a user token is in storage or in the page");
  }
  for (const body of [...seen.appBodies, ...storage, ...seen.urls]) {
    assert.ok(!body.includes(settings.apiKey), "the project's API key reached the browser");
    assert.ok(!body.includes("PRIVATE KEY") && !keyLines.some((l) => body.includes(l)), "the private key reached the browser");
  }
  assert.deepEqual(seen.pageErrors, [], "no uncaught error in the app's page");
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  // Only this walk's pictures: a failed step must not sit beside older runs' later steps.
  for (const file of readdirSync(SHOTS)) if (file.endsWith(".png")) rmSync(path.join(SHOTS, file));
  console.log("TAP version 13");
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    context.on("request", (request) => seen.urls.push(request.url()));
    context.on("response", async (response) => {
      if (!response.url().startsWith(APP) || response.url().endsWith(".wasm")) return;
      const body = await response.text().catch(() => "");
      seen.appBodies.push(body);
      if (/\/api\/(session|token)$/.test(response.url())) seen.tokens.push(JSON.parse(body).token);
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => seen.pageErrors.push(error.message));

    await step("open Acme CRM", page, async () => {
      await page.goto(APP);
      await page.locator('body[data-state="ready"]').waitFor();
      assert.equal(await page.locator("#users button").count(), USERS.length);
    });
    await walkUser(page, USERS[0], CONTACTS[0], { app: "acme-crm", portal: "connect-portal" });
    // The second user signs in on the same page, as on a shared computer.
    await walkUser(page, USERS[1], CONTACTS[1]);
    await step("no user token, API key or private key in the browser's URLs, storage or page", page, () => assertNoSecretInBrowser(context));
    await step("the app's backend signs tokens for its demo users only, renews and shows runs to the signed-in user only", page, async () => {
      const stranger = await fetch(`${APP}/api/session`, { method: "POST", body: JSON.stringify({ userId: "mallory" }) });
      assert.equal(stranger.status, 403);
      assert.equal((await fetch(`${APP}/api/runs`)).status, 401);
      assert.equal((await fetch(`${APP}/api/token`, { method: "POST" })).status, 401);
    });
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (error) {
  if (passed === count) console.log(`not ok ${++count} - the walk could not run: ${error.message}`);
  process.exitCode = 1;
}
console.log(`1..${count}\n# pass ${passed}\n# fail ${count - passed}`);
