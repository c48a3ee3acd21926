// `salesforce-sandbox` as a child process on a free port, with its `/_sandbox/` knobs and a
// helper that walks the OAuth web server flow (PKCE) to an access token, as an app would.
import { createHash, randomBytes } from "node:crypto";

import { SALESFORCE_SANDBOX_BIN } from "./env.mjs";
import { spawnStandIn } from "./sandbox.mjs";

export const REDIRECT_URI = "http://127.0.0.1:8080/oauth/callback";

/** Starts the stand-in with one org and one connected app; resolves with `{ url, knob(), connect(), stop() }`. */
export async function startSalesforce({ username = "ada.lovelace@acme.test" } = {}) {
  const args = ["--port", "0", "--org", username, "--client-id", "key", "--client-secret", "secret", "--redirect-uri", REDIRECT_URI];
  const { url, knob, stop } = await spawnStandIn(SALESFORCE_SANDBOX_BIN, "salesforce-sandbox", args);
  /** The web server flow with PKCE S256 against the consent page; resolves with the token answer. */
  async function connect() {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const query = new URLSearchParams({ response_type: "code", client_id: "key", redirect_uri: REDIRECT_URI, code_challenge: challenge, state: "s" });
    const page = await (await fetch(`${url}/services/oauth2/authorize?${query}`)).text();
    const consentId = page.match(/name="consent_id" value="([^"]+)"/)[1];
    const orgId = page.match(/<option value="([^"]+)"/)[1];
    const consent = await fetch(`${url}/services/oauth2/authorize`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ consent_id: consentId, org_id: orgId, decision: "grant" }),
    });
    const code = new URL(consent.headers.get("location")).searchParams.get("code");
    const form = { grant_type: "authorization_code", client_id: "key", client_secret: "secret", redirect_uri: REDIRECT_URI, code, code_verifier: verifier };
    const token = await fetch(`${url}/services/oauth2/token`, { method: "POST", body: new URLSearchParams(form) });
    if (!token.ok) throw new Error(`token: ${token.status} ${await token.text()}`);
    return { ...(await token.json()), orgId };
  }
  return { url, knob, connect, stop };
}
