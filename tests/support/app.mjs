// "The app": a static server on its own origin, as any static host serves a built app, that
// records every path the browser asked for. Two kinds: test pages given as strings with the
// built npm package under /pkg/ (`startApp`), or a bundler's output folder (`serveDir`).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { PKG_DIR } from "./env.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Sends `relative` (a URL path) from folder `root`; false when it is outside or missing. */
async function sendFile(res, root, relative) {
  const file = path.join(root, path.normalize(decodeURIComponent(relative)));
  if (!file.startsWith(root + path.sep)) return false;
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(body);
    return true;
  } catch {
    return false;
  }
}

/** Serves `handle(url, res)` (false → 404) on a free port; resolves with `{ origin, requests, stop() }`. */
async function serve(handle) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://app");
    requests.push(url.pathname);
    if (!(await handle(url, res))) res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/**
 * `pages` maps a path (e.g. "/") to an HTML string; the built package is under /pkg/, and the
 * files of folder `dir` (a bundler's output), when given, under /.
 */
export function startApp(pages, { dir } = {}) {
  const pkg = path.resolve(PKG_DIR);
  return serve(async (url, res) => {
    if (pages[url.pathname] !== undefined) {
      res.writeHead(200, { "content-type": TYPES[".html"] });
      res.end(pages[url.pathname]);
      return true;
    }
    if (url.pathname.startsWith("/pkg/")) return sendFile(res, pkg, url.pathname.slice("/pkg".length));
    return dir !== undefined && sendFromDir(res, dir, url);
  });
}

/** Serves folder `dir` (`/` is `index.html`). */
export function serveDir(dir) {
  return serve((url, res) => sendFromDir(res, dir, url));
}

function sendFromDir(res, dir, url) {
  return sendFile(res, path.resolve(dir), url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname);
}

/** After a test file: closes and stops what it started, in order, skipping what never started. */
export async function stopAll(...things) {
  for (const thing of things) {
    if (thing?.close) await thing.close();
    else if (thing?.stop) await thing.stop();
  }
}
