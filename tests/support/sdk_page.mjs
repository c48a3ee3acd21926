// The app's page with the SDK signed in, and a bare project to sign its tokens, shared by the
// browser tests: one way to open the app as a user, so that each test says only what differs.
import path from "node:path";

import { field, newDataDir, paragonCli } from "./paragon.mjs";

/**
 * A project "Acme CRM" for `appOrigin` with a signing key, on a fresh data folder; resolves with
 * `{ dataDir, projectId, signToken(sub) }`.
 */
export async function createProject(appOrigin) {
  const dataDir = newDataDir();
  const created = await paragonCli(dataDir, ["project", "create", "--name", "Acme CRM", "--origin", appOrigin]);
  const projectId = field(created, "project id:");
  const apiKey = field(created, "api key:");
  const keyFile = path.join(dataDir, "signing-key.pem");
  await paragonCli(dataDir, ["keys", "generate", "--project", projectId, "--out", keyFile]);
  const signToken = async (sub) => (await paragonCli(dataDir, ["token", "sign", "--key", keyFile, "--sub", sub])).trim();
  return { dataDir, projectId, apiKey, signToken };
}

/**
 * A new browser context on the app's page (which sets `window.ready` once its module ran),
 * every URL it requests pushed to `urls`, the SDK configured for `host` and authenticated with
 * `token`; resolves with `{ context, page }`.
 */
export async function openSdkPage(browser, { appOrigin, host, projectId, token, urls, viewport = { width: 1200, height: 800 } }) {
  const context = await browser.newContext({ viewport });
  context.on("request", (request) => urls.push(request.url()));
  const page = await context.newPage();
  await page.goto(`${appOrigin}/`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(async ([host, projectId, token]) => {
    window.paragon.configureGlobal({ host });
    await window.paragon.authenticate(projectId, token);
  }, [host, projectId, token]);
  return { context, page };
}
