// `salesforce-sandbox` as a child process on a free port, with its `/_sandbox/` knobs and a
// helper that walks the OAuth web server flow (PKCE) to an access token, as an app would.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

import { SALESFORCE_SANDBOX_BIN } from "./env.mjs";

export const REDIRECT_URI = "http://127.0.0.1:8080/oauth/callback";

/** Starts the stand-in with one org and one connected app; resolves with `{ url, knob(), connect(), stop() }`. */
export async function startSalesforce({ username = "ada.lovelace@acme.test" } = {}) {
  const args = ["--port", "0", "--org", username, "--client-id", "key", "--client-secret", "secret", "--redirect-uri", REDIRECT_URI];
  const child = spawn(SALESFORCE_SANDBOX_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`salesforce-sandbox did not start:\n${log}`)), 30_000);
    child.on("exit", (code) => reject(new Error(`salesforce-sandbox exited with ${code}:\n${log}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const prefix = "salesforce-sandbox listening on ";
      if (line.startsWith(prefix)) {
        clearTimeout(timer);
        resolve(line.slice(prefix.length).trim());
      }
    });
  });
  async function knob(method, path, body) {
    const response = await fetch(`${url}/_sandbox${path}`, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} /_sandbox${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  }
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
  return {
    url,
    knob,
    connect,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
    },
  };
}
