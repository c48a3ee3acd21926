// paragon-connect: the npm entry of the SDK (hand-written; `cargo xtask build` minifies it into
// pkg/index.js beside the generated wasm-bindgen module `paragon_connect.js` and its `.wasm`).
// `./constants.js` is not a file of the package: the build replaces the import below with the
// version and the event names, codes and messages this file shares with the wasm, generated
// from their one definition in protocol/src/browser.rs, in front of this file.
//
// Importing this file does nothing but build the `paragon` object: no `window`, no network,
// no storage. The wasm is fetched once, lazily, by the first call that needs it, so importing
// it under Node (server-side rendering) is safe and a page that never calls the SDK pays only
// for this file.
import { CODE, EVENTS, MESSAGE, VERSION } from "./constants.js";

let wasm = null; // the loaded module's exports, once `load()` has finished
let loading = null; // the single in-flight load, shared by concurrent first calls
let host = null; // the normalized base URL, kept here until the wasm is loaded

/** Every error the SDK throws or rejects with: `code` is stable, apps branch on it. */
export class ParagonError extends Error {
  constructor(message, code, status, body) {
    super(message);
    this.name = "ParagonError";
    this.code = code;
    if (status !== undefined) this.status = status;
    if (body !== undefined) this.body = body;
  }
}

/** The token is missing, malformed, expired or refused (401): authenticate again. */
export class AuthenticationError extends ParagonError {
  constructor(message, code, status) {
    super(message, code, status);
    this.name = "AuthenticationError";
  }
}

/** The browser blocked the popup of `installIntegration`: call it inside a click handler. */
export class OAuthBlockedError extends ParagonError {
  constructor(message, code, status) {
    super(message, code, status);
    this.name = "OAuthBlockedError";
  }
}

/** The user did not finish connecting within `oauthTimeout`. */
export class OAuthTimeoutError extends ParagonError {
  constructor(message, code, status) {
    super(message, code, status);
    this.name = "OAuthTimeoutError";
  }
}

const CLASSES = { AuthenticationError, OAuthBlockedError, OAuthTimeoutError };

function paragonError(code, message) {
  return new ParagonError(message, code);
}

function notConfigured() {
  return paragonError(CODE.notConfigured, MESSAGE.notConfigured);
}

// The wasm throws plain `Error`s with `name`, `code` and `status`: give them their class.
function classify(error) {
  if (error instanceof ParagonError || !(error instanceof Error) || error.code === undefined) return error;
  const Class = CLASSES[error.name] ?? ParagonError;
  return new Class(error.message, error.code, error.status, error.body);
}

// Runs `f` with the wasm (synchronously when it is already loaded, so that `event()` has
// stored its event when it returns) and rejects with a classified error.
function withWasm(f) {
  try {
    return Promise.resolve(wasm ? f(wasm) : load().then(f)).catch((error) => {
      throw classify(error);
    });
  } catch (error) {
    return Promise.reject(classify(error));
  }
}

function sync(f) {
  try {
    return f();
  } catch (error) {
    throw classify(error);
  }
}

const THEMES = ["light", "dark", "auto"];
const encode = encodeURIComponent;

function invalid(detail) {
  return paragonError(CODE.invalidArgument, `invalid argument: ${detail}`);
}

// The project's integrations as the platform listed them (`/sdk/integrations`), and one of them.
function integrations() {
  if (!wasm) throw new AuthenticationError(MESSAGE.notAuthenticated, CODE.notAuthenticated);
  return sync(() => wasm.integrations());
}

function integration(type) {
  const found = integrations().find((i) => i.type === type);
  if (!found) throw paragonError(CODE.unknownIntegration, `the project has no integration of type ${JSON.stringify(type)}`);
  return found;
}

