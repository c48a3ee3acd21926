// Headless Chromium through playwright-core, with the flags that work on these machines
// (../shared/TOOLCHAIN.md); never a browser that a test tool downloads.
import { chromium } from "playwright-core";

import { CHROMIUM } from "./env.mjs";

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
    ],
  });
}
