// A built app's output folder on its own origin, as any static host serves it, recording every
// path the browser asked for.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Serves `dir` (`/` is `index.html`); resolves with `{ origin, requests, stop() }`. */
export async function serveDir(dir) {
  const root = path.resolve(dir);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://app");
    requests.push(url.pathname);
    const relative = url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname;
    const file = path.join(root, path.normalize(decodeURIComponent(relative)));
    if (file.startsWith(root + path.sep)) {
      try {
        const body = await readFile(file);
        res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
        return res.end(body);
      } catch {
        // fall through to 404
      }
    }
    res.writeHead(404).end();
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
