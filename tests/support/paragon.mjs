// `paragon serve` as a child process on a free port, for one test file.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import { PARAGON_BIN } from "./env.mjs";

// One vault key for this test file's servers and CLI calls (they share data folders).
const MASTER_KEY = `k1:${randomBytes(32).toString("base64")}`;
// The HubSpot sandbox listens on http://127.0.0.1: both `integration set` and `serve` must be
// told that provider URLs may point there (by default they must be public https).
const ENV = {
  ...process.env,
  DATABASE_URL: "",
  PARAGON_MASTER_KEY: MASTER_KEY,
  PARAGON_ALLOW_PRIVATE_PROVIDER_URLS: "1",
};

/** A fresh data folder for one test file. */
export function newDataDir() {
  return mkdtempSync(path.join(tmpdir(), "paragon-test-"));
}

/**
 * Runs a `paragon` admin command (`project create`, `keys generate`, …) on `dataDir`;
 * resolves with its stdout, rejects with its stderr.
 */
export function paragonCli(dataDir, args) {
  return new Promise((resolve, reject) => {
    execFile(PARAGON_BIN, args, { env: { ...ENV, PARAGON_DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      error ? reject(new Error(`paragon ${args.join(" ")}: ${stderr}`)) : resolve(stdout),
    );
  });
}

/** The value after `label` in a CLI's output (`project id: …`). */
export function field(output, label) {
  const line = output.split("\n").find((l) => l.startsWith(label));
  if (!line) throw new Error(`no ${label} in ${output}`);
  return line.slice(label.length).trim();
}

/**
 * Starts the server with `allowedOrigins` (for the paths outside projects) on `dataDir` (a
 * fresh one by default) and `port` (a free one by default); resolves with `{ url, stop() }`.
 * `stop({ keepData: true })` leaves the data folder, so that a test can start the server again
 * on the same folder and port.
 */
export async function startParagon({ allowedOrigins = [], dataDir = newDataDir(), port = 0 } = {}) {
  const args = ["serve", "--port", String(port), "--data-dir", dataDir];
  for (const origin of allowedOrigins) args.push("--allowed-origin", origin);
  const child = spawn(PARAGON_BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: ENV });
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
    async stop({ keepData = false } = {}) {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
