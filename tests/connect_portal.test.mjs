// The Connect Portal in headless Chromium on three origins: a page of "the app" frames `/ui`
// of the platform as the SDK does (a modal dialog dimming the page, with one transparent frame
// over the whole window in which the portal draws its card), hands it the user token over a
// MessageChannel, and the user connects the sandbox HubSpot through the consent popup; then
// what the portal does when things go another way (a closed window, Cancel, a denied consent,
// Escape, a click outside the card, Disconnect's confirmation, a failed save), the card as a
// dialog (focus kept in it, full-screen on phones), its look at desktop and phone widths, light
// and dark and in a project's colours, with axe-core's rules, and the attacks on the portal's
// messages and framing.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { SCREENSHOTS } from "./support/env.mjs";
import { paragonCli } from "./support/paragon.mjs";
import { CLIENT_SECRET, setUpPlatform } from "./support/platform.mjs";

const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// The app's page: frames the portal as the SDK does. A modal <dialog> (the top layer) whose own
// background dims the page holds one transparent frame over the whole window, hidden until the
// portal says `ready` on the port, then shown and focused; the portal draws its own card. The
// page does the SDK's side of the handshake, and `close` from the portal removes the dialog, as
// `closePortal()` does. The token is handed over by the test through `evaluate`, never through
// a URL.
const APP_PAGE = `<!doctype html><title>Acme CRM</title>
<style>
  body { margin: 0; font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  header { display: flex; align-items: center; gap: 2rem; padding: .9rem 2rem; background: #14213d; color: #fff; }
  header nav { display: flex; gap: 1.25rem; opacity: .85; }
  main { padding: 1.5rem 2rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  td, th { text-align: left; padding: .6rem .8rem; border-bottom: 1px solid #e3e6eb; }
  dialog.portal { position: fixed; inset: 0; width: 100%; height: 100%; max-width: none; max-height: none; margin: 0; padding: 0; border: 0; background: rgba(0,0,0,.45); }
  dialog.portal::backdrop { background: transparent; }
  #portal { position: fixed; inset: 0; width: 100%; height: 100%; border: 0; background: transparent; visibility: hidden; }
  #portal.ready { visibility: visible; }
</style>
<body>
<header><strong>Acme CRM</strong><nav><span>Contacts</span><span>Deals</span><span>Integrations</span></nav></header>
<main><h1>Contacts</h1>
<table><tr><th>Name</th><th>Email</th><th>Company</th></tr>
<tr><td>Ada Lovelace</td><td>ada@analytical.test</td><td>Analytical Engines</td></tr>
<tr><td>Grace Hopper</td><td>grace@cobol.test</td><td>Navy</td></tr>
<tr><td>Alan Turing</td><td>alan@bletchley.test</td><td>Bletchley Park</td></tr></table></main>
<script>
  window.messages = [];
  window.openPortal = (platform, projectId, token, theme) => new Promise((resolve) => {
    const dialog = document.createElement("dialog");
    dialog.className = "portal";
    const iframe = document.createElement("iframe");
    iframe.id = "portal";
    iframe.title = "Connect Portal";
    iframe.src = platform + "/ui?projectId=" + projectId + "&integration=hubspot&origin=" + encodeURIComponent(location.origin) + (theme ? "&theme=" + theme : "");
    iframe.addEventListener("load", () => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        window.messages.push(event.data);
        if (event.data.type === "ready") {
          iframe.classList.add("ready");
          iframe.focus();
        }
        if (event.data.type === "close") {
          dialog.close();
          dialog.remove();
        }
      };
      iframe.contentWindow.postMessage({ type: "paragon:init", nonce: "n-1", token, integration: "hubspot" }, platform, [channel.port2]);
      resolve();
    }, { once: true });
    // Escape reaches the portal, which says \`close\`; the dialog does not close itself.
    dialog.addEventListener("cancel", (event) => event.preventDefault());
    dialog.appendChild(iframe);
    document.body.appendChild(dialog);
    dialog.showModal();
  });
</script></body>`;

const DESKTOP = { width: 1200, height: 800 };
const PHONE = { width: 390, height: 844 };

let sandbox, app, evil, platform, browser, projectId, signToken, dataDir;
const browserUrls = [];
const userTokens = [];

