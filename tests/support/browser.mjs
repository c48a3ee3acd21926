// Headless Chromium through playwright-core, with the flags that work as root on a machine
// without network (no background connections); never a browser that a test tool downloads.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { chromium } from "playwright-core";

import { CHROMIUM } from "./env.mjs";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A browser context of its own profile whose settings block third-party cookies (Chromium's
 * "Block third-party cookies", the profile preference an end user sets), for checking that
 * nothing of the platform needs them. Close it with `close()`; it removes its profile.
 */
export async function launchWithoutThirdPartyCookies() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "paragon-no-3pc-"));
  fs.mkdirSync(path.join(profile, "Default"));
  const preferences = { profile: { cookie_controls_mode: 1, block_third_party_cookies: true } };
  fs.writeFileSync(path.join(profile, "Default", "Preferences"), JSON.stringify(preferences));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return context;
}
