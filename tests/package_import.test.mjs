// The built npm package under Node, as a server-side-rendering framework imports it: the
// import must not throw, touch `window` or load the wasm.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";

import { PKG_DIR } from "./support/env.mjs";

const entry = pathToFileURL(path.join(PKG_DIR, "index.js")).href;
const manifest = JSON.parse(readFileSync(path.join(PKG_DIR, "package.json"), "utf8"));

test("the package manifest describes an ESM package named paragon-connect", () => {
  assert.equal(manifest.name, "paragon-connect");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.types, "./index.d.ts");
  assert.equal(manifest.exports["."].import, "./index.js");
  assert.deepEqual(manifest.sideEffects, ["./index.js"]);
  for (const file of manifest.files) {
    assert.doesNotThrow(() => readFileSync(path.join(PKG_DIR, file)), `${file} is listed and present`);
  }
});

test("importing under Node throws nothing and touches no window", async () => {
  const module = await import(entry);

  assert.equal(typeof module.paragon, "object");
  assert.equal(module.default, module.paragon);
  assert.equal(typeof globalThis.window, "undefined");
  assert.ok(Object.isFrozen(module.paragon), "apps cannot swap methods of the shared object");
});

test("getVersion is the package version", async () => {
  const { paragon } = await import(entry);

  assert.equal(paragon.getVersion(), manifest.version);
});

test("configureGlobal refuses what is not an http(s) base URL", async () => {
  const { paragon } = await import(entry);

  for (const host of ["", "example.com", "ftp://example.com", "http://", "http://a b", "http://x/?a=1", "http://x#y", "http://u:p@x", undefined]) {
    assert.throws(
      () => paragon.configureGlobal({ host }),
      (error) => error.name === "ParagonError" && error.code === "INVALID_HOST",
      `host ${JSON.stringify(host)}`,
    );
  }
  assert.throws(() => paragon.configureGlobal(), (error) => error.code === "INVALID_HOST");
});