before(async () => {
  app = await startApp({ "/": APP_PAGE });
  evil = await startApp({ "/": APP_PAGE });
  ({ sandbox, platform, projectId, signToken, dataDir } = await setUpPlatform(app.origin));
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(() => stopAll(browser, platform, sandbox, app, evil));

async function newUser(sub) {
  const token = await signToken(sub);
  userTokens.push(token);
  return token;
}

async function newContext(viewport = DESKTOP, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  context.on("request", (request) => browserUrls.push(request.url()));
  return context;
}

/**
 * Opens the app's page and the portal for `token` (in `theme` when given); resolves once the
 * portal has loaded the user.
 */
async function openPortal(context, token, { origin = app.origin, theme } = {}) {
  const page = await context.newPage();
  page.flowIds = [];
  page.on("response", async (response) => {
    if (response.request().method() === "POST" && response.url().endsWith("/sdk/oauth/flows")) {
      // The context may close before a late answer is read: that flow is not needed then.
      const created = await response.json().catch(() => null);
      if (created) page.flowIds.push(created.flowId);
    }
  });
  await page.goto(`${origin}/`);
  await page.evaluate(([p, id, t, th]) => window.openPortal(p, id, t, th), [platform.url, projectId, token, theme]);
  const portal = page.frameLocator("#portal");
  await portal.locator('body[data-state="ready"]').waitFor();
  await portal.locator("#connect:not([disabled]), #connected:not([hidden])").first().waitFor();
  return { page, portal };
}

/** The portal's frame, for `evaluate`. */
function portalFrame(page) {
  return page.frames().find((f) => f.url().startsWith(`${platform.url}/ui`));
}

/** Presses Connect; resolves with the popup once it shows HubSpot's consent page. */
async function pressConnect(context, portal) {
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  // The popup opens on about:blank; the portal's start form then sends it on to HubSpot.
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  return popup;
}

async function connectUser(context, portal) {
  const popup = await pressConnect(context, portal);
  await popup.locator("#grant").click();
  await portal.locator('body[data-connected="true"]').waitFor();
}

async function me(token) {
  const response = await fetch(`${platform.url}/projects/${projectId}/sdk/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return response.json();
}

async function flowState(token, flowId) {
  const response = await fetch(`${platform.url}/projects/${projectId}/sdk/oauth/flows/${flowId}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return response.json();
}

async function waitForMessage(page, type) {
  await page.waitForFunction((t) => window.messages.some((m) => m.type === t), type, { timeout: 20_000 });
  return page.evaluate((t) => window.messages.find((m) => m.type === t), type);
}

/** Resolves once the portal has said `close` and the app's page has removed its frame. */
async function portalClosed(page) {
  await waitForMessage(page, "close");
  await page.locator("#portal").waitFor({ state: "detached" });
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, " ").trim();

test("a user connects HubSpot through the portal and the consent popup, sees the account as the app names it, then disconnects after confirming", async () => {
  const token = await newUser("user-1");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);
  await portal.getByRole("button", { name: "Connect", exact: true }).waitFor();

  const popup = await pressConnect(context, portal);
  assert.match(await popup.content(), /Acme CRM/);
  assert.equal(await text(portal.locator("#waiting-text")), "Waiting for HubSpot…");
  await popup.locator("#grant").click();

  const installed = await waitForMessage(page, "installed");
  assert.equal(installed.integrationType, "hubspot");
  assert.ok(installed.credentialId);
  await portal.locator('body[data-connected="true"]').waitFor();
  // The name the demo app gives it too (www/app.js): "HubSpot account <hub id>".
  assert.equal(await text(portal.locator("#connected-text")), `Connected as HubSpot account ${sandbox.hubId}`);
  const user = await me(token);
  assert.equal(user.integrations.hubspot.credentialStatus, "VALID");
  assert.equal(user.integrations.hubspot.providerId, String(sandbox.hubId));

  // Disconnect is in the connection's menu and asks first: Cancel keeps the connection.
  await portal.getByRole("button", { name: "Manage the connection" }).click();
  await portal.getByRole("menuitem", { name: "Disconnect" }).click();
  const dialog = portal.getByRole("alertdialog", { name: "Disconnect HubSpot?" });
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.waitForTimeout(300);
  assert.equal((await me(token)).integrations.hubspot.credentialStatus, "VALID", "Cancel keeps the connection");
  assert.equal(await page.evaluate(() => window.messages.some((m) => m.type === "uninstalled")), false);

  // Confirm disconnects.
  await portal.getByRole("button", { name: "Manage the connection" }).click();
  await portal.getByRole("menuitem", { name: "Disconnect" }).click();
  await dialog.getByRole("button", { name: "Disconnect" }).click();
  await waitForMessage(page, "uninstalled");
  await portal.locator('body[data-connected="false"]').waitFor();
  assert.equal((await me(token)).integrations.hubspot.credentialStatus ?? null, null);
  const counters = await sandbox.knob("GET", "/counters");
  assert.ok(counters.revocations >= 1, `the sandbox saw the revocation: ${JSON.stringify(counters)}`);
  await portal.locator("#connect:not([disabled])").waitFor();

  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!storage.includes(token), "no token in the app's storage");
  await context.close();
});

test("the workflows' switches are disabled until the user connects; then a toggle is saved and says so", async () => {
  const token = await newUser("user-workflows");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);

  await portal.getByRole("tab", { name: "Configuration" }).click();
  const toggle = portal.getByRole("switch", { name: "Sync new contacts to HubSpot" });
  await toggle.waitFor();
  assert.equal(await toggle.isDisabled(), true, "no toggling before connecting");
  assert.equal(await toggle.getAttribute("aria-checked"), "false", "default_enabled is false");
  assert.equal(await text(portal.locator("#workflows-locked")), "Connect HubSpot to turn workflows on.");
  await toggle.click({ force: true }).catch(() => {});
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.messages.some((m) => m.type === "workflow-changed")), false);

  await connectUser(context, portal);
  await portal.getByRole("tab", { name: "Configuration" }).click();
  assert.equal(await toggle.isEnabled(), true);
  assert.equal(await portal.locator("#workflows-locked").isVisible(), false);
  await toggle.click();
  const changed = await waitForMessage(page, "workflow-changed");
  assert.deepEqual(changed.workflowStateChange, { enabled: true });
  await portal.locator(".workflow-state", { hasText: "Saved" }).waitFor();
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  const listed = await (await fetch(`${platform.url}/projects/${projectId}/sdk/integrations`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(listed[0].workflows[0].enabled, true);
  assert.equal(listed[0].workflows[0].id, changed.workflowId);

  // A save that fails is said in plain words with a way forward, and the switch goes back.
  await context.route("**/sdk/workflows/**", (route) => route.abort());
  await toggle.click();
  const failure = portal.locator('.workflow-state[data-kind="error"]');
  await failure.waitFor();
  assert.match(await text(failure), /^Couldn't save this change\. We couldn't reach the server\. Check your internet connection, then try again\. Try again$/);
  assert.equal(await toggle.getAttribute("aria-checked"), "true", "the switch shows what is saved");
  await context.unroute("**/sdk/workflows/**");
  await failure.getByRole("button", { name: "Try again" }).click();
  await portal.locator(".workflow-state", { hasText: "Saved" }).waitFor();
  assert.equal(await toggle.getAttribute("aria-checked"), "false");
  await page.waitForFunction(() => window.messages.filter((m) => m.type === "workflow-changed").length === 2);
  await context.close();
});

