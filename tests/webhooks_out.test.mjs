// Webhooks out as an app's Node backend receives them: an endpoint added with the CLI
// (`paragon webhooks add`), `paragon serve` delivering `event.received` for an App Event to a
// real HTTP server on 127.0.0.1, and every delivery verified with the `standardwebhooks`
// package (the Standard Webhooks reference library for JavaScript), which also refuses a
// tampered body and another endpoint's secret.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { Webhook } from "standardwebhooks";

import { stopAll } from "./support/app.mjs";
import { field, paragonCli, startParagon } from "./support/paragon.mjs";
import { createProject } from "./support/sdk_page.mjs";

let platform, receiver, dataDir, projectId, apiKey, signToken, secret, endpointId;
const received = [];

/** The app's backend: records every request (headers and raw body) and answers 204. */
function startReceiver() {
  return new Promise((resolve) => {
    const server = createServer((request, response) => {
      const chunks = [];
      request.on("data", (chunk) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(204).end();
      });
    });
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}/webhooks/paragon`, stop: () => new Promise((r) => server.close(r)) }),
    );
  });
}

async function waitForDeliveries(count) {
  const deadline = Date.now() + 20_000;
  while (received.length < count) {
    assert.ok(Date.now() < deadline, `${received.length} of ${count} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return received.slice(0, count);
}

before(async () => {
  receiver = await startReceiver();
  ({ dataDir, projectId, apiKey, signToken } = await createProject("http://app.test"));
  const added = await paragonCli(dataDir, [
    "webhooks", "add", "--project", projectId, receiver.url, "--events", "event.received,connection.created",
  ]);
  endpointId = field(added, "endpoint id:");
  secret = field(added, "signing secret:");
  platform = await startParagon({ dataDir });
});

after(async () => {
  await stopAll(platform, receiver);
});

test("the CLI lists the endpoint without its secret", async () => {
  const listed = await paragonCli(dataDir, ["webhooks", "list", "--project", projectId]);
  assert.ok(listed.includes(endpointId), listed);
  assert.ok(listed.includes("event.received"), listed);
  assert.ok(!listed.includes(secret.slice("whsec_".length)), "no secret in the listing");
});

test("an App Event's delivery verifies with standardwebhooks, and a tampered one does not", async () => {
  const token = await signToken("ada");
  const sent = await fetch(`${platform.url}/v2/projects/${projectId}/sdk/events/trigger`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "Contact Created", payload: { email: "ada@acme.test" } }),
  });
  assert.equal(sent.status, 201, await sent.text());

  const [delivery] = await waitForDeliveries(1);
  const verified = new Webhook(secret).verify(delivery.body, delivery.headers);
  assert.equal(verified.type, "event.received");
  assert.equal(verified.data.userId, "ada");
  assert.equal(verified.data.name, "Contact Created");
  assert.deepEqual(verified.data.payload, { email: "ada@acme.test" });
  assert.equal(verified.id, delivery.headers["webhook-id"]);
  assert.ok(!delivery.body.includes(token), "no user token in the delivery");

  const tampered = delivery.body.replace("ada@acme.test", "eve@acme.test");
  assert.notEqual(tampered, delivery.body);
  assert.throws(() => new Webhook(secret).verify(tampered, delivery.headers), /signature/i);
  const otherSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  assert.throws(() => new Webhook(otherSecret).verify(delivery.body, delivery.headers), /signature/i);
});

/** A management API `GET` with the project's API key; resolves with the JSON body. */
async function api(path) {
  const response = await fetch(`${platform.url}/projects/${projectId}${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

test("the CLI disables and enables the endpoint, and the API shows it", async () => {
  const disabled = await paragonCli(dataDir, ["webhooks", "disable", "--project", projectId, endpointId]);
  assert.ok(disabled.includes("disabled (disabled by the project)"), disabled);
  const shownDisabled = await api(`/webhooks/endpoints/${endpointId}`);
  assert.equal(shownDisabled.disabled, true);
  assert.equal(shownDisabled.disabledReason, "disabled by the project");
  const enabled = await paragonCli(dataDir, ["webhooks", "enable", "--project", projectId, endpointId]);
  assert.ok(enabled.includes(`${endpointId}  enabled`), enabled);
  assert.equal((await api(`/webhooks/endpoints/${endpointId}`)).disabled, false);
  await assert.rejects(paragonCli(dataDir, ["webhooks", "enable", "--project", projectId, "ep_nope"]), /no webhook endpoint ep_nope/);

  // The delivery log shows the App Event's delivery and the attempt that delivered it.
  // The worker stores the outcome right after the answer: wait for it.
  const [delivery] = await waitForDeliveries(1);
  const deadline = Date.now() + 10_000;
  let logged;
  for (;;) {
    const log = await api("/webhooks/deliveries");
    logged = log.data.find((d) => d.messageId === delivery.headers["webhook-id"]);
    if (logged?.status === "delivered" || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(logged, "the delivery is in the log");
  assert.equal(logged.endpointId, endpointId);
  assert.equal(logged.type, "event.received");
  assert.equal(logged.status, "delivered");
  assert.equal(logged.attempts.length, 1, JSON.stringify(logged));
  assert.equal(logged.attempts[0].statusCode, 204);
  assert.equal(logged.attempts[0].error, null);
});
