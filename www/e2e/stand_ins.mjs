// What the walk reads of the two CRM stand-ins, through their test knobs (`/_sandbox/`): the
// contacts of a HubSpot account and the records of a Salesforce org, to check where each
// contact of the app arrived. The knobs are the stand-ins' own; the real CRMs have none.
import assert from "node:assert/strict";

const HUBSPOT = process.env.DEMO_HUBSPOT_URL;
const SALESFORCE = process.env.DEMO_SALESFORCE_URL;

async function knob(base, path) {
  const response = await fetch(`${base}/_sandbox${path}`);
  assert.equal(response.status, 200, `${base}/_sandbox${path} answers`);
  return response.json();
}

/** The contacts of HubSpot account `hubId` whose email is `email`, each `{ id, properties }`. */
export async function hubspotContacts(hubId, email) {
  return (await knob(HUBSPOT, `/accounts/${hubId}/contacts`)).filter((c) => c.properties.email === email);
}

/** The id (`00D…`) of the Salesforce org whose one user is `username`. */
export async function salesforceOrg(username) {
  const org = (await knob(SALESFORCE, "/orgs")).find((o) => o.username === username);
  assert.ok(org, `the Salesforce stand-in has an org of ${username}`);
  return org.orgId;
}

/** The Contacts of Salesforce org `orgId` whose Email is `email`, each with its fields. */
export async function salesforceContacts(orgId, email) {
  return (await knob(SALESFORCE, `/orgs/${orgId}/records`)).filter((r) => r.type === "Contact" && r.Email === email);
}

/**
 * Changes contact `id` of HubSpot account `hubId` as a person in HubSpot's UI would (the knob's
 * changes carry `changeSource: CRM_UI`); HubSpot then sends the app's webhooks. Answers the contact.
 */
export async function editHubSpotContact(hubId, id, properties) {
  const response = await fetch(`${HUBSPOT}/_sandbox/accounts/${hubId}/contacts/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ properties }),
  });
  assert.equal(response.status, 200, `PATCH contact ${id} of HubSpot account ${hubId} answers`);
  return response.json();
}

/** HubSpot's webhook deliveries to the platform, oldest first, each `{ deliveryId, state, eventIds, attempts }`. */
export async function hubspotDeliveries() {
  return knob(HUBSPOT, "/webhooks/deliveries");
}