test("closing HubSpot's window brings Connect back; the abandoned flow ends when the user connects again", async () => {
  const token = await newUser("user-closes");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);

  const popup = await pressConnect(context, portal);
  await portal.locator("#waiting:not([hidden])").waitFor();
  assert.equal(await portal.locator("#connect").isVisible(), false, "no second Connect while waiting");
  await popup.close();

  const notice = portal.locator("#notice");
  await notice.getByText("HubSpot's window was closed before the connection finished. Connect again when you are ready.").waitFor({ timeout: 5_000 });
  await portal.locator("#connect:not([disabled])").waitFor();
  assert.equal(await portal.locator("#waiting").isVisible(), false);
  const [abandoned] = page.flowIds;
  assert.equal((await flowState(token, abandoned)).status, "pending", "a window that only looked closed may still finish");

  // Connect again: a fresh flow, and the abandoned one is ended.
  await connectUser(context, portal);
  assert.equal(page.flowIds.length >= 2, true, "a fresh flow was prepared");
  assert.notEqual(page.flowIds[1], abandoned);
  assert.equal((await flowState(token, abandoned)).status, "failed", "the abandoned flow was ended");
  assert.equal((await me(token)).integrations.hubspot.credentialStatus, "VALID");
  await context.close();
});

test("Cancel while waiting for HubSpot abandons the flow and brings Connect back; a consent given later in that window stores nothing", async () => {
  const token = await newUser("user-cancels");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);

  const popup = await pressConnect(context, portal);
  await portal.getByRole("button", { name: "Cancel" }).click();
  await portal.locator("#connect:not([disabled])").waitFor();
  assert.equal(await portal.locator("#waiting").isVisible(), false);
  assert.equal((await flowState(token, page.flowIds[0])).status, "failed", "the flow was ended on the platform");

  // HubSpot's window cut its opener, so the portal cannot close it; granting there now
  // connects nothing.
  if (!popup.isClosed()) {
    await popup.locator("#grant").click();
    await popup.waitForURL((url) => url.href.startsWith(`${platform.url}/oauth/callback`));
    assert.match(await popup.locator("main").textContent(), /Cannot connect/);
  }
  assert.equal((await me(token)).integrations.hubspot?.credentialStatus ?? null, null);
  assert.equal(await page.evaluate(() => window.messages.some((m) => m.type === "installed")), false);

  // Connect works again, with a fresh flow.
  await connectUser(context, portal);
  assert.notEqual(page.flowIds.at(-1), page.flowIds[0]);
  await context.close();
});

