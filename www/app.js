// Acme CRM's page: the guide's steps 4 to 6 with the SDK's public API only. The user token
// comes from the app's backend at sign-in and is handed to `paragon.authenticate`; the page
// keeps no copy of it (the SDK holds it in memory only).
import { paragon } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
/** The App Event's example payload (examples/hubspot-guide/events/contact-created.yaml). */
const GUIDE_CONTACT = { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", company: "Analytical Engines", title: "Engineer", phone: "+44 20 7946 0000" };
const RUNS_EVERY_MS = 1500;

const config = await (await fetch("/api/config")).json();
paragon.configureGlobal({ host: config.platformUrl });

let user = null; // the signed-in demo user
let workflowEnabled = null; // from getUser() after sign-in, then from the portal's changes
let runsTimer = null;

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

/** Step 5's state, from `getUser()`: connected or not, to which HubSpot account, and the workflow on or off. */
function renderHubspot() {
  const state = paragon.getUser();
  const hubspot = state.authenticated ? state.integrations.hubspot : undefined;
  // The user's choice as the platform holds it (`workflowSettings.<id>.enabled`): the guide
  // deploys one workflow. Only the portal's changes move it afterwards.
  if (workflowEnabled === null && user) {
    const known = Object.values(hubspot?.workflowSettings ?? {})[0];
    if (known) workflowEnabled = known.enabled === true;
  }
  const connected = hubspot?.credentialStatus === "VALID";
  document.body.dataset.hubspot = connected ? "connected" : "not-connected";
  $("connect").disabled = !user;
  $("connect").textContent = connected ? "Manage HubSpot" : "Connect HubSpot";
  $("create").disabled = !user;
  $("hubspot-status").className = connected ? "connected" : "";
  if (!user) {
    $("hubspot-status").textContent = "Sign in first.";
    $("hubspot-hint").textContent = "";
  } else if (connected) {
    $("hubspot-status").textContent = `Connected to HubSpot account ${hubspot.providerId}.`;
    $("hubspot-hint").textContent = "Open the portal again to disconnect or to change the workflow.";
  } else {
    $("hubspot-status").textContent = hubspot?.credentialStatus === "INVALID" ? "HubSpot needs reconnecting." : "HubSpot is not connected.";
    $("hubspot-hint").textContent = `In HubSpot's window, choose account ${user.hubId} (${user.email}): ${user.name}'s HubSpot in the local sandbox.`;
  }
  $("workflow-status").textContent = !user
    ? ""
    : workflowEnabled === null
      ? "Then turn on “Sync new contacts to HubSpot” in the portal's Configuration tab."
      : `“Sync new contacts to HubSpot” is ${workflowEnabled ? "on" : "off"} for ${user.name}.`;
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
  const rows = runs.map((run) =>
    element(
      "tr",
      { "data-run-id": run.id, "data-event-id": run.eventId ?? "", "data-status": run.status },
      element("td", {}, new Date(run.createdAt).toLocaleTimeString()),
      element("td", { class: "contact" }, run.email ?? ""),
      element("td", {}, element("span", { class: `badge ${run.status}` }, runState(run))),
      element("td", {}, String(run.attempts)),
      element("td", {}, element("code", {}, (run.eventId ?? "").slice(0, 8))),
      element("td", {}, run.error ?? ""),
    ),
  );
  $("runs").tBodies[0].replaceChildren(...(rows.length ? rows : [element("tr", { class: "empty" }, element("td", { colspan: "6" }, "none yet"))]));
}

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
  user = null;
  workflowEnabled = null;
  status("");
  renderRuns([]);
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
  await refreshRuns();
}

function render() {
  renderUsers();
  renderHubspot();
  renderOutbox();
}

// Step 5: the Connect Portal. The callbacks keep the page in step with what the user does there.
$("connect").addEventListener("click", () => {
  paragon
    .connect("hubspot", {
      onInstall: render,
      onUninstall: render,
      onClose: render,
      onWorkflowChange: (event) => {
        workflowEnabled = event.workflowStateChange.enabled;
        render();
      },
      onError: showError,
    })
    .catch(showError);
});

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
    const note = runs ? `${runs} workflow run${runs > 1 ? "s" : ""} started` : "no workflow ran: connect HubSpot and turn the workflow on in the portal's Configuration tab";
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
