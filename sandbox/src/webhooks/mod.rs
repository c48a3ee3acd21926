//! HubSpot's webhooks: per-app settings and subscriptions, events for the accounts that
//! installed the app, batched, signed (v3) and delivered to the app's target URL with
//! HubSpot's retries (reference section 4).
//!
//! The state ([`Webhooks`]) lives in the sandbox's world like everything else, so a CRM write
//! queues its events under the same lock that makes the write; [`sender`] is the background
//! task that turns queued events into batches and POSTs them, so a CRM request never waits for
//! a receiver.

mod delivery;
mod event;
mod matching;
mod retry;
pub mod sender;
mod signature;
mod subscriptions;

use std::collections::{BTreeMap, btree_map::Entry};

use serde_json::Value;

pub use delivery::{Attempt, Delivery, MAX_EVENTS_PER_REQUEST, State};
pub use event::{ChangeSource, Event};
pub use retry::Outcome;
pub use signature::sign_v3;
pub use subscriptions::{AppWebhooks, SettingsInput, SubscriptionType};

use matching::{Fired, matches};

use crate::{apps::Apps, crm::ContactChange, oauth::tokens::Tokens};

/// One request the sender is to make.
#[derive(Debug)]
pub struct Outgoing {
    /// The world it belongs to: an answer that lands after a reset is dropped.
    pub epoch: u64,
    /// The delivery.
    pub delivery_id: u64,
    /// The target URL, as signed.
    pub url: String,
    /// The JSON array of events.
    pub body: Vec<u8>,
    /// `X-HubSpot-Request-Timestamp`, ms.
    pub timestamp_ms: u64,
    /// `X-HubSpot-Signature-v3`.
    pub signature: String,
    /// The `attemptNumber` the body carries.
    pub attempt_number: u32,
}

/// Every app's webhook settings, the events not yet batched and every delivery.
#[derive(Debug)]
pub struct Webhooks {
    epoch: u64,
    settings: BTreeMap<String, AppWebhooks>,
    last_subscription_id: u64,
    last_event_id: u64,
    queued: Vec<(String, Event)>,
    deliveries: BTreeMap<u64, Delivery>,
    last_delivery_id: u64,
}

impl Default for Webhooks {
    fn default() -> Self {
        Self {
            // Random, so that a world built by a reset never takes an answer meant for the
            // one before it.
            epoch: rand::random(),
            settings: BTreeMap::new(),
            // Plausible HubSpot subscription ids are 6–7 digits.
            last_subscription_id: 1_000_000,
            last_event_id: 0,
            queued: Vec::new(),
            deliveries: BTreeMap::new(),
            last_delivery_id: 0,
        }
    }
}

impl Webhooks {
    /// Replaces an app's settings; a message says what is wrong with `input`.
    pub fn configure(
        &mut self,
        client_id: &str,
        input: SettingsInput,
    ) -> Result<&AppWebhooks, String> {
        let settings = AppWebhooks::from_input(
            input,
            self.settings.get(client_id),
            &mut self.last_subscription_id,
        )?;
        Ok(match self.settings.entry(client_id.to_owned()) {
            Entry::Occupied(mut stored) => {
                stored.insert(settings);
                stored.into_mut()
            }
            Entry::Vacant(slot) => slot.insert(settings),
        })
    }

    /// An app's settings, if it has any.
    pub fn settings(&self, client_id: &str) -> Option<&AppWebhooks> {
        self.settings.get(client_id)
    }

    /// Queues the events `changes` in account `hub_id` produce for every app with webhooks
    /// that the account installed (a grant that is not revoked). Returns how many.
    pub fn contact_changed(
        &mut self,
        apps: &Apps,
        tokens: &Tokens,
        hub_id: u32,
        changes: &[ContactChange],
        source: ChangeSource,
    ) -> usize {
        let before = self.queued.len();
        for (client_id, settings) in &self.settings {
            let Some(app) = apps.get(client_id) else {
                continue;
            };
            if !tokens.installed(client_id, hub_id) {
                continue;
            }
            for change in changes {
                for Fired {
                    subscription,
                    object_id,
                    at_ms,
                    property,
                } in matches(settings, change)
                {
                    self.last_event_id += 1;
                    let (property_name, property_value) = property.unzip();
                    let event = Event {
                        event_id: self.last_event_id,
                        subscription_id: subscription.id,
                        portal_id: hub_id,
                        app_id: app.app_id,
                        occurred_at: at_ms,
                        subscription_type: subscription.kind.as_str(),
                        attempt_number: 0,
                        object_id,
                        change_source: source,
                        change_flag: (subscription.kind == SubscriptionType::Creation)
                            .then_some("NEW"),
                        property_name,
                        property_value,
                    };
                    self.queued.push((client_id.clone(), event));
                }
            }
        }
        self.queued.len() - before
    }

