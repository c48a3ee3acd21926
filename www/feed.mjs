// What Acme CRM's backend heard from the platform's webhooks (docs/webhooks.md, "Out"), per
// user, in words for the page's "From your CRMs" panel. Kept in memory, the latest
// FEED_LENGTH per user: a demo's feed, not a store of record (a real app would write the change
// into its own contact).

/** How many entries a user's feed keeps; older ones are dropped. */
export const FEED_LENGTH = 50;

const INTEGRATION_NAMES = { hubspot: "HubSpot", salesforce: "Salesforce" };
/** HubSpot's contact properties (the ones the demo watches) as a person says them. */
const PROPERTY_NAMES = { firstname: "first name", lastname: "last name", email: "email", company: "company", jobtitle: "job title", phone: "phone" };

/** A user's feed: entries `{ id, at, type, text }`, newest first. */
export class Feed {
  #byUser = new Map();

  /** Adds `entry` to `userId`'s feed, in time order, dropping the oldest past FEED_LENGTH. */
  add(userId, entry) {
    const list = this.#byUser.get(userId) ?? [];
    list.push(entry);
    list.sort((a, b) => b.at - a.at); // webhooks may arrive out of order (retries)
    list.length = Math.min(list.length, FEED_LENGTH);
    this.#byUser.set(userId, list);
  }

  of(userId) {
    return this.#byUser.get(userId) ?? [];
  }
}

const integrationName = (type) => INTEGRATION_NAMES[type] ?? type ?? "an integration";

/**
 * A connection.* message in words, or null for another type. Its data is `{userId, integration,
 * providerId, accountName, …}`.
 */
export function connectionText(type, data) {
  // Named as the page's cards and the portal name it ("HubSpot account 70001"), with the
  // account's own name when the provider told it.
  const name = data.providerId ? `${integrationName(data.integration)} account ${data.providerId}` : integrationName(data.integration);
  const which = data.accountName && data.accountName !== data.providerId ? ` (${data.accountName})` : "";
  switch (type) {
    case "connection.created":
      return `You connected ${name}${which}.`;
    case "connection.deleted":
      return `You disconnected ${name}${which}.`;
    case "connection.invalid":
      return `${name}${which} needs you to connect it again: it refused the platform's access.`;
    default:
      return null;
  }
}

/** A failed run in words (`run.failed`: `{workflowName, error, …}`). */
export function runFailedText(data) {
  return `A sync failed for good: “${data.workflowName ?? data.workflowId}”: ${data.error ?? "no error given"}.`;
}

/**
 * A contact.changed message (examples/hubspot-two-way: `{hubspotId, property, value,
 * changeSource}`) in words. `contact` is Acme CRM's own record of it (`{first_name, last_name,
 * email}`) when the app knows which contact that HubSpot id is; otherwise HubSpot's id names it.
 */
export function contactChangedText(data, contact) {
  const who = contact ? `${[contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.email}’s` : `contact ${data.hubspotId}’s`;
  const what = PROPERTY_NAMES[data.property] ?? data.property;
  const value = data.value === "" || data.value == null ? "now empty" : `now ${data.value}`;
  return `HubSpot: ${who} ${what} is ${value}`;
}
