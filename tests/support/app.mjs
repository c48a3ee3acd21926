// "The app": a static server on its own origin that serves the built npm package under /pkg/
// and test pages, and records every path the browser asked for.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { PKG_DIR } from "./env.mjs";

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

/** `pages` maps a path (e.g. "/") to an HTML string. Resolves with `{ origin, requests, stop() }`. */
export async function startApp(pages) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://app");
    requests.push(url.pathname);
    if (pages[url.pathname] !== undefined) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(pages[url.pathname]);
    }
    if (url.pathname.startsWith("/pkg/")) {
      const file = path.join(PKG_DIR, path.normalize(url.pathname.slice("/pkg/".length)));
      if (file.startsWith(PKG_DIR)) {
        try {
          const body = await readFile(file);
          res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
          return res.end(body);
        } catch {
          // fall through to 404
        }
      }
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
