// The package where apps are built: a one-file app that imports `paragon` from an
// `npm install`ed paragon-connect, bundled by Vite and by webpack 5 with their default
// configuration (and served by Vite's dev server), on its own origin, run in Chromium against
// the real `paragon serve`. The bundler finds the wasm by itself and emits it once, unchanged;
// the page fetches it once, when the first call needs it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

import { build as viteBuild, createServer as viteServer } from "vite";
import webpack from "webpack";

import { launchBrowser } from "./support/browser.mjs";
import { PKG_DIR } from "./support/env.mjs";
import { startParagon } from "./support/paragon.mjs";
import { serveDir } from "./support/app.mjs";

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(path.join(PKG_DIR, "package.json"), "utf8"));
const packageWasm = readFileSync(path.join(PKG_DIR, "paragon_connect_bg.wasm"));

// The whole app. The platform's URL comes in the page's query, so that the bundles can be built
// before the platform knows their origins; the button makes the first call that needs the wasm.
const MAIN_JS = `import { paragon, checkHealth } from "paragon-connect";

const out = document.createElement("pre");
out.id = "result";
document.body.append(out);
function show(result) {
  window.result = result;
  out.textContent = JSON.stringify(result);
}

paragon.configureGlobal({ host: new URLSearchParams(location.search).get("host") });
show({ version: paragon.getVersion(), windowParagon: window.paragon === paragon });

const button = document.createElement("button");
button.id = "check";
button.textContent = "Check the platform";
button.addEventListener("click", async () => {
  try {
    const [health, again] = await Promise.all([checkHealth(), checkHealth()]);
    show({ ...window.result, health, again });
  } catch (error) {
    show({ ...window.result, error: { name: error.name, code: error.code, message: error.message } });
  }
});
document.body.append(button);
`;

const page = (script) => `<!doctype html>
<html>
  <head><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"></head>
  <body>
    ${script}
  </body>
</html>
`;

let appDir, platform, browser, devServer;
const sites = {}; // "vite" and "webpack": { dir, server }, the output folder and its origin
const devWarnings = [];

/** The app's folder: main.js, index.html and paragon-connect installed as npm installs it. */
async function createApp(dir) {
  // What a user of the published package gets: `npm pack` of pkg/ (only its `files`), then
  // `npm install` of that tarball into the app (offline: the package has no dependencies).
  // (An absolute path: `npm pack pkg` would fetch the registry's package named "pkg".)
  const packArgs = ["pack", path.resolve(PKG_DIR), "--pack-destination", dir, "--json", "--offline", "--silent"];
  const { stdout } = await run("npm", packArgs);
  const [{ filename }] = JSON.parse(stdout);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", `./${filename}`], { cwd: dir });
  writeFileSync(path.join(dir, "main.js"), MAIN_JS);
  // Vite's entry is the page; webpack's is the script (its page is written beside the bundle).
  writeFileSync(path.join(dir, "index.html"), page(`<script type="module" src="/main.js"></script>`));
}

/** A Vite logger that keeps warnings and errors in `into` and prints nothing. */
function collectingLogger(into) {
  const keep = (message) => into.push(String(message).trim());
  return {
    info() {},
    warn: keep,
    warnOnce: keep,
    error: keep,
    clearScreen() {},
    hasErrorLogged: () => false,
    hasWarned: false,
  };
}

before(async () => {
  appDir = mkdtempSync(path.join(tmpdir(), "paragon-bundlers-"));
  // In parallel, each assigning its own variable so that after() stops whatever started.
  const launch = async () => (browser = await launchBrowser());
  const serveBundles = async () => {
    for (const name of ["vite", "webpack"]) {
      const dir = path.join(appDir, `dist-${name}`);
      sites[name] = { dir, server: await serveDir(dir) };
    }
  };
  const createAppAndDevServer = async () => {
    await createApp(appDir);
    const server = await viteServer({
      root: appDir,
      configFile: false,
      logLevel: "warn",
      customLogger: collectingLogger(devWarnings),
      server: { host: "127.0.0.1", port: 0 },
    });
    devServer = server;
    await server.listen();
  };
  await Promise.all([launch(), serveBundles(), createAppAndDevServer()]);
  const origins = [...Object.values(sites).map((s) => s.server.origin), devOrigin()];
  platform = await startParagon({ allowedOrigins: origins });
});

