// The SendGrid stand-in started the way the platform's tests start every stand-in
// (`spawnStandIn`), and called with Node's fetch as an api_key provider is called: the key as a
// bearer token against `<url>/v3`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { startSendGrid } from "./support/sendgrid.mjs";

let sendgrid;

before(async () => {
  sendgrid = await startSendGrid();
});

after(async () => {
  await sendgrid?.stop();
});

function call(path, key, init = {}) {
  const headers = { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  return fetch(`${sendgrid.url}/v3${path}`, { ...init, headers });
}

test("a key made by the knob names the account; a wrong one gets SendGrid's 401", async () => {
  const key = await sendgrid.newKey();
  assert.match(key, /^SG\.[\w-]{22}\.[\w-]{43}$/);

  const username = await call("/user/username", key);
  assert.equal(username.status, 200);
  assert.equal((await username.json()).username, sendgrid.username);
  assert.ok(Number(username.headers.get("x-ratelimit-remaining")) >= 0);
  const refused = await call("/user/profile", `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`);
  assert.equal(refused.status, 401);
  assert.deepEqual(await refused.json(), {
    errors: [{ field: null, help: null, message: "The provided authorization grant is invalid, expired, or revoked" }],
  });
});

test("contacts upserted with PUT are found by email, and the request log holds no key", async () => {
  const key = await sendgrid.newKey();
  const put = await call("/marketing/contacts", key, { method: "PUT", body: JSON.stringify({ contacts: [{ email: "Grace@Acme.test", first_name: "Grace" }] }) });
  assert.equal(put.status, 202);
  assert.ok((await put.json()).job_id);

  const found = await call("/marketing/contacts/search/emails", key, { method: "POST", body: JSON.stringify({ emails: ["grace@acme.test"] }) });
  assert.equal(found.status, 200);
  assert.equal((await found.json()).result["grace@acme.test"].contact.first_name, "Grace");
  const log = JSON.stringify(await sendgrid.knob("GET", "/requests"));
  assert.ok(!log.includes(key.split(".")[2]), log);
});