    /// Batches the queued events (per app, at most [`MAX_EVENTS_PER_REQUEST`] each) and hands
    /// out the deliveries due at `now_ms`, at most each app's `maxConcurrentRequests` in flight.
    /// Also returns when the next pending delivery falls due.
    pub fn take_due(&mut self, apps: &Apps, now_ms: u64) -> (Vec<Outgoing>, Option<u64>) {
        self.batch_queued(now_ms);
        let mut in_flight: BTreeMap<String, u32> = BTreeMap::new();
        for delivery in self.deliveries.values() {
            if delivery.state == State::Sending {
                *in_flight.entry(delivery.client_id.clone()).or_default() += 1;
            }
        }
        let mut outgoing = Vec::new();
        let mut next_due: Option<u64> = None;
        for delivery in self.deliveries.values_mut() {
            let State::Pending { due_ms } = delivery.state else {
                continue;
            };
            if due_ms > now_ms {
                next_due = Some(next_due.map_or(due_ms, |next| next.min(due_ms)));
                continue;
            }
            let limit = self
                .settings
                .get(&delivery.client_id)
                .map_or(subscriptions::DEFAULT_MAX_CONCURRENT_REQUESTS, |s| {
                    s.max_concurrent_requests
                });
            let busy = in_flight.entry(delivery.client_id.clone()).or_default();
            if *busy >= limit {
                // Sent when one of the app's requests ends (the sender looks again then).
                continue;
            }
            let Some(app) = apps.get(&delivery.client_id) else {
                delivery.state = State::GaveUp;
                continue;
            };
            *busy += 1;
            let body = delivery.body();
            outgoing.push(Outgoing {
                epoch: self.epoch,
                delivery_id: delivery.id,
                signature: sign_v3(
                    &app.config.client_secret,
                    "POST",
                    &delivery.target_url,
                    &body,
                    now_ms,
                ),
                url: delivery.target_url.clone(),
                body,
                timestamp_ms: now_ms,
                attempt_number: delivery.next_attempt_number(),
            });
            delivery.state = State::Sending;
        }
        (outgoing, next_due)
    }

    fn batch_queued(&mut self, now_ms: u64) {
        let mut per_app: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for (client_id, event) in std::mem::take(&mut self.queued) {
            per_app.entry(client_id).or_default().push(event);
        }
        for (client_id, events) in per_app {
            // Settings removed since the events were queued: nowhere to send them.
            let Some(target_url) = self.settings.get(&client_id).map(|s| s.target_url.clone())
            else {
                continue;
            };
            for batch in events.chunks(MAX_EVENTS_PER_REQUEST) {
                self.last_delivery_id += 1;
                self.deliveries.insert(
                    self.last_delivery_id,
                    Delivery {
                        id: self.last_delivery_id,
                        client_id: client_id.clone(),
                        target_url: target_url.clone(),
                        events: batch.to_vec(),
                        attempts: Vec::new(),
                        state: State::Pending { due_ms: now_ms },
                        last_delay_ms: 0,
                    },
                );
            }
        }
    }

    /// Records how a request ended; an answer for a world a reset replaced is dropped.
    pub fn record(&mut self, epoch: u64, delivery_id: u64, attempt: Attempt) {
        if epoch != self.epoch {
            return;
        }
        if let Some(delivery) = self.deliveries.get_mut(&delivery_id) {
            delivery.record(attempt);
        }
    }

    /// The retry-now knob: every delivery waiting for a retry is due now. Returns how many.
    pub fn retry_now(&mut self, now_ms: u64) -> usize {
        let mut due = 0;
        for delivery in self.deliveries.values_mut() {
            if let State::Pending { due_ms } = &mut delivery.state {
                if *due_ms > now_ms {
                    *due_ms = now_ms;
                    due += 1;
                }
            }
        }
        due
    }

    /// The deliveries knob's list, oldest first.
    pub fn views(&self) -> Vec<Value> {
        self.deliveries.values().map(Delivery::view).collect()
    }
}
