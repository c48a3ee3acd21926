// jsforce, a real Salesforce client library, against the Salesforce stand-in: what works with
// it is meant to work against Salesforce with only the login URL and instance URL changed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import jsforce from "jsforce";

import { startSalesforce } from "./support/salesforce.mjs";

let salesforce;
let token;
let conn;

before(async () => {
  salesforce = await startSalesforce();
  token = await salesforce.connect();
  conn = new jsforce.Connection({ instanceUrl: token.instance_url, accessToken: token.access_token, version: "60.0" });
});

after(async () => {
  await salesforce?.stop();
});

test("a contact is created, retrieved, updated and deleted through jsforce", async () => {
  const created = await conn.sobject("Contact").create({ FirstName: "Grace", LastName: "Hopper", Email: "grace@acme.test" });
  assert.equal(created.success, true);
  assert.match(created.id, /^003[0-9A-Za-z]{15}$/);

  const read = await conn.sobject("Contact").retrieve(created.id);
  assert.equal(read.Name, "Grace Hopper");
  assert.equal(read.attributes.type, "Contact");

  const updated = await conn.sobject("Contact").update({ Id: created.id, Title: "Rear Admiral" });
  assert.equal(updated.success, true);
  assert.equal((await conn.sobject("Contact").retrieve(created.id)).Title, "Rear Admiral");

  const deleted = await conn.sobject("Contact").destroy(created.id);
  assert.equal(deleted.success, true);
  await assert.rejects(conn.sobject("Contact").retrieve(created.id), (error) => error.errorCode === "NOT_FOUND");
});

test("a SOQL lookup by email finds the contact, escaped quotes and all", async () => {
  await conn.sobject("Contact").create({ LastName: "O'Brien", Email: "obrien@acme.test" });
  const result = await conn.query("SELECT Id, LastName FROM Contact WHERE Email = 'OBRIEN@acme.test' AND LastName = 'O\\'Brien' LIMIT 1");
  assert.equal(result.totalSize, 1);
  assert.equal(result.done, true);
  assert.equal(result.records[0].LastName, "O'Brien");
});

test("Salesforce's errors surface as jsforce errors with their errorCode", async () => {
  await assert.rejects(conn.sobject("Lead").create({ LastName: "Turing" }), (error) => {
    assert.equal(error.errorCode, "REQUIRED_FIELD_MISSING");
    return true;
  });
  await assert.rejects(conn.query("SELECT Id FROM Contact WHERE Email LIKE 'a%'"), (error) => error.errorCode === "MALFORMED_QUERY");
  await salesforce.knob("POST", `/orgs/${token.orgId}/faults`, { forceInvalidSession: 1 });
  await assert.rejects(conn.query("SELECT Id FROM Contact"), (error) => error.errorCode === "INVALID_SESSION_ID");
});