after(async () => {
  await browser?.close();
  await devServer?.close();
  await platform?.stop();
  for (const site of Object.values(sites)) await site.server.stop();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

function devOrigin() {
  return new URL(devServer.resolvedUrls.local[0]).origin;
}

/** Vite's production build of index.html; resolves with its warnings. */
async function buildWithVite(outDir) {
  const warnings = [];
  const logger = collectingLogger(warnings);
  await viteBuild({ root: appDir, configFile: false, logLevel: "warn", customLogger: logger, build: { outDir } });
  return warnings;
}

/** webpack 5's production build of main.js; resolves with its warnings, rejects with its errors. */
async function buildWithWebpack(outDir) {
  const compiler = webpack({
    mode: "production",
    context: appDir,
    entry: "./main.js",
    output: { path: outDir },
    infrastructureLogging: { level: "error" },
  });
  const stats = await new Promise((resolve, reject) =>
    compiler.run((error, stats) => (error ? reject(error) : resolve(stats))),
  );
  await new Promise((resolve) => compiler.close(resolve));
  const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
  if (errors.length) throw new Error(`webpack failed:\n${errors.map((e) => e.message).join("\n")}`);
  writeFileSync(path.join(outDir, "index.html"), page(`<script src="main.js"></script>`));
  return warnings.map((w) => w.message);
}

/**
 * Opens the app at `origin` in a fresh tab, checks what the import alone did, clicks the button
 * and checks what the SDK read from the platform. Resolves with the paths of the wasm the page
 * fetched.
 */
async function runApp(origin) {
  const tab = await browser.newPage();
  const problems = [];
  const wasm = [];
  tab.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  tab.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`));
  tab.on("requestfailed", (request) => problems.push(`failed: ${request.url()}`));
  tab.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    const url = new URL(response.url());
    if (url.pathname.endsWith(".wasm")) wasm.push({ path: url.pathname, body: response.body().catch(() => null) });
  });
  try {
    await tab.goto(`${origin}/?host=${encodeURIComponent(platform.url)}`);
    await tab.waitForFunction(() => window.result !== undefined);
    const loaded = await tab.evaluate(() => window.result);

    assert.deepEqual(loaded, { version: manifest.version, windowParagon: true });
    assert.equal(await tab.evaluate(() => typeof window.paragon.getVersion), "function", "window.paragon");
    assert.deepEqual(wasm, [], "no wasm before a call needs it");

    await tab.click("#check");
    await tab.waitForFunction(() => "health" in window.result || "error" in window.result);
    const checked = await tab.evaluate(() => window.result);
    const shown = JSON.parse(await tab.textContent("#result"));

    const health = { status: "ok", version: manifest.version };
    assert.deepEqual(checked, { ...loaded, health, again: health });
    assert.deepEqual(shown, checked, "the result is in the DOM");
    assert.equal(wasm.length, 1, `the wasm is fetched once: ${wasm.map((w) => w.path).join(", ")}`);
    assert.ok((await wasm[0].body)?.equals(packageWasm), "the package's wasm");
    assert.deepEqual(problems, []);
    return wasm.map((w) => w.path);
  } finally {
    await tab.close();
  }
}

const BUILDS = { vite: buildWithVite, webpack: buildWithWebpack };

for (const [name, buildApp] of Object.entries(BUILDS)) {
  test(`a one-file app built by ${name} imports paragon, fetches the wasm once and reads the platform's health`, async (t) => {
    const { dir, server } = sites[name];

    const started = performance.now();
    const warnings = await buildApp(dir);
    t.diagnostic(`${name} build: ${Math.round(performance.now() - started)} ms`);

    assert.deepEqual(warnings, [], `${name} warns about nothing`);
    const emitted = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".wasm"));
    assert.equal(emitted.length, 1, `one wasm emitted: ${emitted.join(", ")}`);
    assert.ok(readFileSync(path.join(dir, emitted[0])).equals(packageWasm), "the package's wasm, unchanged");

    const fetched = await runApp(server.origin);

    assert.deepEqual(fetched, [`/${emitted[0]}`], "the emitted wasm");
  });
}

test("the same app under Vite's dev server imports paragon, fetches the wasm once and reads the platform's health", async () => {
  await runApp(devOrigin());

  assert.deepEqual(devWarnings, [], "Vite's dev server warns about nothing");
});
