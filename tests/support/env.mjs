// Paths the Node suites use; `cargo xtask test` sets them, and the defaults are the same
// places in this checkout, so `node --test tests/` also runs after `cargo xtask build`.
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const PARAGON_BIN = process.env.PARAGON_BIN ?? path.join(root, "target/debug/paragon");
export const SANDBOX_BIN = process.env.SANDBOX_BIN ?? path.join(root, "target/debug/hubspot-sandbox");
export const SALESFORCE_SANDBOX_BIN =
  process.env.SALESFORCE_SANDBOX_BIN ?? path.join(root, "target/debug/salesforce-sandbox");
export const SENDGRID_SANDBOX_BIN =
  process.env.SENDGRID_SANDBOX_BIN ?? path.join(root, "target/debug/sendgrid-sandbox");
export const PKG_DIR = process.env.PARAGON_PKG ?? path.join(root, "pkg");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// Where the portal's tests save their screenshots (beside the demo walk's, under target/e2e/).
export const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS ?? path.join(root, "target/e2e/portal");
