// The package's types (js/index.d.ts, copied into pkg/) against the TypeScript compiler: a file that uses every
// method and option type-checks under `--strict`; files that misuse one do not.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

import { PKG_DIR } from "./support/env.mjs";

const TSC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../node_modules/typescript/bin/tsc");
const dir = mkdtempSync(path.join(tmpdir(), "paragon-types-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const IMPORT = `import { paragon, checkHealth, ParagonError, AuthenticationError } from ${JSON.stringify(path.join(PKG_DIR, "index.js"))};
import type { IntegrationInstallEvent, ParagonUser, PendingEvent, EventReceipt } from ${JSON.stringify(path.join(PKG_DIR, "index.js"))};
`;

// One compiler run for every file (tsc takes seconds to start): each test reads its own lines.
const files = new Map();
let run = null;
function typecheck(name, body) {
  const file = path.join(dir, `${name}.ts`);
  writeFileSync(file, IMPORT + body);
  files.set(name, file);
  return { file };
}
function compile() {
  run ??= new Promise((resolve) => {
    const args = [TSC, "--noEmit", "--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "--lib", "es2022,dom", ...files.values()];
    // Run in the files' folder: tsc prints paths relative to its working directory, so each
    // error line then starts with the file's own name, wherever the checkout lives.
    execFile(process.execPath, args, { cwd: dir }, (_error, stdout) => resolve(stdout));
  });
  return run;
}
async function errorsOf({ file }) {
  const output = await compile();
  return output.split("\n").filter((line) => line.startsWith(path.basename(file)) || line.includes(file));
}

const USES = typecheck("uses", `
export async function app(projectId: string, token: string): Promise<void> {
  paragon.configureGlobal({ host: "http://127.0.0.1:8080" });
  const version: string = paragon.getVersion();
  const health = await checkHealth();
  const status: "ok" = health.status;
  await paragon.authenticate(projectId, token, { metadata: { Email: "ada@acme.test", seats: 3 } });
  await paragon.authenticate(projectId, token, { tokenProvider: async () => (await fetch("/api/paragon-token")).text() });
  await paragon.authenticate(projectId, token, { tokenProvider: () => token });
  await paragon.authenticate(projectId, token, { maxPendingEvents: 100, maxPendingBytes: 250_000 });
  const user: ParagonUser = paragon.getUser();
  if (user.authenticated) {
    const id: string = user.userId;
    const connected: string | undefined = user.integrations.hubspot?.credentialStatus;
  }
  await paragon.setUserMetadata({ plan: "pro", removed: null });
  const all: { type: string; name: string; icon: string }[] = paragon.getIntegrationMetadata();
  const one: string = paragon.getIntegrationMetadata("hubspot").name;
  const stop: () => void = paragon.subscribe("onIntegrationInstall", (event) => {
    const credential: string = event.credentialId;
  });
  stop();
  const onChange = (event: { workflowId: string; workflowStateChange: { enabled: boolean } }) => {};
  paragon.subscribe("onWorkflowChange", onChange);
  paragon.unsubscribe("onWorkflowChange", onChange);
  const installed: IntegrationInstallEvent | undefined = await paragon.connect("hubspot", {
    onInstall(event, u) {
      const type: string = event.integrationType;
    },
    onError(error) {
      const code: string = error.code;
    },
  });
  paragon.closePortal();
  await paragon.enableWorkflow("sync-contact-to-hubspot");
  await paragon.disableWorkflow("sync-contact-to-hubspot");
  const viaPopup: IntegrationInstallEvent = await paragon.installIntegration("hubspot", { oauthTimeout: 60_000 });
  await paragon.uninstallIntegration("hubspot");
  const contacts = await paragon.request<{ results: { id: string }[] }>("hubspot", "/crm/v3/objects/contacts", {
    method: "POST",
    body: { filterGroups: [] },
    headers: { "X-Paragon-Use-Raw-Response": "1" },
    selectedCredentialId: "c",
  });
  const firstId: string | undefined = contacts?.results[0]?.id;
  const text = await paragon.request("hubspot", "/files", { body: new Blob(["x"]) });
  try {
    await paragon.request("hubspot", "/crm/v3/objects/contacts/1");
  } catch (e) {
    if (e instanceof ParagonError && e.code === "PROVIDER_ERROR" && e.status === 404) console.log(e.body);
  }
  const answer = await paragon.workflow<{ id: string }>("create-and-answer", {
    body: { email: "ada@acme.test" },
    query: { tag: "x" },
    headers: { "X-Acme": "1" },
    selectedCredentialId: "c",
  });
  if (answer && "executionId" in answer) console.log(answer.executionId);
  else if (answer) console.log(answer.id);
  await paragon.workflow("create-and-answer");
  await paragon.workflow("create-and-answer", { body: "text" });
  const receipt: EventReceipt = await paragon.event("Contact Created", { email: "ada@acme.test" });
  const runs: number = receipt.runs;
  await paragon.flush();
  const pending: PendingEvent[] = paragon.pendingEvents();
  paragon.logout();
  const discarded: PendingEvent[] = paragon.logout({ keepPendingEvents: false });
  paragon.logout({ keepPendingEvents: true });
  try {
    await paragon.authenticate(projectId, token);
  } catch (e) {
    if (e instanceof AuthenticationError && e.code === "TOKEN_EXPIRED") return;
    if (e instanceof ParagonError && e.status === 401) return;
    if (e instanceof ParagonError && (e.code === "OUTBOX_FULL" || e.code === "STORAGE_FULL" || e.code === "EVENT_DISCARDED")) return;
  }
  const fromWindow: typeof paragon = window.paragon;
}
`);

const MISUSES = [
  ["wrong-argument", `paragon.authenticate("p", 42);`],
  ["provider-not-a-token", `paragon.authenticate("p", "t", { tokenProvider: async () => 42 });`],
  ["unknown-event", `paragon.subscribe("onSomethingElse", () => {});`],
  ["payload-type", `paragon.subscribe("onIntegrationInstall", (e) => { const n: number = e.credentialId; });`],
  ["metadata-type", `paragon.setUserMetadata("plan");`],
  ["token-on-user", `const u = paragon.getUser(); if (u.authenticated) { const t: string = u.token; }`],
  ["no-stub-method", `paragon.setupIntegration("hubspot");`],
  ["install-options", `paragon.installIntegration("hubspot", { oauthTimeout: "soon" });`],
  ["workflow-id-type", `paragon.enableWorkflow(7);`],
  ["request-answer-may-be-undefined", `paragon.request<{ id: string }>("hubspot", "/x").then((c) => { const id: string = c.id; });`],
  ["request-header-type", `paragon.request("hubspot", "/x", { headers: { "X-Count": 3 } });`],
  ["workflow-answer-may-be-in-the-background", `paragon.workflow<{ id: string }>("w").then((a) => { if (a) { const id: string = a.id; } });`],
  ["workflow-query-type", `paragon.workflow("w", { query: { n: 1 } });`],
  ["outbox-limit-type", `paragon.authenticate("p", "t", { maxPendingEvents: "500" });`],
  ["logout-option-type", `paragon.logout({ keepPendingEvents: "yes" });`],
].map(([name, misuse]) => [name, misuse, typecheck(name, misuse + "\n")]);

test("a file that uses every method type-checks", async () => {
  assert.deepEqual(await errorsOf(USES), []);
});

for (const [name, misuse, file] of MISUSES) {
  test(`a file that misuses the SDK does not type-check: ${name}`, async () => {
    const errors = await errorsOf(file);
    assert.ok(errors.some((line) => /error TS\d+/.test(line)), `${misuse} was accepted`);
  });
}
