// The guide, walked in headless Chromium through the running demo (`cargo xtask demo
// --headless`, and the last suite of `cargo xtask test`). The first demo user signs in to Acme
// CRM and connects both CRMs through their Connect Portals and the stand-ins' consent popups:
// HubSpot, choosing in the portal's Configuration tab the contacts' owner (listed from their
// HubSpot) and where the phone goes (a field mapping), and Salesforce, logging in as their own
// org; they turn both workflows on and create a contact, which must arrive once in their
// HubSpot account and once in their Salesforce org, with the fields each workflow writes, and
// in no other account or org, while the app shows one succeeded run per CRM. The second user
// connects Salesforce only, by keyboard, chooses the contacts' department, and their contact
// must reach their org and no HubSpot account. Data flows back too: the first user's contact
// is edited in HubSpot (the stand-in's knob, as a person in HubSpot's UI), HubSpot's signed
// webhook reaches the platform, whose workflow tells the app's backend (a signed webhook), and
// the page's "From your CRMs" panel must say so. The page must pass axe-core's rules and fit a
// phone's screen; then no secret may be left where a browser keeps things.
//
// Prints one TAP line per step with the time since the start and the step's own time, and a
// screenshot per step under $DEMO_SCREENSHOTS. Exits 1 at the first failed step.
//
// Environment (set by xtask): DEMO_APP_URL, DEMO_HUBSPOT_URL, DEMO_SALESFORCE_URL,
// DEMO_SETTINGS (the app backend's settings: the API key and the private key file, to search
// the browser for), DEMO_SCREENSHOTS.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Webhook } from "standardwebhooks";

import { launchBrowser } from "../../tests/support/browser.mjs";
import { assertAccessible, assertFits } from "./page_checks.mjs";
import { editHubSpotContact, hubspotContacts, hubspotDeliveries, salesforceContacts, salesforceOrg } from "./stand_ins.mjs";

const APP = process.env.DEMO_APP_URL;
const SHOTS = process.env.DEMO_SCREENSHOTS;
const settings = JSON.parse(readFileSync(process.env.DEMO_SETTINGS, "utf8"));
const USERS = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../demo-users.json"), "utf8"));