// `PATCH /sdk/credentials/{id}` with `{ config: configOf(values) }` for the user's credential
// of `type`: the platform merges the values and checks them all before saving any. Values it
// refused (422) are the user's to fix, reported in `errors` as Paragon's SDK does.
function saveSettings(type, values, options, configOf) {
  return withWasm(async (w) => {
    if (!values || typeof values !== "object") throw invalid("the settings must be an object of setting id to value");
    const id = options?.selectedCredentialId ?? w.getUser().integrations?.[type]?.credentialId;
    if (typeof id !== "string") throw invalid(`the user has not connected ${type}`);
    const errors = [];
    try {
      await w.platform(`/credentials/${encode(id)}`, { config: configOf(values) });
    } catch (error) {
      if (error.status !== 422) throw error;
      errors.push(error.body?.message ?? error.message);
    }
    return { userState: w.getUser(), errors };
  });
}

// The Connect Portal's frame, drawn here for the wasm (`src/portal.rs`), which does the
// handshake with it. A modal <dialog>: the browser's own, in the top layer above any z-index
// of the app, with the app's page inert behind it, Escape closing it, and focus given back to
// what had it. It fills the viewport with the dimmed backdrop and holds one transparent iframe
// that fills it too: the portal draws its own card (full-screen on a phone) and closes on a
// click beside it. The iframe stays hidden until the portal says `ready` (`shown`), so a page
// that did not load (the platform unreachable, an error page) is never shown: 5 s after a load
// without `ready`, the dialog shows the SDK's own card with Retry and Close instead. Styles go
// through the CSSOM, which an app's CSP allows without 'unsafe-inline'; the card's `style`
// attributes do not, and such an app sees a plain card that works.
const READY_WAIT_MS = 5000;
const CARD = `<div role="alert" style="max-width:22rem;margin:1rem;padding:0 1.5rem 1.25rem;border-radius:8px;background:#fff;color:#1d2330;font:16px/1.45 system-ui,sans-serif"><p>The Connect Portal could not be loaded. Check your connection and try again.</p><button data-paragon="retry">Retry</button> <button data-paragon="close">Close</button></div>`;

function portalFrame(src) {
  // The wasm makes this an INVALID_ARGUMENT.
  if (!document.body) throw new Error("connect needs a page with a <body>");
  const dialog = document.createElement("dialog");
  const frame = document.createElement("iframe");
  let ready, timer, closed;
  dialog.setAttribute("aria-label", "Connect Portal");
  dialog.style.cssText = "position:fixed;inset:0;width:100%;height:100%;max-width:none;max-height:none;margin:0;padding:0;border:0;background:rgba(0,0,0,.45);display:grid;place-items:center;overflow:hidden";
  frame.id = "paragon-connect-portal";
  frame.title = "Connect Portal";
  frame.style.cssText = "position:absolute;inset:0;width:100%;height:100%;border:0;background:transparent";
  const load = () => {
    ready = false;
    frame.hidden = true;
    dialog.querySelector("[role=alert]")?.remove();
    frame.src = src;
  };
  frame.addEventListener("load", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (ready) return;
      dialog.insertAdjacentHTML("beforeend", CARD);
      dialog.querySelector("button").focus();
    }, READY_WAIT_MS);
  });
  // Escape (the browser's close request), the card's Close and a click beside the card.
  dialog.addEventListener("close", () => closed || paragon.closePortal());
  dialog.addEventListener("click", ({ target }) => {
    const action = target.dataset?.paragon;
    if (action === "retry") load();
    else if (action === "close" || target === dialog) dialog.close();
  });
  dialog.append(frame);
  document.body.append(dialog);
  dialog.showModal();
  load();
  return {
    frame,
    shown() {
      ready = true;
      frame.hidden = false;
      frame.focus();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      dialog.close();
      dialog.remove();
    },
  };
}

// Posts `fields` as a hidden form to `action` into the window named `target`: how the wasm's
// headless install hands the popup its flow's one-time secret, in no URL.
function postForm(target, action, fields) {
  const form = Object.assign(document.createElement("form"), { method: "post", action, target, hidden: true });
  for (const [name, value] of Object.entries(fields)) form.append(Object.assign(document.createElement("input"), { type: "hidden", name, value }));
  document.body.append(form);
  form.submit();
  form.remove();
}

