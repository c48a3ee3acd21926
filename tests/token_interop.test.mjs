// Apps sign user tokens with their own libraries, not ours: a token made by Node's `jose`
// from the key `paragon keys generate` wrote is accepted by `paragon serve`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import { SignJWT, importPKCS8 } from "jose";

import { field, newDataDir, paragonCli, startParagon } from "./support/paragon.mjs";

let dataDir, projectId, kid, privateKey, server;

before(async () => {
  dataDir = newDataDir();
  const created = await paragonCli(dataDir, ["project", "create", "--name", "Interop", "--origin", "http://localhost:3000"]);
  projectId = field(created, "project id:");
  const keyFile = path.join(dataDir, "signing-key.pem");
  kid = field(await paragonCli(dataDir, ["keys", "generate", "--project", projectId, "--out", keyFile]), "kid:");
  privateKey = await importPKCS8(readFileSync(keyFile, "utf8"), "RS256");
  server = await startParagon({ dataDir });
});

after(async () => {
  await server?.stop();
});

function me(token) {
  return fetch(`${server.url}/projects/${projectId}/sdk/me`, { headers: { Authorization: `Bearer ${token}` } });
}

test("a token signed by jose with the project's key is accepted", async () => {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setSubject("user-from-jose")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(privateKey);

  const response = await me(token);

  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.userId, "user-from-jose");
  assert.equal(body.project.id, projectId);
});

test("a jose token without a kid is accepted too (every active key is tried)", async () => {
  const token = await new SignJWT({ aud: `useparagon.com/${projectId}` })
    .setProtectedHeader({ alg: "RS256" })
    .setSubject("no-kid")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);

  assert.equal((await me(token)).status, 200);
});

test("a jose token living longer than the project allows is refused with the JSON error", async () => {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "RS256", kid })
    .setSubject("too-long")
    .setIssuedAt()
    .setExpirationTime("25h")
    .sign(privateKey);

  const response = await me(token);

  assert.equal(response.status, 401);
  assert.deepEqual(Object.keys(await response.json()).sort(), ["code", "message"]);
});
