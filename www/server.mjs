// The backend of "Acme CRM", the guide's demo app. It does what the guide's step 4 asks of a
// real app's backend: it signs each signed-in user's token with the project's private key, so
// the key never reaches the browser. It also reads the user's workflow runs from the
// platform's Task History with the project's API key, which stays here too, and says which
// integration (HubSpot, Salesforce) each run synced to. And it receives the platform's signed
// webhooks (`POST /webhooks/paragon`): HubSpot's contact changes and the users' connections,
// listed per user under "From your CRMs" (`GET /api/feed`).
//
//   node www/server.mjs --settings FILE [--port 3000]
//
// FILE (written by `cargo xtask demo`) is JSON: { platformUrl, projectId, apiKey, kid,
// signingKeyFile, webhookSecret }. Prints `acme-crm listening on URL` once it listens (`--port
// 0`: a free port).
import { createPrivateKey, randomBytes, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { Webhook } from "standardwebhooks";

import { Feed, connectionText, contactChangedText, runFailedText } from "./feed.mjs";

const WWW = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.resolve(WWW, "../pkg");
/** A user token lives one hour: long enough for a demo session, short if it leaks. */
const TOKEN_TTL_SECS = 3600;

const { values: args } = parseArgs({ options: { settings: { type: "string" }, port: { type: "string", default: "3000" } } });
if (!args.settings) {
  console.error("usage: node www/server.mjs --settings FILE [--port N]");
  process.exit(2);
}
const settings = JSON.parse(readFileSync(args.settings, "utf8"));
const privateKey = createPrivateKey(readFileSync(settings.signingKeyFile));
const USERS = JSON.parse(readFileSync(path.join(WWW, "demo-users.json"), "utf8"));

/** Sign-in sessions: a random cookie value names the user, as any web app's login would. */
const sessions = new Map();

/** The guide's step 4: an RS256 JWT with `sub`, `iat` and `exp`, signed with node:crypto. */
function signUserToken(userId) {
  const now = Math.floor(Date.now() / 1000);
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${part({ alg: "RS256", typ: "JWT", kid: settings.kid })}.${part({ sub: userId, iat: now, exp: now + TOKEN_TTL_SECS })}`;
  return `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
}

/** A GET of the platform's Task History with the project's API key. */
async function taskHistory(path, query = {}) {
  const url = new URL(`/projects/${settings.projectId}/task-history/workflow-executions${path}`, settings.platformUrl);
  url.search = new URLSearchParams(query);
  const response = await fetch(url, { headers: { Authorization: `Bearer ${settings.apiKey}` } });
  if (!response.ok) throw new Error(`Task History answered ${response.status}`);
  return response.json();
}

// Run id → the contact's email, read once from the run's `trigger` (a run's trigger never
// changes). Bounded: the page shows the latest 20 runs of a user.
const emails = new Map();
const MAX_EMAILS = 1000;

async function contactEmail(runId) {
  if (!emails.has(runId)) {
    const { trigger } = await taskHistory(`/${encodeURIComponent(runId)}`);
    if (emails.size >= MAX_EMAILS) emails.delete(emails.keys().next().value);
    emails.set(runId, contactOfTrigger(trigger?.payload));
  }
  return emails.get(runId);
}

/**
 * The contact a run is about, as the runs table names it: the App Event's email, or, for a
 * run started by HubSpot's webhook (examples/hubspot-two-way), HubSpot's contact id and the
 * property that changed there (short: the table must fit beside the sign-in column).
 */
function contactOfTrigger(payload) {
  if (typeof payload?.email === "string") return payload.email;
  if (payload?.objectId != null && payload?.propertyName) return `#${payload.objectId} ${payload.propertyName} changed`; // the CRM column says HubSpot
  return null;
}

// Workflow id → its integration, `{ type, name }`. Task History names a run's workflow by id
// only; the one list that says which integration each workflow is of is the project's list of
// integrations, answered to a user token (the SDK's `GET /sdk/integrations`), which this
// backend signs anyway. Read again when a run names a workflow not seen yet (a new deploy);
// a workflow still unknown after that (one a later deploy removed) is remembered as such.
const integrations = new Map();
let integrationsRead = null; // the read in flight, shared by the runs that wait for it

async function integrationOf(userId, workflowId) {
  if (!integrations.has(workflowId)) {
    integrationsRead ??= readIntegrations(userId).finally(() => (integrationsRead = null));
    await integrationsRead;
    if (!integrations.has(workflowId)) integrations.set(workflowId, null);
  }
  return integrations.get(workflowId);
}

async function readIntegrations(userId) {
  const url = new URL(`/projects/${settings.projectId}/sdk/integrations`, settings.platformUrl);
  const response = await fetch(url, { headers: { Authorization: `Bearer ${signUserToken(userId)}` } });
  if (!response.ok) throw new Error(`the project's integrations answered ${response.status}`);
  for (const { type, name, workflows } of await response.json()) {
    for (const workflow of workflows) integrations.set(workflow.id, { type, name });
  }
}

/** The signed-in user's runs, newest first, from the platform's Task History. */
async function workflowRuns(userId) {
  const { data } = await taskHistory("", { userId, limit: "20" });
  // Only what the page shows: the app decides what leaves its backend.
  return Promise.all(
    data.map(async ({ id, workflowId, eventId, status, attempts, error, createdAt, startedAt, finishedAt, nextAttemptAt, scheduledAt }) => ({
      id, eventId, status, attempts, error, createdAt, startedAt, finishedAt, nextAttemptAt, scheduledAt,
      email: await contactEmail(id),
      integration: await integrationOf(userId, workflowId),
    })),
  );
}

// The platform's webhooks (docs/webhooks.md, "Out"). The endpoint is made once this server
// listens (its URL has the port), so its secret reaches the settings file after the start: read
// it again until it is there. It is never logged nor sent to the page.
let webhook = null;
function webhookVerifier() {
  if (!webhook) {
    const secret = settings.webhookSecret ?? JSON.parse(readFileSync(args.settings, "utf8")).webhookSecret;
    if (secret) webhook = new Webhook(secret);
  }
  return webhook;
}

/** The largest webhook body read: the platform's notifications carry at most 256 KiB of data. */
const MAX_WEBHOOK_BYTES = 256 * 1024 + 4096;
/** Message ids seen, to drop repeats (delivery is at least once); the latest MAX_SEEN only. */
const seenMessages = new Set();
const MAX_SEEN = 5000;
const feed = new Feed();

class TooLarge extends Error {}

async function readRaw(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new TooLarge(`over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The 204 is sent first: the platform's delivery waits for nothing the app does with it. */
async function receiveWebhook(req, res) {
  if (Number(req.headers["content-length"]) > MAX_WEBHOOK_BYTES) return json(res, 413, { message: "webhook body too large" }, { connection: "close" });
  let raw;
  try {
    raw = await readRaw(req, MAX_WEBHOOK_BYTES);
  } catch (error) {
    if (!(error instanceof TooLarge)) throw error;
    return json(res, 413, { message: "webhook body too large" }, { connection: "close" });
  }
  const verifier = webhookVerifier();
  if (!verifier) return json(res, 503, { message: "no webhook secret yet" });
  let message;
  try {
    // Throws on a wrong or missing signature and on a timestamp more than 5 minutes off.
    message = verifier.verify(raw, req.headers);
  } catch (error) {
    console.error(`webhook refused (${req.headers["webhook-id"] ?? "no webhook-id"}): ${error.message}`);
    return json(res, 401, { message: "bad webhook signature" });
  }
  res.writeHead(204).end();
  const id = req.headers["webhook-id"];
  if (seenMessages.has(id)) return;
  seenMessages.add(id);
  if (seenMessages.size > MAX_SEEN) seenMessages.delete(seenMessages.values().next().value);
  await heard(id, message).catch((error) => console.error(`webhook ${id} (${message.type}): ${error.message}`));
}

/** One verified message into its user's feed. */
async function heard(id, { type, createdAt, data }) {
  const userId = data?.userId;
  if (!USERS.some((u) => u.id === userId)) return console.error(`webhook ${id} (${type}): no demo user ${JSON.stringify(userId)}`);
  const at = Date.parse(createdAt) || Date.now();
  if (type === "contact.changed") {
    // The app's own writes come back too (HubSpot sends every change): an `API` change is the
    // platform's sync of Acme CRM's contact, so not news. A person's edit is `CRM_UI`.
    if (data.changeSource === "API") return;
    const contact = await contactOfHubSpotId(userId, data.hubspotId).catch(() => null);
    const occurred = Number(data.occurredAt) || at;
    return feed.add(userId, { id, at: occurred, type, integration: "hubspot", text: contactChangedText(data, contact) });
  }
  const text = type === "run.failed" ? runFailedText(data) : connectionText(type, data);
  if (text) feed.add(userId, { id, at, type, integration: data.integration ?? null, text });
}

// HubSpot id → Acme CRM's record of that contact, as sent in the App Event that made it. This
// demo app keeps no contact store of its own, so it finds the run of the user's that created it
// in HubSpot (Task History: the run's trigger is the App Event, its step's output HubSpot's
// answer with the id). A real app would have saved HubSpot's id on its contact. Each finished
// run is read once (its detail does not change), the ids it answered remembered; both bounded.
const contactsByHubSpotId = new Map();
const runsRead = new Set();
const MAX_REMEMBERED = 5000;

function remember(collection, key, value) {
  if (collection.size >= MAX_REMEMBERED) collection.delete(collection.keys().next().value);
  if (collection instanceof Map) collection.set(key, value);
  else collection.add(key);
}

async function contactOfHubSpotId(userId, hubspotId) {
  const key = `${userId}\n${hubspotId}`;
  if (!contactsByHubSpotId.has(key)) {
    const { data } = await taskHistory("", { userId, status: "succeeded", limit: "50" });
    for (const run of data.filter((r) => !runsRead.has(r.id))) {
      remember(runsRead, run.id);
      const { trigger, outputs } = await taskHistory(`/${encodeURIComponent(run.id)}`);
      const contact = trigger?.payload;
      if (typeof contact?.email !== "string") continue; // not a Contact Created run
      for (const output of Object.values(outputs ?? {})) {
        if (output?.id == null) continue;
        remember(contactsByHubSpotId, `${userId}\n${output.id}`, { first_name: contact.first_name, last_name: contact.last_name, email: contact.email });
      }
    }
  }
  return contactsByHubSpotId.get(key) ?? null;
}

function sessionUser(req) {
  const sid = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
  return sid ? sessions.get(sid) : undefined;
}

async function readJson(req) {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error("body too large");
  }
  return JSON.parse(body || "{}");
}

function json(res, status, value, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(value));
}

const routes = {
  // What the page needs to start: the platform, the project and the demo users (all public).
  "GET /api/config": (req, res) =>
    json(res, 200, { platformUrl: settings.platformUrl, projectId: settings.projectId, users: USERS }),

  // Sign-in: a demo user only. Answers the user token the SDK authenticates with.
  "POST /api/session": async (req, res) => {
    const { userId } = await readJson(req);
    const user = USERS.find((u) => u.id === userId);
    if (!user) return json(res, 403, { message: "not a demo user" });
    const sid = randomBytes(18).toString("base64url");
    sessions.set(sid, user.id);
    json(res, 200, { user, token: signUserToken(user.id) }, { "set-cookie": `sid=${sid}; Path=/; HttpOnly; SameSite=Strict` });
  },

  // The SDK's `tokenProvider`: a fresh token for the signed-in user, when the last one expires.
  "POST /api/token": (req, res) => {
    const userId = sessionUser(req);
    if (!userId) return json(res, 401, { message: "sign in first" });
    json(res, 200, { token: signUserToken(userId) });
  },

  "GET /api/runs": async (req, res) => {
    const userId = sessionUser(req);
    if (!userId) return json(res, 401, { message: "sign in first" });
    json(res, 200, { runs: await workflowRuns(userId) });
  },

  // What the platform's webhooks told of the signed-in user, newest first.
  "GET /api/feed": (req, res) => {
    const userId = sessionUser(req);
    if (!userId) return json(res, 401, { message: "sign in first" });
    json(res, 200, { feed: feed.of(userId).map(({ id, at, type, integration, text }) => ({ id, at, type, integration, text })) });
  },

  // The platform's signed webhooks (not the page's: no session, the signature says who sent it).
  "POST /webhooks/paragon": receiveWebhook,
};

const STATIC = {
  "/": [WWW, "index.html"],
  "/app.js": [WWW, "app.js"],
  "/app.css": [WWW, "app.css"],
};
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };

/** A page file or a file of the built npm package (pkg/), nothing else from the disk. */
function staticFile(pathname) {
  if (STATIC[pathname]) return path.join(...STATIC[pathname]);
  if (!pathname.startsWith("/pkg/")) return null;
  const file = path.join(PKG, path.normalize(pathname.slice("/pkg/".length)));
  return file.startsWith(PKG + path.sep) ? file : null;
}

// The page may run only its own scripts and the SDK's wasm, call only itself and the platform,
// and frame only the platform's Connect Portal.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  `connect-src 'self' ${new URL(settings.platformUrl).origin}`,
  `frame-src ${new URL(settings.platformUrl).origin}`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, "http://app");
  try {
    const route = routes[`${req.method} ${pathname}`];
    if (route) return await route(req, res);
    const file = req.method === "GET" ? staticFile(pathname) : null;
    if (!file) return json(res, 404, { message: "not found" });
    const body = await readFile(file).catch(() => null);
    if (!body) return json(res, 404, { message: "not found" });
    const headers = { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "x-content-type-options": "nosniff" };
    if (pathname === "/") Object.assign(headers, { "content-security-policy": CSP, "referrer-policy": "no-referrer" });
    res.writeHead(200, headers);
    res.end(body);
  } catch (error) {
    console.error(`${req.method} ${pathname}: ${error.message}`);
    if (!res.headersSent) json(res, 500, { message: "the app's backend failed; see its log" });
  }
});

server.on("error", (error) => {
  console.error(`acme-crm: cannot listen on 127.0.0.1:${args.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
server.listen(Number(args.port), "127.0.0.1", () => {
  console.log(`acme-crm listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