// The app's listeners of the SDK's events, by name: kept here, so that `subscribe` works before
// the wasm is loaded; the wasm raises the events through `emit`.
const listeners = new Map(EVENTS.map((name) => [name, []]));

function listenersOf(name) {
  const list = listeners.get(name);
  if (!list) throw invalid(`${MESSAGE.noSuchEvent}${JSON.stringify(name)}${MESSAGE.expectedOneOf}${EVENTS.join(", ")}`);
  return list;
}

function emit(name, payload) {
  // A copy: a listener may subscribe or unsubscribe while the others run.
  for (const listener of [...listeners.get(name)]) {
    // An exception in the app's listener must not stop the others.
    try {
      listener(payload);
    } catch (error) {
      console.error(error);
    }
  }
}

function normalizeHost(options) {
  const value = options && options.host;
  let url;
  try {
    url = new URL(String(value));
  } catch {
    throw paragonError(CODE.invalidHost, `${MESSAGE.invalidHost}${JSON.stringify(value)}: ${MESSAGE.notAnHttpUrl}`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username) {
    throw paragonError(CODE.invalidHost, `${MESSAGE.invalidHost}${JSON.stringify(value)}: expected an http(s) base URL without query, fragment or user`);
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
      module.setEmitter(emit);
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

  /** Validates the user token with the platform and loads the user and the integrations. */
  authenticate(projectId, token, options = {}) {
    return withWasm(async (w) => {
      if (host === null) throw notConfigured();
      await w.authenticate(String(projectId), String(token), options);
    });
  },

  /** The user, synchronously; never the token. */
  getUser() {
    return wasm ? wasm.getUser() : { authenticated: false };
  },

  /** Merges `meta` into the user's metadata; resolves with `getUser()`. */
  setUserMetadata(meta) {
    return withWasm((w) => w.setUserMetadata(meta));
  },

  /**
   * `{ type, name, icon }` of the project's integration `type`, or all of them; `icon` is the
   * platform's `/ui/icons/{type}.svg`.
   */
  getIntegrationMetadata(type) {
    const meta = ({ type, name, icon }) => ({ type, name, icon });
    return type === undefined ? integrations().map(meta) : meta(integration(type));
  },

  /**
   * Paragon's `IntegrationConfig` of `type`: its descriptions, user settings and workflows (the
   * platform puts it on each `/sdk/integrations` item).
   */
  getIntegrationConfig(type) {
    return integration(type).integrationConfig;
  },

  /**
   * Saves the user's values of `type`'s settings (`null` clears one), all checked first;
   * resolves with `{ userState, errors }`, `errors` holding why values were refused.
   */
  updateIntegrationUserSettings(type, values, options) {
    return saveSettings(type, values, options, (values) => ({ sharedSettings: values }));
  },

  /** As `updateIntegrationUserSettings`, for the settings of workflow `workflowId`. */
  updateWorkflowUserSettings(type, workflowId, values, options) {
    return saveSettings(type, values, options, (values) => ({ workflowSettings: { [workflowId]: { settings: values } } }));
  },

  /** A page of a dynamic dropdown's options: `{ data: [{ value, label }], nextPageCursor }`. */
  getFieldOptions(params) {
    const { integration, source, search = "", cursor = "" } = params ?? {};
    if (typeof integration !== "string" || typeof source !== "string") {
      return Promise.reject(invalid("getFieldOptions expects { integration: string, source: string }"));
    }
    const query = new URLSearchParams({ search, cursor });
    return withWasm((w) => w.platform(`/integrations/${encode(integration)}/sources/${encode(source)}?${query}`));
  },

  /**
   * Forgets the user and the token, and closes the portal. Discards the user's undelivered
   * events (returned) unless `{ keepPendingEvents: true }`.
   */
  logout(options) {
    return wasm ? wasm.logout(options) : [];
  },

  /** Calls `listener` on each `name` event; returns the function that unsubscribes it. */
  subscribe(name, listener) {
    if (typeof listener !== "function") throw invalid("subscribe expects a listener function");
    const list = listenersOf(name);
    if (!list.includes(listener)) list.push(listener);
    return () => paragon.unsubscribe(name, listener);
  },

  /** Stops calling `listener` on `name` events. */
  unsubscribe(name, listener) {
    const list = listenersOf(name);
    const at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
  },

  /**
   * Opens the Connect Portal for `type` (`options.theme`: "light", "dark" or "auto", else the
   * project's); resolves with the install event, or when closed.
   */
  connect(type, options = {}) {
    const theme = options.theme;
    if (theme !== undefined && !THEMES.includes(theme)) {
      return Promise.reject(invalid(`connect's theme must be one of ${THEMES.join(", ")}`));
    }
    return withWasm((w) => w.connect(String(type), options, portalFrame));
  },

  /** Closes the Connect Portal, if open. */
  closePortal() {
    if (wasm) wasm.closePortal();
  },

  /**
   * Connects integration `type` without the portal: call it inside a click handler, the popup
   * opens synchronously. Resolves with the install event.
   */
  installIntegration(type, options = {}) {
    return withWasm((w) => w.installIntegration(String(type), options, postForm));
  },

  /**
   * Calls the integration's API with the user's credential, through the platform's proxy:
   * `init` is `{ method, body, headers, selectedCredentialId }`; an object body is sent as
   * JSON. Resolves with the answer (parsed JSON, the platform's `{ output }` unwrapped, text,
   * or `undefined` when empty); an error status of the provider rejects with a ParagonError
   * `PROVIDER_ERROR` carrying `status` and `body`.
   */
  request(type, path, init = {}) {
    return withWasm((w) => w.request(String(type), String(path), init));
  },

  /**
   * Runs the request-triggered workflow `workflowId` for the user: `request` is `{ body,
   * query, headers, selectedCredentialId }`, the body always sent as JSON. Resolves with the
   * workflow's answer (`{ executionId }` when it goes on in the background); an error status
   * rejects with a ParagonError `SERVER_ERROR` carrying `status` and `body`.
   */
  workflow(workflowId, request) {
    return withWasm((w) => w.workflow(String(workflowId), request));
  },

  /** Disconnects the user's integration `type` (the provider's token is revoked). */
  uninstallIntegration(type) {
    return withWasm((w) => w.uninstallIntegration(String(type)));
  },

  /** Turns a deployed workflow on for the user. */
  enableWorkflow(workflowId) {
    return withWasm((w) => w.enableWorkflow(String(workflowId)));
  },

  /** Turns a deployed workflow off for the user. */
  disableWorkflow(workflowId) {
    return withWasm((w) => w.disableWorkflow(String(workflowId)));
  },

  /**
   * Sends an App Event through the durable outbox: resolves with `{ id, runs }` once the
   * platform has it (retrying as long as needed), rejects if the platform refuses it for good,
   * if the outbox is full (`OUTBOX_FULL`, `STORAGE_FULL`: not stored) or if `logout()`
   * discards it (`EVENT_DISCARDED`).
   */
  event(name, payload) {
    return withWasm((w) => w.event(String(name), payload));
  },

  /** Sends the pending events now; resolves when the outbox is empty or a send must wait. */
  flush() {
    return withWasm((w) => w.flush());
  },

  /** The user's events not delivered yet: `[{ id, name, payload, createdAt }]`. */
  pendingEvents() {
    return wasm ? wasm.pendingEvents() : [];
  },
});

/**
 * Fetches the platform's `/healthz` from this page: resolves with `{ status, version }` when the
 * platform is reachable and lets this page's origin in (CORS); rejects with a `ParagonError`
 * (`code` `NETWORK_ERROR`, `NOT_CONFIGURED`, …) otherwise.
 */
export async function checkHealth() {
  if (host === null) throw notConfigured();
  return withWasm((w) => w.checkHealth());
}

// A plain `<script type="module">` page gets `window.paragon`, as with Paragon's CDN build.
if (typeof window !== "undefined") window.paragon = paragon;

export default paragon;
