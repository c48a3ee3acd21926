// `sendgrid-sandbox` as a child process on a free port, with its `/_sandbox/` knobs and a helper
// that makes an API key, as a user copies one from SendGrid's settings.
import { SENDGRID_SANDBOX_BIN } from "./env.mjs";
import { spawnStandIn } from "./sandbox.mjs";

/** Starts the stand-in with one account; resolves with `{ url, username, knob(), newKey(), stop() }`. */
export async function startSendGrid({ username = "ada_lovelace" } = {}) {
  const { url, knob, stop } = await spawnStandIn(SENDGRID_SANDBOX_BIN, "sendgrid-sandbox", ["--port", "0", "--account", username]);
  /** A new API key of the account (`SG.…`), shown once. */
  async function newKey(name = "platform") {
    return (await knob("POST", `/accounts/${username}/api-keys`, { name })).apiKey;
  }
  return { url, username, knob, newKey, stop };
}