test("a denied consent is said in plain words, with Connect available again", async () => {
  const token = await newUser("user-denies");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);

  const popup = await pressConnect(context, portal);
  await Promise.all([popup.waitForEvent("close", { timeout: 10_000 }), popup.locator("#deny").click()]);

  const notice = portal.locator("#notice");
  await notice.waitFor();
  assert.equal(await text(portal.locator("#notice-text")), "You cancelled the connection to HubSpot. Connect again when you are ready.");
  const shown = await text(notice);
  for (const raw of ["access_denied", "denied access", "error_description", "reference"]) {
    assert.ok(!shown.toLowerCase().includes(raw.toLowerCase()), `${raw} is not shown: ${shown}`);
  }
  await portal.locator("#connect:not([disabled])").waitFor();
  await portal.locator("#connect:focus").waitFor(); // the way forward has the focus
  const state = await flowState(token, page.flowIds[0]);
  assert.equal(state.status, "failed");
  assert.equal(state.reason, "denied");
  const error = await waitForMessage(page, "error");
  assert.equal(error.reason, "denied");
  assert.equal((await me(token)).integrations.hubspot?.credentialStatus ?? null, null);
  await context.close();
});

test("Escape closes the portal; in the connection's menu it closes the menu first", async () => {
  const token = await newUser("user-escape");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);
  await connectUser(context, portal);

  // The menu is keyboard-operable: Enter opens it on its first item, Escape closes it only.
  const menuButton = portal.getByRole("button", { name: "Manage the connection" });
  await menuButton.focus();
  await page.keyboard.press("Enter");
  await portal.getByRole("menu").waitFor();
  assert.equal(await menuButton.getAttribute("aria-expanded"), "true");
  assert.equal(await portalFrame(page).evaluate(() => document.activeElement.id), "disconnect");
  await page.keyboard.press("Escape");
  await portal.getByRole("menu").waitFor({ state: "hidden" });
  assert.equal(await portalFrame(page).evaluate(() => document.activeElement.id), "account-menu-button");
  assert.equal(await page.evaluate(() => window.messages.some((m) => m.type === "close")), false);

  // Escape in the confirmation cancels it, and nothing is disconnected.
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await portal.getByRole("alertdialog").waitFor();
  await page.keyboard.press("Escape");
  await portal.getByRole("alertdialog").waitFor({ state: "hidden" });
  assert.equal((await me(token)).integrations.hubspot.credentialStatus, "VALID");

  await page.keyboard.press("Escape");
  await portalClosed(page);
  await context.close();
});

test("Escape while waiting for HubSpot closes the portal and abandons the flow", async () => {
  const token = await newUser("user-escape-waiting");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);
  await pressConnect(context, portal);
  await portal.locator("#cancel").focus();
  await page.keyboard.press("Escape");
  await waitForMessage(page, "close");
  await page.waitForFunction(() => !document.getElementById("portal"));
  const deadline = Date.now() + 5_000;
  while ((await flowState(token, page.flowIds[0])).status !== "failed" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await flowState(token, page.flowIds[0])).status, "failed");
  await context.close();
});

