// The SDK's side of the Connect Portal in headless Chromium, on an app origin different from
// the platform's: the modal dialog it opens (the browser's own: Escape, focus kept in it and
// given back), its card with Retry and Close when the portal cannot load, a denied consent
// as OAUTH_DENIED (portal and headless), the frame full-screen on a phone, and the user
// settings without the portal: getIntegrationConfig, updateIntegrationUserSettings,
// updateWorkflowUserSettings and getFieldOptions against the guide's deployed settings and
// the sandbox's HubSpot owners (its sample colleagues).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, afterEach, before, test } from "node:test";

import { startApp, stopAll } from "./support/app.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { SCREENSHOTS } from "./support/env.mjs";
import { closeWithoutTokens, setUpPlatform } from "./support/platform.mjs";
import { openSdkPage } from "./support/sdk_page.mjs";

const PAGE = `<!doctype html><title>Acme CRM</title><body><h1>Acme CRM</h1>
<button id="open">Connect HubSpot</button> <button id="install">Install headless</button>
<script type="module">
  import { paragon } from "/pkg/index.js";
  window.seen = [];
  document.getElementById("open").addEventListener("click", () => {
    window.connected = paragon.connect("hubspot", {
      theme: window.theme,
      onOpen: () => window.seen.push("onOpen"),
      onClose: () => window.seen.push("onClose"),
      onError: (e) => window.seen.push("onError:" + e.code),
    });
  });
  document.getElementById("install").addEventListener("click", () => {
    window.installing = paragon.installIntegration("hubspot").then(
      (event) => ({ event }),
      (e) => ({ error: { name: e.name, code: e.code, message: e.message } }),
    );
  });
  window.ready = true;
</script></body>`;

let sandbox, app, platform, browser, projectId, signToken, context;
const browserUrls = [];
const tokens = [];

before(async () => {
  app = await startApp({ "/": PAGE });
  ({ sandbox, platform, projectId, signToken } = await setUpPlatform(app.origin));
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterEach(async () => {
  await closeWithoutTokens(context, browserUrls, tokens);
  context = null;
});

after(() => stopAll(browser, platform, sandbox, app));

async function openApp(sub, viewport = { width: 1200, height: 800 }) {
  const token = await signToken(sub);
  tokens.push(token);
  let page;
  ({ context, page } = await openSdkPage(browser, { appOrigin: app.origin, host: platform.url, projectId, token, urls: browserUrls, viewport }));
  return page;
}

/** What the page shows of the SDK's dialog. */
function dialogState(page) {
  return page.evaluate(() => {
    const dialog = document.querySelector("dialog");
    const frame = document.getElementById("paragon-connect-portal");
    return {
      open: !!dialog?.open,
      modal: !!dialog?.matches(":modal"),
      frameShown: !!frame && !frame.hidden,
      card: dialog?.querySelector("[role=alert]")?.textContent ?? null,
      active: document.activeElement?.id || document.activeElement?.tagName,
      seen: window.seen,
    };
  });
}

test("the portal opens in a modal dialog, takes focus, closes on Escape and gives focus back", async () => {
  const page = await openApp("dialog-user");
  await page.locator("#open").focus();
  await page.keyboard.press("Enter");
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator('body[data-state="ready"]').waitFor();
  await page.waitForFunction(() => window.seen.includes("onOpen"));
  let state = await dialogState(page);
  assert.equal(state.open && state.modal, true, "a modal dialog: the app's page is inert behind it");
  assert.equal(state.frameShown, true);
  assert.equal(state.active, "paragon-connect-portal", "focus is in the portal");
  assert.equal(await page.evaluate(() => document.querySelector("#open").matches(":focus")), false);

  // Escape pressed in the portal closes it (the portal says close); focus goes back.
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("dialog"));
  state = await dialogState(page);
  assert.deepEqual(state.seen, ["onOpen", "onClose"]);
  assert.equal(state.active, "open", "focus is back on the button that opened the portal");
  assert.equal(await page.evaluate(async () => (await window.connected) === undefined), true);
});

test("a portal page that cannot load never shows; the SDK's card offers Retry and Close", async () => {
  const page = await openApp("offline-user");
  // The platform's portal page is unreachable (the connection fails), as when it is down.
  const portalPage = (url) => url.pathname === "/ui" && url.origin === platform.url;
  await context.route(portalPage, (route) => route.abort("connectionrefused"));
  await page.locator("#open").click();
  await page.waitForFunction(() => document.querySelector("dialog [role=alert]"), null, { timeout: 15_000 });
  let state = await dialogState(page);
  assert.equal(state.open && state.modal, true);
  assert.equal(state.frameShown, false, "no broken frame is shown");
  assert.match(state.card, /could not be loaded/);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.paragon), "retry", "Retry has focus");
  await page.screenshot({ path: path.join(SCREENSHOTS, "sdk-portal-unreachable.png") });

  // Retry once the platform is back: the portal shows.
  await context.unroute(portalPage);
  await page.keyboard.press("Enter");
  await page.frameLocator("#paragon-connect-portal").locator('body[data-state="ready"]').waitFor();
  await page.waitForFunction(() => window.seen.includes("onOpen"));
  state = await dialogState(page);
  assert.equal(state.frameShown, true);
  assert.equal(state.card, null);
  await page.evaluate(() => window.paragon.closePortal());

  // Close, and a click beside the card, each close the portal.
  await context.route(portalPage, (route) => route.abort("connectionrefused"));
  for (const how of ["close", "backdrop"]) {
    await page.evaluate(() => (window.seen = []));
    await page.locator("#open").click();
    const card = page.locator("dialog [role=alert]");
    await card.waitFor({ timeout: 15_000 });
    if (how === "close") await card.getByRole("button", { name: "Close" }).click();
    else await page.mouse.click(10, 10);
    await page.waitForFunction(() => !document.querySelector("dialog"));
    assert.deepEqual(await page.evaluate(() => window.seen), ["onClose"], how);
  }
  // A click on the card itself does not.
  await page.locator("#open").click();
  const card = page.locator("dialog [role=alert]");
  await card.waitFor({ timeout: 15_000 });
  await card.locator("p").click();
  assert.equal((await dialogState(page)).open, true);
  // Escape with focus on the card closes it too.
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("dialog"));
  await context.unroute(portalPage);
});

