// The guide's platform for a browser test: the HubSpot sandbox with the project's app, a
// project for `appOrigin` with a signing key, its HubSpot integration pointed at the sandbox,
// the guide's workflow deployed, and `paragon serve` on the project's data folder.
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { field, newDataDir, paragonCli, startParagon } from "./paragon.mjs";
import { startSandbox } from "./sandbox.mjs";

export const CLIENT_ID = "acme-crm-client";
export const CLIENT_SECRET = "acme-crm-client-secret-do-not-leak";
const GUIDE = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../examples/hubspot-guide");

/** Resolves with `{ sandbox, platform, dataDir, projectId, apiKey, signToken(sub), stop() }`. */
export async function setUpPlatform(appOrigin) {
  const sandbox = await startSandbox();
  const dataDir = newDataDir();
  const created = await paragonCli(dataDir, ["project", "create", "--name", "Acme CRM", "--origin", appOrigin]);
  const projectId = field(created, "project id:");
  const apiKey = field(created, "api key:");
  const keyFile = path.join(dataDir, "signing-key.pem");
  await paragonCli(dataDir, ["keys", "generate", "--project", projectId, "--out", keyFile]);
  await paragonCli(dataDir, [
    "integration", "set", "--project", projectId, "hubspot",
    "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
    "--auth-url", `${sandbox.url}/oauth/authorize`,
    "--token-url", `${sandbox.url}/oauth/v3/token`,
    "--api-base", sandbox.url,
  ]);
  await paragonCli(dataDir, ["deploy", "--project", projectId, GUIDE]);
  const platform = await startParagon({ dataDir });
  await sandbox.knob("POST", "/apps", {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    name: "Acme CRM",
    redirectUris: [`${platform.url}/oauth/callback`],
    scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"],
  });
  return {
    sandbox,
    platform,
    dataDir,
    projectId,
    apiKey,
    signToken: async (sub) => (await paragonCli(dataDir, ["token", "sign", "--key", keyFile, "--sub", sub])).trim(),
  };
}

/**
 * Another signing key of the project in `dataDir`; resolves with `{ kid, sign(sub, ttl),
 * revoke() }`.
 */
export async function newSigningKey(dataDir, projectId, name) {
  const file = path.join(dataDir, `${name}.pem`);
  const kid = field(await paragonCli(dataDir, ["keys", "generate", "--project", projectId, "--out", file]), "kid:");
  return {
    kid,
    sign: async (sub, ttl = "1h") => (await paragonCli(dataDir, ["token", "sign", "--key", file, "--sub", sub, "--ttl", ttl])).trim(),
    revoke: () => paragonCli(dataDir, ["keys", "revoke", "--project", projectId, kid]),
  };
}

/**
 * After each test: no token of `tokens` in the storage of the context's pages nor in any URL
 * the browser asked for; then the context is closed.
 */
export async function closeWithoutTokens(context, urls, tokens) {
  for (const token of tokens) await assertNoTokenLeft(context, urls, token);
  await context?.close();
}

/** No `token` in the storage of the context's pages nor in any URL requested. */
export async function assertNoTokenLeft(context, urls, token) {
  for (const page of context?.pages() ?? []) {
    const storage = await page
      .evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
      .catch(() => "");
    assert.ok(!storage.includes(token), "no token in localStorage or sessionStorage");
  }
  for (const url of urls) assert.ok(!url.includes(token), `no token in ${url.slice(0, 80)}…`);
}

/**
 * The user of `page` (authenticated, with `configureGlobal` done) connects HubSpot through the
 * SDK's portal and grants the sandbox's consent; resolves with the install event.
 */
export async function connectThroughPortal(page, context) {
  await page.evaluate(() => {
    window.connected = window.paragon.connect("hubspot");
  });
  const portal = page.frameLocator("#paragon-connect-portal");
  await portal.locator("#connect:not([disabled])").waitFor();
  const [popup] = await Promise.all([context.waitForEvent("page"), portal.locator("#connect").click()]);
  await popup.locator("#grant").click();
  return page.evaluate(() => window.connected);
}

/**
 * Authenticates the page's SDK as `sub` with the token `first`, its `tokenProvider` asking "the
 * app's backend" (the CLI signing with the project's key in `dataDir`) for the next one and
 * counting its calls in `window.providerCalls`; every token signed joins `tokens`.
 */
export async function authenticateRenewing(page, { dataDir, projectId, sub, first, tokens }) {
  await page.exposeFunction("backendSignsToken", () =>
    paragonCli(dataDir, ["token", "sign", "--key", path.join(dataDir, "signing-key.pem"), "--sub", sub]).then((t) => {
      tokens.push(t.trim());
      return t.trim();
    }),
  );
  await page.evaluate(async ([projectId, token]) => {
    window.providerCalls = 0;
    await window.paragon.authenticate(projectId, token, {
      tokenProvider: async () => {
        window.providerCalls += 1;
        return window.backendSignsToken();
      },
    });
  }, [projectId, first]);
}