/** Runs axe-core's rules in the portal's frame; fails on a serious or critical violation. */
async function assertAccessible(page, state) {
  const frame = portalFrame(page);
  if (!(await frame.evaluate(() => typeof window.axe === "object"))) await frame.evaluate(AXE);
  const results = await frame.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe-core in the state "${state}"`,
  );
}

/** Nothing of the portal is off-screen horizontally: no sideways scroll, every visible control inside. */
async function assertFits(page, state) {
  const outside = await portalFrame(page).evaluate(() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) found.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
    for (const element of document.querySelectorAll("button, [role=switch], h1, p, li")) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.left < 0 || box.right > width + 0.5) found.push(`${element.id || element.className || element.tagName}: ${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
    }
    return found;
  });
  assert.deepEqual(outside, [], `off-screen in the state "${state}"`);
}

for (const [label, viewport, theme] of [["desktop", DESKTOP], ["390", PHONE], ["desktop-dark", DESKTOP, "dark"], ["390-dark", PHONE, "dark"]]) {
  test(`the portal's states at ${label} px: screenshots, nothing off-screen, no serious axe-core violation`, async () => {
    const token = await newUser(`user-look-${label}`);
    const context = await newContext(viewport);
    const { page, portal } = await openPortal(context, token, { theme });
    if (theme === "dark") assert.equal(await cardColour(page), "rgb(23, 26, 33)", "the dark palette's card");
    const shoot = async (state) => {
      await assertFits(page, state);
      await assertAccessible(page, state);
      await page.screenshot({ path: path.join(SCREENSHOTS, `portal-${label}-${state}.png`) });
    };

    await shoot("not-connected");
    await portal.getByRole("tab", { name: "Configuration" }).click();
    await shoot("configuration-not-connected");
    await portal.getByRole("tab", { name: "Overview" }).click();

    const popup = await pressConnect(context, portal);
    await page.bringToFront();
    await shoot("waiting");
    await Promise.all([popup.waitForEvent("close", { timeout: 10_000 }), popup.locator("#deny").click()]);
    await portal.locator("#notice").waitFor();
    await portal.locator("#connect:not([disabled])").waitFor();
    await shoot("denied");

    await connectUser(context, portal);
    await page.bringToFront();
    await shoot("connected");
    await portal.getByRole("tab", { name: "Configuration" }).click();
    await portal.getByRole("switch").click();
    await portal.locator(".workflow-state", { hasText: "Saved" }).waitFor();
    await shoot("configuration");
    await portal.getByRole("tab", { name: "Overview" }).click();
    await portal.getByRole("button", { name: "Manage the connection" }).click();
    await portal.getByRole("menu").waitFor();
    await shoot("menu");
    await portal.getByRole("menuitem", { name: "Disconnect" }).click();
    await portal.getByRole("alertdialog").waitFor();
    await shoot("confirmation");
    await context.close();
  });
}

/** The card's background colour, as the browser computed it. */
function cardColour(page) {
  return portalFrame(page).evaluate(() => getComputedStyle(document.getElementById("portal")).backgroundColor);
}

/** The card's box in the frame, which covers the app's window: page coordinates too. */
/** The card's box once its entrance animation has ended (a box read mid-animation is scaled). */
function cardBox(page) {
  return portalFrame(page).evaluate(async () => {
    const card = document.getElementById("portal");
    await Promise.all(card.getAnimations().map((animation) => animation.finished));
    const { left, top, right, bottom } = card.getBoundingClientRect();
    return { left, top, right, bottom };
  });
}

const closed = (page) => page.evaluate(() => window.messages.some((m) => m.type === "close"));

test("the frame shows the app's page through: no background and no colour scheme on the portal's root", async () => {
  const token = await newUser("user-transparent");
  const context = await newContext();
  const { page } = await openPortal(context, token, { theme: "dark" });

  const root = await portalFrame(page).evaluate(() => ({
    html: getComputedStyle(document.documentElement).backgroundColor,
    body: getComputedStyle(document.body).backgroundColor,
    scheme: getComputedStyle(document.documentElement).colorScheme,
  }));

  // A root scheme other than the app's would make Chromium paint an opaque canvas behind it.
  assert.deepEqual(root, { html: "rgba(0, 0, 0, 0)", body: "rgba(0, 0, 0, 0)", scheme: "normal" });
  const card = await cardBox(page);
  assert.ok(card.right - card.left <= 720 && card.bottom - card.top <= 640, JSON.stringify(card));
  assert.ok(card.left > 200 && card.top > 50, `the card is centred: ${JSON.stringify(card)}`);
  const dialog = await portalFrame(page).evaluate(() => {
    const card = document.getElementById("portal");
    return [card.getAttribute("role"), card.getAttribute("aria-modal"), card.getAttribute("aria-labelledby")];
  });
  assert.deepEqual(dialog, ["dialog", "true", "title"]);
  await context.close();
});