test("on a phone the portal's frame fills the screen", async () => {
  const page = await openApp("phone-user", { width: 390, height: 844 });
  await page.locator("#open").click();
  await page.frameLocator("#paragon-connect-portal").locator('body[data-state="ready"]').waitFor();
  await page.waitForFunction(() => window.seen.includes("onOpen"));
  const box = await page.locator("#paragon-connect-portal").boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844]);
  await page.evaluate(() => window.paragon.closePortal());
});

test("a theme other than light, dark or auto is refused before anything opens", async () => {
  const page = await openApp("theme-user");
  const result = await page.evaluate(async () => {
    try {
      await window.paragon.connect("hubspot", { theme: "neon" });
      return "opened";
    } catch (e) {
      return { code: e.code, message: e.message, dialogs: document.querySelectorAll("dialog").length };
    }
  });
  assert.equal(result.code, "INVALID_ARGUMENT");
  assert.match(result.message, /light, dark, auto/);
  assert.equal(result.dialogs, 0);
  // A valid one reaches the portal's address.
  await page.evaluate(() => (window.theme = "dark"));
  await page.locator("#open").click();
  await page.frameLocator("#paragon-connect-portal").locator('body[data-state="ready"]').waitFor();
  const src = await page.locator("#paragon-connect-portal").getAttribute("src");
  assert.match(src, /[?&]theme=dark(&|$)/);
  await page.evaluate(() => window.paragon.closePortal());
});

