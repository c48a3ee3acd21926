// `paragon serve` as a child process on a free port, for one test file.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import { PARAGON_BIN } from "./env.mjs";

/** Starts the server with `allowedOrigins`; resolves with `{ url, stop() }`. */
export async function startParagon({ allowedOrigins = [] } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "paragon-test-"));
  const args = ["serve", "--port", "0", "--data-dir", dataDir];
  for (const origin of allowedOrigins) args.push("--allowed-origin", origin);
  const child = spawn(PARAGON_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`paragon did not start in 30 s:\n${log}`)), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`paragon exited with ${code}:\n${log}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const prefix = "paragon listening on ";
      if (line.startsWith(prefix)) {
        clearTimeout(timer);
        resolve(line.slice(prefix.length).trim());
      }
    });
  });
  return {
    url,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