// The guide's contact (the App Event's example) for the first user, another for the second.
const CONTACTS = [
  { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", company: "Analytical Engines", title: "Engineer", phone: "+44 20 7946 0000" },
  { first_name: "Grace", last_name: "Hopper", email: "grace@example.com", company: "US Navy", title: "Rear Admiral", phone: "+1 202 555 0100" },
];
/** The contact's fields in HubSpot: the five the workflow maps, and the phone the user's field mapping sends to `phone`. */
const hubspotFields = (c) => ({ email: c.email, firstname: c.first_name, lastname: c.last_name, company: c.company, jobtitle: c.title, phone: c.phone });
/** The Contact's fields in Salesforce (examples/salesforce-guide/workflows/sync-contact.yaml), with the department the user chose. */
const salesforceFields = (c, department) => ({ FirstName: c.first_name, LastName: c.last_name, Email: c.email, Title: c.title, Phone: c.phone, Department: department });

const started = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
let count = 0;
let passed = 0;

/** A screenshot's file: `NN-what.png`, numbered by the step it belongs to. */
const shotPath = (what) => path.join(SHOTS, `${String(count).padStart(2, "0")}-${what.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`);

/**
 * One step: a TAP line with its times and a screenshot named after it, or the failure. With
 * `alias`, the screenshot is also saved as `{alias}.png` (the README's pictures).
 */
async function step(name, page, body, alias) {
  const at = Date.now();
  count += 1;
  try {
    await body();
    const shot = shotPath(name);
    await page.screenshot({ fullPage: true, path: shot });
    if (alias) copyFileSync(shot, path.join(SHOTS, `${alias}.png`));
    passed += 1;
    console.log(`ok ${count} - ${name} [${seconds(Date.now() - started)}, took ${seconds(Date.now() - at)}]`);
  } catch (error) {
    await page.screenshot({ fullPage: true, path: shotPath("FAILED") }).catch(() => {});
    console.log(`not ok ${count} - ${name} [${seconds(Date.now() - started)}]`);
    for (const line of String(error.stack ?? error).split("\n").slice(0, 12)) console.log(`  # ${line}`);
    throw error;
  }
}

/** What a browser must never hold: user tokens (in URLs or storage), the API key, the private key. */
const seen = { urls: [], appBodies: [], tokens: [], pageErrors: [] };

const card = (page, type) => page.locator(`.integration[data-integration="${type}"]`);
const portalOf = (page) => page.frameLocator("#paragon-connect-portal");

async function signIn(page, user) {
  await step(`${user.id}: sign in to Acme CRM`, page, async () => {
    await page.locator(`#users button[data-user="${user.id}"]`).click();
    await page.locator(`body[data-user="${user.id}"]`).waitFor();
    assert.match(await page.locator("#signed-in").textContent(), new RegExp(user.name));
    for (const type of ["hubspot", "salesforce"]) {
      assert.equal(await card(page, type).getAttribute("data-state"), "not-connected", `${type} is not connected yet`);
    }
  });
}

/**
 * Consent in the CRM's popup, opened by the portal's Connect: `choose` picks the user's account
 * there and grants. Resolves once the portal and the app both say connected to `account`.
 */
async function consent(page, type, account, choose) {
  const portal = portalOf(page);
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([page.context().waitForEvent("page"), portal.locator("#connect").click()]);
  // The popup opens on about:blank; the portal's start form then sends it on to the CRM.
  await popup.waitForURL((url) => url.href.startsWith(type === "hubspot" ? process.env.DEMO_HUBSPOT_URL : process.env.DEMO_SALESFORCE_URL));
  await choose(popup);
  await portal.locator('body[data-connected="true"]').waitFor();
  assert.equal((await portal.locator("#account").textContent()).trim(), account, "the portal names the account as the app does");
  await page.locator(`.integration[data-integration="${type}"][data-state="connected"]`).waitFor();
  assert.equal((await card(page, type).locator(".account").textContent()).trim(), account);
}

/** Turns on the workflow `name` in the open portal's Configuration tab; the app must say so. */
async function turnOn(page, type, name) {
  const portal = portalOf(page);
  await portal.getByRole("tab", { name: "Configuration" }).click();
  const toggle = portal.getByRole("switch", { name });
  await toggle.click();
  // This workflow's switch: the portal lists others too (the two-way example's are on by default).
  await toggle.and(portal.locator('[aria-checked="true"]:not([aria-busy])')).waitFor();
  await card(page, type).locator(".workflow", { hasText: `“${name}” is on` }).waitFor();
}

/** HubSpot for `user`: consent, the owner and the phone in the portal's settings, the workflow on. Resolves with the owner's id. */
async function connectHubSpot(page, user, pictures) {
  const portal = portalOf(page);
  await step(`${user.id}: connect HubSpot account ${user.hubId} in its portal and HubSpot's popup`, page, async () => {
    await card(page, "hubspot").locator(".connect").click();
    await portal.locator('body[data-state="ready"]').waitFor();
    await consent(page, "hubspot", `HubSpot account ${user.hubId}`, async (popup) => {
      await popup.locator("#hub_id").selectOption(String(user.hubId));
      await popup.screenshot({ path: shotPath(`${user.id}-hubspot-consent-popup`) });
      await popup.locator("#grant").click();
    });
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

  await step(`${user.id}: turn on "Sync new contacts to HubSpot" and close the portal`, page, async () => {
    await turnOn(page, "hubspot", "Sync new contacts to HubSpot");
    if (pictures.portal) await page.screenshot({ fullPage: true, path: path.join(SHOTS, `${pictures.portal}.png`) });
    await portal.locator("#close").click();
    await page.locator("#paragon-connect-portal").waitFor({ state: "detached" });
  });
  return ownerId;
}

/**
 * Salesforce for `user`: consent as their org, the department of new contacts when `department`
 * is not the default, the sync workflow on. With `keyboard`, the user does it all by keyboard:
 * Tab to the card's button, Enter, and Escape to close the portal. Resolves with the org id.
 */
async function connectSalesforce(page, user, { department, keyboard = false }) {
  const portal = portalOf(page);
  const orgId = await salesforceOrg(user.salesforceUsername);
  const how = keyboard ? ", by keyboard" : "";
  await step(`${user.id}: connect Salesforce in its portal and Salesforce's popup, logged in as ${user.salesforceUsername}${how}`, page, async () => {
    const button = card(page, "salesforce").locator(".connect");
    if (keyboard) {
      await page.locator(`#users button[data-user="${user.id}"]`).focus();
      for (let tab = 0; tab < 10 && !(await button.evaluate((b) => b === document.activeElement)); tab += 1) await page.keyboard.press("Tab");
      assert.ok(await button.evaluate((b) => b === document.activeElement), "Tab reaches Connect Salesforce");
      await page.keyboard.press("Enter");
    } else {
      await button.click();
    }
    await portal.locator('body[data-state="ready"]').waitFor();
    assert.equal((await portal.locator("#title").textContent()).trim(), "Salesforce");
    await consent(page, "salesforce", `Salesforce account ${orgId}`, async (popup) => {
      await popup.locator("#org_id").selectOption(orgId);
      await popup.screenshot({ path: shotPath(`${user.id}-salesforce-consent-popup`) });
      await popup.locator("#allow").click();
    });
  });

  await step(`${user.id}: ${department ? `choose the department ${department}, ` : ""}turn on "Sync new contacts to Salesforce" and close the portal${keyboard ? " with Escape" : ""}`, page, async () => {
    await portal.getByRole("tab", { name: "Configuration" }).click();
    if (department) {
      await portal.getByLabel("Department of new contacts").selectOption(department);
      await portal.locator("#shared-form").getByRole("button", { name: "Save" }).click();
      await portal.locator("#shared-form .settings-status", { hasText: "Saved" }).waitFor();
    }
    await turnOn(page, "salesforce", "Sync new contacts to Salesforce");
    if (keyboard) await page.keyboard.press("Escape");
    else await portal.locator("#close").click();
    await page.locator("#paragon-connect-portal").waitFor({ state: "detached" });
  });
  return orgId;
}

/**
 * Creates `contact` through the form; the App Event must start one run per CRM of `types` and
 * the app must show each run succeeded, naming its contact and the CRM it synced to.
 */
async function createContact(page, user, contact, types, alias) {
  const names = types.map((t) => ({ hubspot: "HubSpot", salesforce: "Salesforce" })[t]);
  await step(`${user.id}: create ${contact.email}; the app shows it synced to ${names.join(" and ")}`, page, async () => {
    for (const [name, value] of Object.entries(contact)) await page.locator(`#contact-form [name="${name}"]`).fill(value);
    await page.locator("#create").click();
    const delivered = page.locator("#event-status.ok");
    await delivered.waitFor();
    assert.match(await delivered.textContent(), new RegExp(`${types.length} workflow runs? started`));
    const eventId = await delivered.getAttribute("data-event-id");
    const rows = `#runs tr[data-event-id="${eventId}"]`;
    await page.waitForFunction(
      ([selector, expected]) => {
        const runs = [...document.querySelectorAll(selector)];
        return runs.length === expected && runs.every((r) => ["succeeded", "failed"].includes(r.dataset.status));
      },
      [rows, types.length],
      { timeout: 30_000 },
    );
    for (const [i, type] of types.entries()) {
      const run = page.locator(`${rows}[data-integration="${type}"]`);
      assert.equal(await run.getAttribute("data-status"), "succeeded", `the run to ${type}: ${await run.textContent()}`);
      assert.equal((await run.locator("td.contact").textContent()).trim(), contact.email, "the run names its contact");
      assert.equal((await run.locator("td.integration-name").textContent()).trim(), names[i], "the run names its CRM");
    }
    await page.locator("#outbox .empty").waitFor(); // the outbox delivered it
    await assertAccessible(page, `${user.id}'s runs on a wide screen`);
  }, alias);
}

/** `contact` is once in `user`'s HubSpot account and in no other (with `user` null: in none); answers that contact. */
async function assertInHubSpot(contact, user) {
  let mine;
  for (const other of USERS) {
    const found = await hubspotContacts(other.hubId, contact.email);
    assert.equal(found.length, other.id === user?.id ? 1 : 0, `${contact.email} in ${other.id}'s HubSpot account ${other.hubId}`);
    if (other.id === user?.id) mine = found[0];
  }
  return mine;
}

/** `contact` is one Contact in `user`'s Salesforce org and in no other org; answers that Contact. */
async function assertInSalesforce(contact, user) {
  let mine;
  for (const other of USERS) {
    const found = await salesforceContacts(await salesforceOrg(other.salesforceUsername), contact.email);
    assert.equal(found.length, other.id === user.id ? 1 : 0, `${contact.email} in ${other.id}'s Salesforce org`);
    if (other.id === user.id) mine = found[0];
  }
  return mine;
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
    assert.ok(!body.includes(settings.webhookSecret.replace(/^whsec_/, "")), "the webhook secret reached the browser");
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
    const [maya, leo] = USERS;
    const [ada, grace] = CONTACTS;

    await step("open Acme CRM", page, async () => {
      await page.goto(APP);
      await page.locator('body[data-state="ready"]').waitFor();
      assert.equal(await page.locator("#users button").count(), USERS.length);
      await assertAccessible(page, "before sign-in");
    });

    // Maya connects both CRMs; her contact goes to both.
    await signIn(page, maya);
    const ownerId = await connectHubSpot(page, maya, { portal: "connect-portal" });
    await connectSalesforce(page, maya, {});
    await createContact(page, maya, ada, ["hubspot", "salesforce"], "acme-crm");
    let adaInHubSpot;
    await step(`${maya.id}: ${ada.email} is once in HubSpot account ${maya.hubId} and once in her Salesforce org, with each workflow's fields, and in no other`, page, async () => {
      const inHubSpot = await assertInHubSpot(ada, maya);
      adaInHubSpot = inHubSpot;
      const expected = hubspotFields(ada);
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, inHubSpot.properties[k]])), expected, "the five fields the workflow maps and the phone the user mapped");
      assert.equal(inHubSpot.properties.hubspot_owner_id, ownerId, "the owner chosen in the portal");
      assert.equal(inHubSpot.properties.lifecyclestage, "lead", "the stage's default");
      const inSalesforce = await assertInSalesforce(ada, maya);
      const fields = salesforceFields(ada, "Sales");
      assert.deepEqual(Object.fromEntries(Object.keys(fields).map((k) => [k, inSalesforce[k]])), fields, "the workflow's fields and the department's default");
    });
    await step(`${maya.id}: her connection and ${ada.email}'s last name changed in HubSpot show under "From your CRMs"`, page, async () => {
      const feed = page.locator("#feed");
      await feed.locator("li", { hasText: `You connected HubSpot account ${maya.hubId}` }).waitFor();
      await feed.locator("li", { hasText: "You connected Salesforce" }).waitFor();
      const before = (await hubspotDeliveries()).length;
      await editHubSpotContact(maya.hubId, adaInHubSpot.id, { lastname: "Byron" });
      // HubSpot → platform → workflow → the app's backend → the page's poll (every 2 s).
      const change = feed.locator('li[data-type="contact.changed"]', { hasText: `HubSpot: ${ada.first_name} ${ada.last_name}’s last name is now Byron` });
      await change.waitFor({ timeout: 30_000 });
      assert.equal(await feed.locator('li[data-type="contact.changed"]').count(), 1, "one change (the sync's own writes are not news)");
      assert.equal(await feed.locator("li").first().getAttribute("data-type"), "contact.changed", "newest first");
      const deliveries = (await hubspotDeliveries()).slice(before);
      assert.ok(deliveries.length >= 1, "HubSpot sent the change");
      assert.ok(deliveries.every((d) => d.state === "delivered"), `HubSpot's deliveries: ${JSON.stringify(deliveries)}`);
      await assertAccessible(page, "the feed on a wide screen");
    }, "acme-crm-from-hubspot");
    await step("the app at a phone's width: nothing off-screen, axe-core passes", page, async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await assertFits(page, "390 px wide");
        await assertAccessible(page, "390 px wide");
        await page.screenshot({ fullPage: true, path: path.join(SHOTS, "acme-crm-phone.png") });
        await page.locator("#from-crms").screenshot({ path: path.join(SHOTS, "acme-crm-from-hubspot-phone.png") });
      } finally {
        await page.setViewportSize({ width: 1200, height: 900 });
      }
    });

    // Leo, on the same page as on a shared computer, connects Salesforce only, by keyboard.
    await signIn(page, leo);
    await connectSalesforce(page, leo, { department: "Support", keyboard: true });
    await createContact(page, leo, grace, ["salesforce"]);
    await step(`${leo.id}: ${grace.email} is in his Salesforce org only, in the department he chose, and in no HubSpot account`, page, async () => {
      await assertInHubSpot(grace, null);
      const inSalesforce = await assertInSalesforce(grace, leo);
      const fields = salesforceFields(grace, "Support");
      assert.deepEqual(Object.fromEntries(Object.keys(fields).map((k) => [k, inSalesforce[k]])), fields);
      // His feed is his own: his connection, nothing of Maya's HubSpot.
      await page.locator("#feed li", { hasText: "You connected Salesforce account" }).waitFor();
      assert.equal(await page.locator("#feed li", { hasText: "HubSpot" }).count(), 0, "none of Maya's HubSpot news");
    });

    await step("no user token, API key or private key in the browser's URLs, storage or page", page, () => assertNoSecretInBrowser(context));
    await step("the app's backend signs tokens for its demo users only, renews and shows runs to the signed-in user only", page, async () => {
      const stranger = await fetch(`${APP}/api/session`, { method: "POST", body: JSON.stringify({ userId: "mallory" }) });
      assert.equal(stranger.status, 403);
      assert.equal((await fetch(`${APP}/api/runs`)).status, 401);
      assert.equal((await fetch(`${APP}/api/token`, { method: "POST" })).status, 401);
      assert.equal((await fetch(`${APP}/api/feed`)).status, 401);
    });
    await step("the app's backend refuses a webhook that is not signed with its endpoint's secret, or too large", page, async () => {
      const body = JSON.stringify({ id: "msg_forged", type: "contact.changed", createdAt: new Date().toISOString(), data: { userId: "maya", hubspotId: "1", property: "lastname", value: "Forged" } });
      const headers = { "content-type": "application/json", "webhook-id": "msg_forged", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": "v1,AAAA" };
      assert.equal((await fetch(`${APP}/webhooks/paragon`, { method: "POST", headers, body })).status, 401, "a bad signature");
      assert.equal((await fetch(`${APP}/webhooks/paragon`, { method: "POST", headers, body: "x".repeat(300 * 1024) })).status, 413, "an oversized body");
    });
    await step("the app's backend shows a message signed with its secret once, however often it is delivered", page, async () => {
      // Delivery is at least once: a retry carries the same webhook-id, and must not show twice.
      // Signed here with the endpoint's secret from the settings file, as the platform signs.
      const id = "msg_walk_repeat";
      const body = JSON.stringify({ id, type: "contact.changed", createdAt: new Date().toISOString(), data: { userId: "leo", hubspotId: 999, property: "jobtitle", value: "Tester", changeSource: "CRM_UI" } });
      const timestamp = new Date();
      const headers = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(timestamp / 1000)), "webhook-signature": new Webhook(settings.webhookSecret).sign(id, timestamp, body) };
      for (let attempt = 0; attempt < 2; attempt += 1) {
        assert.equal((await fetch(`${APP}/webhooks/paragon`, { method: "POST", headers, body })).status, 204, `attempt ${attempt + 1}`);
      }
      const shown = page.locator("#feed li", { hasText: "HubSpot: contact 999’s job title is now Tester" });
      await shown.waitFor();
      await page.waitForTimeout(2500); // one more poll of the page
      assert.equal(await shown.count(), 1);
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
