//! A delivery: one batch of events for one app's target URL, and every attempt to send it.

use serde_json::{Value, json};

use super::{
    event::Event,
    retry::{self, Outcome, Verdict},
};
use crate::clock;

/// At most this many events per POST. HubSpot's own maximum is not published (reference 4.2
/// could not confirm the often-quoted 100); 100 is what the platform must be ready for.
pub const MAX_EVENTS_PER_REQUEST: usize = 100;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting to be sent at `due_ms` (now for a new batch).
    Pending {
        /// When it may be sent, ms.
        due_ms: u64,
    },
    /// A request is in flight.
    Sending,
    /// The receiver answered 2xx.
    Delivered,
    /// The receiver answered a status HubSpot does not retry.
    Refused,
    /// Every retry failed.
    GaveUp,
}

/// One attempt and how it ended.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The `attemptNumber` the events carried.
    pub attempt_number: u32,
    /// When it was sent, ms.
    pub sent_ms: u64,
    /// How long until the answer or the failure, ms.
    pub duration_ms: u64,
    /// How it ended.
    pub outcome: Outcome,
}

/// One batch for one app.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The delivery's id within the sandbox.
    pub id: u64,
    /// The app's client id (its secret signs the requests).
    pub client_id: String,
    /// Where it goes, fixed when the batch was made.
    pub target_url: String,
    /// The events, in the order they happened.
    pub events: Vec<Event>,
    /// Every attempt so far.
    pub attempts: Vec<Attempt>,
    /// Where it stands.
    pub state: State,
    /// The delay before the last retry, ms (the floor of the next one).
    pub last_delay_ms: u64,
}

impl Delivery {
    /// The `attemptNumber` of the next request: 0 first, then one more per retry.
    pub fn next_attempt_number(&self) -> u32 {
        u32::try_from(self.attempts.len()).unwrap_or(u32::MAX)
    }

    /// The request body of the next attempt: the events, each with that attempt number.
    pub fn body(&self) -> Vec<u8> {
        let attempt_number = self.next_attempt_number();
        let events: Vec<Event> = self
            .events
            .iter()
            .cloned()
            .map(|mut event| {
                event.attempt_number = attempt_number;
                event
            })
            .collect();
        // Serializing plain structs of strings and numbers cannot fail.
        serde_json::to_vec(&events).unwrap_or_default()
    }

    /// Records an attempt and moves to what follows it.
    pub fn record(&mut self, attempt: Attempt) {
        let retries = self.next_attempt_number();
        let verdict = retry::verdict(&attempt.outcome, retries, self.last_delay_ms);
        let ended_ms = attempt.sent_ms + attempt.duration_ms;
        self.attempts.push(attempt);
        self.state = match verdict {
            Verdict::Delivered => State::Delivered,
            Verdict::Refused => State::Refused,
            Verdict::GaveUp => State::GaveUp,
            Verdict::RetryIn(delay_ms) => {
                self.last_delay_ms = delay_ms;
                State::Pending {
                    due_ms: ended_ms + delay_ms,
                }
            }
        };
    }

    /// The deliveries knob's view: ids, states and outcomes, no secret and no signature.
    pub fn view(&self) -> Value {
        let (state, next_attempt_at) = match self.state {
            State::Pending { due_ms } => ("pending", Some(clock::iso8601(due_ms))),
            State::Sending => ("sending", None),
            State::Delivered => ("delivered", None),
            State::Refused => ("refused", None),
            State::GaveUp => ("gaveUp", None),
        };
        let attempts: Vec<Value> = self
            .attempts
            .iter()
            .map(|attempt| {
                let mut view = json!({
                    "attemptNumber": attempt.attempt_number,
                    "sentAt": clock::iso8601(attempt.sent_ms),
                    "durationMs": attempt.duration_ms,
                });
                match &attempt.outcome {
                    Outcome::Status { status, .. } => view["status"] = json!(status),
                    Outcome::Timeout => view["error"] = json!("timeout"),
                    Outcome::ConnectionFailed(why) => view["error"] = json!(why),
                }
                view
            })
            .collect();
        let mut view = json!({
            "deliveryId": self.id,
            "clientId": self.client_id,
            "targetUrl": self.target_url,
            "state": state,
            "eventIds": self.events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
            "attempts": attempts,
        });
        if let Some(at) = next_attempt_at {
            view["nextAttemptAt"] = json!(at);
        }
        view
    }
}