test("a click outside the card closes the portal; a click inside it, or a drag that ends outside, does not", async () => {
  const token = await newUser("user-clicks-outside");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);
  const card = await cardBox(page);

  await portal.locator("#tagline").click();
  await portal.getByRole("tab", { name: "Configuration" }).click();
  // Pressed in the card (selecting its text), released on the dim.
  await page.mouse.move(card.left + 40, card.top + 30);
  await page.mouse.down();
  await page.mouse.move(card.left - 60, card.top + 30, { steps: 4 });
  await page.mouse.up();
  // Pressed on the dim, released in the card.
  await page.mouse.move(card.left - 60, card.bottom - 20);
  await page.mouse.down();
  await page.mouse.move(card.left + 60, card.bottom - 20, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  assert.equal(await closed(page), false, "the portal stays open");

  await page.mouse.click(card.left - 40, card.top + 40);

  await portalClosed(page);
  await context.close();
});

test("the portal opens with Connect focused, and Tab and Shift+Tab stay in the card, wrapping at its ends", async () => {
  const token = await newUser("user-tabs");
  const context = await newContext();
  const { page } = await openPortal(context, token);
  const frame = portalFrame(page);
  const focused = () => frame.evaluate(() => document.activeElement.id);
  await frame.waitForFunction(() => document.activeElement.id === "connect");

  await page.keyboard.press("Shift+Tab");
  assert.equal(await focused(), "panel-overview", "Shift+Tab on the first control goes to the last");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "connect", "Tab on the last goes to the first");

  const seen = [];
  for (let i = 0; i < 9; i += 1) {
    await page.keyboard.press("Tab");
    seen.push(await focused());
    assert.equal(await frame.evaluate(() => document.getElementById("portal").contains(document.activeElement)), true, `Tab ${i + 1} stays in the card`);
    assert.equal(await page.evaluate(() => document.activeElement.id), "portal", "the app's page never gets the focus");
  }
  assert.deepEqual(seen.slice(0, 4), ["close", "tab-overview", "panel-overview", "connect"]);
  for (let i = 0; i < 5; i += 1) await page.keyboard.press("Shift+Tab");
  assert.equal(await frame.evaluate(() => document.getElementById("portal").contains(document.activeElement)), true);
  await context.close();
});

for (const width of [390, 360]) {
  test(`at ${width} px the card is the whole screen, with Close on it however far the content scrolls`, async () => {
    const token = await newUser(`user-phone-${width}`);
    const context = await newContext({ width, height: 740 });
    const { page, portal } = await openPortal(context, token);

    assert.deepEqual(await cardBox(page), { left: 0, top: 0, right: width, bottom: 740 });
    await portal.getByRole("tab", { name: "Configuration" }).click();
    await portalFrame(page).evaluate(() => document.querySelector(".content").scrollTo(0, 100000));
    const close = await portal.getByRole("button", { name: "Close" }).boundingBox();
    assert.ok(close.x >= 0 && close.y >= 0 && close.x + close.width <= width && close.y + close.height <= 740, JSON.stringify(close));
    await assertFits(page, `${width} px`);
    await portal.getByRole("button", { name: "Close" }).click();
    await portalClosed(page);
    await context.close();
  });
}

test("under prefers-reduced-motion nothing in the portal moves", async () => {
  const token = await newUser("user-still");
  const context = await newContext(DESKTOP, { reducedMotion: "reduce" });
  const { page, portal } = await openPortal(context, token);
  const popup = await pressConnect(context, portal);

  const animations = await portalFrame(page).evaluate(() => [
    getComputedStyle(document.querySelector(".spinner")).animationName,
    getComputedStyle(document.getElementById("portal")).animationName,
    getComputedStyle(document.querySelector(".switch")).transitionDuration,
  ]);

  assert.deepEqual(animations, ["none", "none", "0s"]);
  await popup.close();
  await context.close();
});

