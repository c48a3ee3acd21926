// paragon-connect: the npm entry of the SDK (hand-written; the build copies the generated
// wasm-bindgen module `paragon_connect.js`, its `.wasm` and `version.js` beside it).
//
// Importing this file does nothing but build the `paragon` object: no `window`, no network,
// no storage. The wasm is fetched once, lazily, by the first call that needs it, so importing
// it under Node (server-side rendering) is safe and a page that never calls the SDK pays only
// for this file.
import { VERSION } from "./version.js";

let wasm = null; // the loaded module's exports, once `load()` has finished
let loading = null; // the single in-flight load, shared by concurrent first calls
let host = null; // the normalized base URL, kept here until the wasm is loaded

/** An `Error` with a `code` apps can branch on; the wasm side makes the same shape. */
function paragonError(code, message) {
  const error = new Error(message);
  error.name = "ParagonError";
  error.code = code;
  return error;
}

function normalizeHost(options) {
  const value = options && options.host;
  let url;
  try {
    url = new URL(String(value));
  } catch {
    throw paragonError("INVALID_HOST", `configureGlobal: invalid host ${JSON.stringify(value)}: expected an http:// or https:// URL`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username) {
    throw paragonError("INVALID_HOST", `configureGlobal: invalid host ${JSON.stringify(value)}: expected an http(s) base URL without query, fragment or user`);
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

async function load() {
  if (wasm) return wasm;
  if (!loading) {
    loading = (async () => {
      const module = await import("./paragon_connect.js");
      await module.default({ module_or_path: new URL("./paragon_connect_bg.wasm", import.meta.url) });
      if (host !== null) module.configureGlobal({ host });
      wasm = module;
      return module;
    })();
    // A failed load (offline, blocked) may be retried by the next call.
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** The SDK object, shaped after Paragon's `paragon` so that code written for it ports. */
export const paragon = Object.freeze({
  /** Points the SDK at a platform, e.g. `{ host: "http://127.0.0.1:8080" }`. Call it first. */
  configureGlobal(options) {
    host = normalizeHost(options);
    if (wasm) wasm.configureGlobal({ host });
  },

  /** The SDK's version. */
  getVersion() {
    return VERSION;
  },
});

/**
 * Fetches the platform's `/healthz` from this page: resolves with `{ status, version }` when the
 * platform is reachable and lets this page's origin in (CORS); rejects with a `ParagonError`
 * (`code` `NETWORK_ERROR`, `NOT_CONFIGURED`, …) otherwise.
 */
export async function checkHealth() {
  if (host === null) throw paragonError("NOT_CONFIGURED", "call paragon.configureGlobal({ host }) before this method");
  const module = await load();
  return module.checkHealth();
}

// A plain `<script type="module">` page gets `window.paragon`, as with Paragon's CDN build.
if (typeof window !== "undefined") window.paragon = paragon;

export default paragon;
