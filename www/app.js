// Acme CRM's page: the guide's steps 4 to 6 with the SDK's public API only. The user token
// comes from the app's backend at sign-in and is handed to `paragon.authenticate`; the page
// keeps no copy of it (the SDK holds it in memory only).
import { paragon } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
/** The App Event's example payload (examples/hubspot-guide/events/contact-created.yaml). */
const GUIDE_CONTACT = { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", company: "Analytical Engines", title: "Engineer", phone: "+44 20 7946 0000" };
const RUNS_EVERY_MS = 1500;
/** How often the "From your CRMs" panel asks the backend what its webhooks brought. */
const FEED_EVERY_MS = 2000;

const config = await (await fetch("/api/config")).json();
paragon.configureGlobal({ host: config.platformUrl });

/**
 * The CRMs a contact syncs to, each with its card on the page (`.integration[data-integration]`),
 * the workflow of the guide that syncs to it (by its name in the portal), and what the user
 * picks in the CRM's own window: their account in the local stand-in.
 */
const INTEGRATIONS = {
  hubspot: {
    name: "HubSpot",
    workflow: "Sync new contacts to HubSpot",
    choose: (u) => `In HubSpot's window, choose account ${u.hubId} (${u.email}): ${u.name}'s HubSpot in the local stand-in.`,
  },
  salesforce: {
    name: "Salesforce",
    workflow: "Sync new contacts to Salesforce",
    choose: (u) => `In Salesforce's window, log in as ${u.salesforceUsername}: ${u.name}'s org in the local stand-in.`,
  },
};

let user = null; // the signed-in demo user
// Workflow id → on or off, as the portal reported the user's changes (onWorkflowChange);
// before any, the platform's answer to sign-in (`getUser()`) says.
let workflowChoices = new Map();
let runsTimer = null;
let feedTimer = null;
let feedShown = ""; // the ids last rendered, so that an unchanged feed is not re-announced

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function renderUsers() {
  $("users").replaceChildren(
    ...config.users.map((u) => {
      const button = element("button", { type: "button", "data-user": u.id, "aria-pressed": String(u.id === user?.id) }, u.name, element("small", {}, u.email));
      button.addEventListener("click", () => signIn(u).catch(showError));
      return button;
    }),
  );
}

/** The id of the guide's workflow that syncs contacts to `type`, once the platform listed it. */
function syncWorkflowId(type) {
  try {
    return paragon.getIntegrationConfig(type).availableWorkflows.find((w) => w.description === INTEGRATIONS[type].workflow)?.id;
  } catch {
    return undefined; // signed out, or the project has no such integration
  }
}

/** Whether the sync workflow to `type` is on for the user: true, false, or null when not known yet. */
function syncEnabled(type, integration) {
  const id = syncWorkflowId(type);
  if (!id) return null;
  if (workflowChoices.has(id)) return workflowChoices.get(id);
  const saved = integration?.workflowSettings?.[id];
  return saved ? saved.enabled === true : null;
}

/** Step 5's state of one CRM, from `getUser()`: connected or not, to which account, and its workflow on or off. */
function renderIntegration(type) {
  const { name, workflow, choose } = INTEGRATIONS[type];
  const card = document.querySelector(`.integration[data-integration="${type}"]`);
  const part = (selector) => card.querySelector(selector);
  const state = paragon.getUser();
  const integration = state.authenticated ? state.integrations[type] : undefined;
  const status = !user ? "signed-out" : { VALID: "connected", INVALID: "invalid" }[integration?.credentialStatus] ?? "not-connected";
  card.dataset.state = status;
  part(".connect").disabled = !user;
  part(".connect").textContent = `${status === "connected" ? "Manage" : "Connect"} ${name}`;
  part(".status").textContent = { "signed-out": "", connected: "Connected", invalid: "Needs reconnecting", "not-connected": "Not connected" }[status];
  // The account is named as the portal names it (docs/sdk.md): "HubSpot account 70001".
  const account = integration?.providerId ? `${name} account ${integration.providerId}` : `your ${name} account`;
  part(".account").textContent = !user ? "Sign in first." : status === "not-connected" ? choose(user) : account;
  part(".account").classList.toggle("hint", status === "not-connected" || status === "signed-out");
  const enabled = user ? syncEnabled(type, integration) : null;
  // What to do next: turn the workflow on, unless it is on already.
  part(".workflow").textContent = !user
    ? ""
    : enabled
      ? `“${workflow}” is on for ${user.name}.`
      : enabled === false && status === "connected"
        ? `“${workflow}” is off for ${user.name}: turn it on in the portal's Configuration tab.`
        : `Then turn on “${workflow}” in the portal's Configuration tab.`;
}

/**
 * The outbox of the signed-in user or of the one signing in: the SDK knows the events an
 * earlier page left before the platform has confirmed the user (or when it cannot be reached).
 */
function renderOutbox() {
  const pending = paragon.pendingEvents();
  $("outbox").replaceChildren(
    ...(pending.length
      ? pending.map((e) => element("li", { "data-event-id": e.id }, `${e.name} for ${e.payload.email ?? "?"}, waiting since ${new Date(e.createdAt).toLocaleTimeString()}`))
      : [element("li", { class: "empty" }, "empty")]),
  );
}

/**
 * A run's state in words: a queued run with an error is backing off after a failed attempt
 * (a run waiting in a delay has none), and says when it tries again.
 */
function runState(run) {
  if (run.status !== "queued" || !run.error) return run.status;
  const wait = Math.max(0, Math.round(((run.nextAttemptAt ?? Date.now()) - Date.now()) / 1000));
  return `retrying (attempt ${run.attempts + 1}, next in ${wait} s)`;
}

function renderRuns(runs) {
  // Each cell carries its column's name, which a narrow screen shows beside the value (app.css).
  const cell = (label, attributes, ...children) => element("td", { "data-label": label, ...attributes }, ...children);
  const rows = runs.map((run) =>
    element(
      "tr",
      { "data-run-id": run.id, "data-event-id": run.eventId ?? "", "data-status": run.status, "data-integration": run.integration?.type ?? "" },
      // When it really started (a scheduled run's jitter delays it; a queued run has not yet),
      // with the tick a scheduled run is for beside it.
      cell("Started", {}, (run.startedAt == null ? "not yet" : new Date(run.startedAt).toLocaleTimeString()) + (run.scheduledAt == null ? "" : ` (scheduled ${new Date(run.scheduledAt).toLocaleTimeString()})`)),
      cell("Contact", { class: "contact" }, run.email ?? ""),
      cell("CRM", { class: "integration-name" }, run.integration?.name ?? "a removed workflow"),
      cell("Status", {}, element("span", { class: `badge ${run.status}` }, runState(run))),
      cell("Attempts", {}, String(run.attempts)),
      cell("Event", {}, element("code", {}, (run.eventId ?? "").slice(0, 8))),
      cell("Error", { class: "error" }, run.error ?? ""),
    ),
  );
  $("runs").tBodies[0].replaceChildren(...(rows.length ? rows : [element("tr", { class: "empty" }, element("td", { colspan: "7" }, "none yet"))]));
}

/**
 * The feed, newest first: each entry in words (the backend words them) with its time. Entries
 * already shown stay in place and new ones are added above them, so that the live region
 * announces the news only, not the whole list again.
 */
function renderFeed(entries) {
  const ids = entries.map((e) => e.id).join();
  if (ids === feedShown) return;
  const item = (e) =>
    element("li", { "data-type": e.type, "data-id": e.id }, element("span", {}, e.text), element("time", { datetime: new Date(e.at).toISOString() }, new Date(e.at).toLocaleTimeString()));
  const shown = feedShown ? feedShown.split(",") : [];
  const fresh = entries.filter((e) => !shown.includes(e.id));
  // Only news on top of what is shown (the oldest may have dropped off): add it; otherwise redraw.
  const kept = entries.slice(fresh.length).map((e) => e.id);
  if (shown.length && fresh.length && entries.slice(0, fresh.length).every((e) => fresh.includes(e)) && kept.every((id, i) => id === shown[i])) {
    $("feed").prepend(...fresh.map(item));
    while ($("feed").children.length > entries.length) $("feed").lastElementChild.remove();
  } else {
    $("feed").replaceChildren(...(entries.length ? entries.map(item) : [element("li", { class: "empty" }, "Nothing yet.")]));
  }
  feedShown = ids;
}

/** Polled while the page is visible: a hidden tab asks nothing, and catches up when shown. */
async function refreshFeed() {
  if (!user || document.visibilityState !== "visible") return;
  const signedIn = user;
  const response = await fetch("/api/feed");
  if (response.ok && user === signedIn) renderFeed((await response.json()).feed);
}

document.addEventListener("visibilitychange", () => refreshFeed().catch(() => {}));

async function refreshRuns() {
  renderOutbox();
  if (!user) return;
  const signedIn = user;
  const response = await fetch("/api/runs");
  if (response.ok && user === signedIn) renderRuns((await response.json()).runs);
}

function status(text, kind = "", eventId = "") {
  Object.assign($("event-status"), { textContent: text, className: kind });
  $("event-status").dataset.eventId = eventId;
}

function showError(error) {
  status(`${error.name ?? "Error"}${error.code ? ` ${error.code}` : ""}: ${error.message}`, "error");
}

/** A fresh user token for the signed-in user (the session cookie says who). */
async function tokenProvider() {
  const response = await fetch("/api/token", { method: "POST" });
  if (!response.ok) throw new Error(`token refresh failed: ${response.status}`);
  return (await response.json()).token;
}

/** Sign-in: the backend answers a fresh user token; the SDK authenticates with it. */
async function signIn(next) {
  paragon.logout(); // the previous user's session ends here (and their portal closes)
  clearInterval(runsTimer);
  clearInterval(feedTimer);
  user = null;
  workflowChoices = new Map();
  status("");
  renderRuns([]);
  renderFeed([]);
  const response = await fetch("/api/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: next.id }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
  // Polls from here: while the platform answers `authenticate`, the outbox already shows what
  // an earlier page left for this user.
  runsTimer = setInterval(() => refreshRuns().catch(() => {}), RUNS_EVERY_MS);
  $("signed-in").textContent = `Signing in as ${next.name}…`;
  const authenticating = paragon.authenticate(config.projectId, (await response.json()).token, {
    metadata: { Email: next.email, Name: next.name },
    // The token lives an hour; the SDK asks for the next one when it is about to expire.
    tokenProvider,
  });
  try {
    await authenticating;
  } catch (error) {
    $("signed-in").textContent = `Signing in as ${next.name} failed`;
    throw error;
  }
  user = next;
  document.body.dataset.user = user.id;
  $("signed-in").textContent = `Signed in as ${user.name}`;
  render();
  feedTimer = setInterval(() => refreshFeed().catch(() => {}), FEED_EVERY_MS);
  await Promise.all([refreshRuns(), refreshFeed()]);
}

function render() {
  renderUsers();
  for (const type of Object.keys(INTEGRATIONS)) renderIntegration(type);
  $("create").disabled = !user;
  renderOutbox();
}

// Step 5: each CRM's Connect Portal. The callbacks keep the page in step with what the user does there.
for (const type of Object.keys(INTEGRATIONS)) {
  document.querySelector(`.integration[data-integration="${type}"] .connect`).addEventListener("click", () => {
    paragon
      .connect(type, {
        onInstall: render,
        onUninstall: render,
        onClose: render,
        onWorkflowChange: (event) => {
          workflowChoices.set(event.workflowId, event.workflowStateChange.enabled);
          render();
        },
        onError: showError,
      })
      .catch(showError);
  });
}

// Step 6: the App Event. It goes through the SDK's durable outbox, so it is not lost when the
// platform cannot be reached; the outbox list shows it until it is delivered.
$("contact-form").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const form = submit.target;
  const payload = Object.fromEntries(new FormData(form));
  status(`Sending Contact Created for ${payload.email}…`);
  const sending = paragon.event("Contact Created", payload);
  renderOutbox();
  try {
    const { id, runs } = await sending;
    const note = runs ? `${runs} workflow run${runs > 1 ? "s" : ""} started` : "no workflow ran: connect HubSpot or Salesforce and turn its workflow on in the portal's Configuration tab";
    // Delivered either way; no run is not an error, only something to do in the portal.
    status(`Contact Created for ${payload.email} delivered (event ${id.slice(0, 8)}): ${note}.`, runs ? "ok" : "neutral", id);
    form.reset();
  } catch (error) {
    showError(error);
  }
  await refreshRuns();
});

$("example").addEventListener("click", () => {
  for (const [name, value] of Object.entries(GUIDE_CONTACT)) $("contact-form").elements[name].value = value;
});

render();
document.body.dataset.state = "ready";