test("a project's appearance.yaml: its accent, radius and font, and `theme: auto` following the system's dark mode", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "portal-appearance-"));
  cpSync(GUIDE, dir, { recursive: true });
  writeFileSync(path.join(dir, "appearance.yaml"), 'accent: "#4A154B"\ntheme: auto\nfont: "Georgia, serif"\nradius: 16\n');
  await paragonCli(dataDir, ["deploy", "--project", projectId, dir]);
  try {
    const token = await newUser("user-appearance");
    const light = await newContext();
    const { page, portal } = await openPortal(light, token);
    const connect = await portal.locator("#connect").evaluate((button) => {
      const style = getComputedStyle(button);
      return [style.backgroundColor, style.color, style.borderTopLeftRadius, style.fontFamily];
    });
    assert.deepEqual(connect, ["rgb(74, 21, 75)", "rgb(255, 255, 255)", "16px", "Georgia, serif"]);
    const listed = await (await fetch(`${platform.url}/projects/${projectId}/sdk/integrations`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(listed[0].configs[0].values.accentColor, "#4a154b", "Paragon's accentColor");
    await assertAccessible(page, "accent");
    await page.screenshot({ path: path.join(SCREENSHOTS, "portal-desktop-accent.png") });
    await light.close();

    const dark = await newContext(DESKTOP, { colorScheme: "dark" });
    const night = await openPortal(dark, token);
    assert.equal(await cardColour(night.page), "rgb(23, 26, 33)", "auto follows the system's dark mode");
    // The aubergine is lightened until it reads on the night card.
    const fill = await night.portal.locator("#connect").evaluate((button) => getComputedStyle(button).backgroundColor);
    assert.notEqual(fill, "rgb(74, 21, 75)");
    await assertAccessible(night.page, "accent, dark");
    await night.page.screenshot({ path: path.join(SCREENSHOTS, "portal-desktop-accent-dark.png") });
    await dark.close();
  } finally {
    // The other tests use the guide as shipped.
    await paragonCli(dataDir, ["deploy", "--project", projectId, GUIDE]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an unknown theme in the portal's address is refused in plain words", async () => {
  const response = await fetch(`${platform.url}/ui?projectId=${projectId}&integration=hubspot&origin=${encodeURIComponent(app.origin)}&theme=sepia`);
  assert.equal(response.status, 400);
  assert.match(await response.text(), /Unknown theme: use light, dark or auto/);
});

test("an init message from a window that is not the framing page is ignored", async () => {
  const token = await newUser("user-1");
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
  const token = await newUser("user-forged");
  const context = await newContext();
  const { page, portal } = await openPortal(context, token);
  const popup = await pressConnect(context, portal);

  // The app page (not the popup, not the platform's origin) claims the flow is done.
  await page.evaluate((p) => {
    document.getElementById("portal").contentWindow.postMessage({ type: "paragon:oauth", flowId: "anything", status: "done" }, p);
  }, platform.url);
  await page.waitForTimeout(500);

  assert.equal(await page.evaluate(() => window.messages.some((m) => m.type === "installed")), false);
  assert.notEqual((await me(token)).integrations.hubspot?.credentialStatus, "VALID");
  await popup.close();
  await context.close();
});

const GUIDE = path.join(path.dirname(new URL(import.meta.url).pathname), "../examples/hubspot-guide");

/** The contact with `email` in the sandbox account, once it is there. */
async function contactIn(email) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = (await sandbox.knob("GET", `/accounts/${sandbox.hubId}/contacts`)).find((c) => c.properties.email === email);
    if (found) return found;
    assert.ok(Date.now() < deadline, `${email} reached HubSpot`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("the Overview shows what the project wrote, rendered from Markdown without any of its markup", async () => {
  const token = await newUser("user-overview");
  const context = await newContext();
  const { portal } = await openPortal(context, token);

  await portal.locator("#overview li").first().waitFor();
  assert.equal(await text(portal.locator("#tagline")), "Send the contacts you create in Acme CRM to your HubSpot account.");
  assert.equal(await portal.locator("#overview li").count(), 3);
  assert.ok(!(await text(portal.locator("#overview"))).includes("- "), "no list markers left as text");
  await context.close();
});

test("the user's settings: the owner listed from their HubSpot and searched, the stage with its default; saved values reach the contact", async () => {
  const token = await newUser("user-settings");
  const context = await newContext();
  const { portal } = await openPortal(context, token);
  await portal.getByRole("tab", { name: "Configuration" }).click();
  const owner = portal.getByLabel("Owner of new contacts", { exact: true });
  const stage = portal.getByLabel("Lifecycle stage of new contacts");
  assert.equal(await owner.isDisabled(), true, "settings wait for the connection");

  await connectUser(context, portal);
  await portal.getByRole("tab", { name: "Configuration" }).click();
  await portal.locator("#shared-form option", { hasText: "grace.hopper" }).waitFor({ state: "attached" });
  const listed = await owner.locator("option").count();
  await portal.getByRole("searchbox", { name: "Search Owner of new contacts" }).fill("grace");
  await portal.locator("#shared-form .dynamic").waitFor();
  const deadline = Date.now() + 5_000;
  while ((await owner.locator("option").count()) >= listed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await owner.locator("option").count(), 2, "None and Grace: the search filtered the owners");
  const grace = await owner.locator("option", { hasText: "grace.hopper" }).getAttribute("value");
  await owner.selectOption(grace);
  await portal.locator("#shared-form").getByRole("button", { name: "Save" }).click();
  await portal.locator("#shared-form .settings-status", { hasText: "Saved" }).waitFor();
  assert.equal(await stage.inputValue(), "lead", "the default shows");
  await stage.selectOption("customer");
  await portal.locator(".workflow-settings").getByRole("button", { name: "Save" }).click();
  await portal.locator(".workflow-settings .settings-status", { hasText: "Saved" }).waitFor();
  await portal.getByRole("switch").click();
  await portal.locator(".workflow-state", { hasText: "Saved" }).waitFor();

  const hubspot = (await me(token)).integrations.hubspot;
  assert.equal(hubspot.sharedSettings.owner, grace);
  const sent = await fetch(`${platform.url}/projects/${projectId}/sdk/events/trigger`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "Contact Created", payload: { email: "settings@acme.test", first_name: "Set" } }),
  });
  assert.equal(sent.status, 201);
  const contact = await contactIn("settings@acme.test");
  assert.equal(contact.properties.hubspot_owner_id, grace);
  assert.equal(contact.properties.lifecyclestage, "customer");
  await context.close();
});