test("a consent the user turns down is OAUTH_DENIED, in the portal and headless", async () => {
  const page = await openApp("deny-user");
  await page.locator("#open").click();
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator("#connect:not([disabled])").waitFor();
  let [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  await Promise.all([popup.waitForEvent("close", { timeout: 10_000 }), popup.locator("#deny").click()]);
  await page.waitForFunction(() => window.seen.some((s) => s.startsWith("onError")));
  assert.deepEqual((await page.evaluate(() => window.seen)).filter((s) => s.startsWith("onError")), ["onError:OAUTH_DENIED"]);
  await page.evaluate(() => window.paragon.closePortal());

  [popup] = await Promise.all([context.waitForEvent("page"), page.locator("#install").click()]);
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  await popup.locator("#deny").click();
  const result = await page.evaluate(() => window.installing);
  assert.equal(result.error?.code, "OAUTH_DENIED", JSON.stringify(result));
  assert.equal(result.error.name, "ParagonError");
});

test("user settings without the portal: getIntegrationConfig, the setters and getFieldOptions", async () => {
  const page = await openApp("settings-user");
  const before = await page.evaluate(async () => {
    const config = window.paragon.getIntegrationConfig("hubspot");
    let unknown, early;
    try {
      window.paragon.getIntegrationConfig("salesforce");
    } catch (e) {
      unknown = e.code;
    }
    try {
      await window.paragon.updateIntegrationUserSettings("hubspot", { owner: "1" });
    } catch (e) {
      early = { code: e.code, message: e.message };
    }
    return { config, unknown, early };
  });
  const { config } = before;
  assert.ok(config.shortDescription, JSON.stringify(config));
  assert.ok(config.longDescription);
  assert.ok(Array.isArray(config.availableUserSettings) && config.availableUserSettings.length > 0);
  const owner = config.availableUserSettings.find((s) => s.type === "DYNAMIC_ENUM");
  assert.equal(owner.sourceType, "owners");
  assert.equal(config.availableWorkflows.length, 1);
  const workflow = config.availableWorkflows[0];
  assert.ok(workflow.id && workflow.description && Array.isArray(workflow.inputs));
  const stage = workflow.inputs.find((i) => i.type === "ENUM");
  assert.ok(stage, JSON.stringify(workflow));
  assert.deepEqual(config.hiddenWorkflows, []);
  assert.equal(before.unknown, "UNKNOWN_INTEGRATION");
  assert.equal(before.early.code, "INVALID_ARGUMENT");
  assert.match(before.early.message, /not connected hubspot/);

  // Connect headless, then set the settings without the portal.
  const [popup] = await Promise.all([context.waitForEvent("page"), page.locator("#install").click()]);
  await popup.waitForURL((url) => url.href.startsWith(sandbox.url));
  await popup.locator("#grant").click();
  assert.ok((await page.evaluate(() => window.installing)).event);

  const result = await page.evaluate(async ([owner, workflow, stage]) => {
    const first = await window.paragon.getFieldOptions({ integration: "hubspot", source: owner.sourceType });
    const searched = await window.paragon.getFieldOptions({ integration: "hubspot", source: owner.sourceType, search: first.data[0].label.slice(0, 3) });
    let unknownSource;
    try {
      await window.paragon.getFieldOptions({ integration: "hubspot", source: "no-such-source" });
    } catch (e) {
      unknownSource = { code: e.code, status: e.status };
    }
    const saved = await window.paragon.updateIntegrationUserSettings("hubspot", { [owner.id]: first.data[0].value });
    const refused = await window.paragon.updateWorkflowUserSettings("hubspot", workflow.id, { [stage.id]: "no-such-stage" });
    const staged = await window.paragon.updateWorkflowUserSettings("hubspot", workflow.id, { [stage.id]: stage.values[1].value });
    return { first, searched, unknownSource, saved, refused, staged, user: window.paragon.getUser() };
  }, [owner, workflow, stage]);
  assert.ok(result.first.data.length > 0 && result.first.data.every((o) => typeof o.value === "string" && o.label));
  assert.ok("nextPageCursor" in result.first);
  assert.ok(result.searched.data.length >= 1 && result.searched.data.length <= result.first.data.length);
  assert.equal(result.unknownSource.code, "SERVER_ERROR");
  assert.equal(result.unknownSource.status, 404);
  assert.deepEqual(result.saved.errors, []);
  assert.equal(result.saved.userState.integrations.hubspot.sharedSettings[owner.id], result.first.data[0].value);
  assert.equal(result.refused.errors.length, 1);
  assert.match(result.refused.errors[0], /no-such-stage|not one of/);
  assert.deepEqual(result.staged.errors, []);
  const settings = result.user.integrations.hubspot.workflowSettings[workflow.id].settings;
  assert.equal(settings[stage.id], stage.values[1].value, "getUser() after a reload-free update shows it");
  assert.equal(result.user.integrations.hubspot.sharedSettings[owner.id], result.first.data[0].value);

  // The same state after a reload, from the platform.
  const token = tokens.at(-1);
  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  const reloaded = await page.evaluate(async ([host, projectId, token]) => {
    window.paragon.configureGlobal({ host });
    await window.paragon.authenticate(projectId, token);
    return window.paragon.getUser();
  }, [platform.url, projectId, token]);
  assert.equal(reloaded.integrations.hubspot.workflowSettings[workflow.id].settings[stage.id], stage.values[1].value);
});
