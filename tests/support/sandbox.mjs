// `hubspot-sandbox` (and the other stand-ins, `spawnStandIn`) as a child process on a free port,
// with helpers for its `/_sandbox/` knobs.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

import { SANDBOX_BIN } from "./env.mjs";

/** Starts the sandbox with one account; resolves with `{ url, hubId, knob(), stop() }`. */
export async function startSandbox({ hubId = 70001, email = "ada@acme.test" } = {}) {
  return { hubId, ...(await spawnStandIn(SANDBOX_BIN, "hubspot-sandbox", ["--port", "0", "--account", `${hubId}:${email}`])) };
}

/**
 * Starts a provider's stand-in binary (`bin`, which prints "<name> listening on <url>") on a
 * free port; resolves with `{ url, knob(method, path, body), stop() }`.
 */
export async function spawnStandIn(bin, name, args) {
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${log}`)), 30_000);
    child.on("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${log}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const prefix = `${name} listening on `;
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
  return {
    url,
    knob,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
    },
  };
}