test("a required setting keeps its workflow off, saying which, until the user fills it in", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "portal-required-"));
  cpSync(GUIDE, dir, { recursive: true });
  const file = path.join(dir, "workflows", "sync-contact.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace("settings:\n", "settings:\n  - { id: team, title: Sales team, type: text, required: true }\n"));
  await paragonCli(dataDir, ["deploy", "--project", projectId, dir]);
  try {
    const token = await newUser("user-required");
    const context = await newContext();
    const { portal } = await openPortal(context, token);
    await connectUser(context, portal);
    await portal.getByRole("tab", { name: "Configuration" }).click();

    await portal.getByRole("switch").click();
    await portal.locator(".workflow-state", { hasText: "fill in “Sales team”" }).waitFor();
    assert.equal(await portal.getByRole("switch").getAttribute("aria-checked"), "false");
    await portal.getByLabel("Sales team (required)").fill("North");
    await portal.locator(".workflow-settings").getByRole("button", { name: "Save" }).click();
    await portal.locator(".workflow-settings .settings-status", { hasText: "Saved" }).waitFor();
    await portal.getByRole("switch").click();
    await portal.locator(".workflow-state", { hasText: "Saved" }).waitFor();

    assert.equal(await portal.getByRole("switch").getAttribute("aria-checked"), "true");
    await context.close();
  } finally {
    // The other tests use the guide as shipped.
    await paragonCli(dataDir, ["deploy", "--project", projectId, GUIDE]);
    rmSync(dir, { recursive: true, force: true });
  }
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
  const secrets = [...userTokens, CLIENT_SECRET, ...tokens.accessTokens, ...tokens.refreshTokens];
  assert.ok(tokens.accessTokens.length > 0 && tokens.refreshTokens.length > 0, "the connect test issued tokens");
  const received = (await sandbox.knob("GET", "/requests")).map((r) => r.path ?? r.url ?? JSON.stringify(r));

  for (const url of [...browserUrls, ...received]) {
    for (const secret of secrets) {
      assert.ok(!url.includes(secret), `a secret is in ${url.slice(0, 80)}…`);
    }
  }
  assert.ok(browserUrls.length > 10 && received.length > 3, "the URLs were recorded");
});
