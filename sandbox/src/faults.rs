//! Fault injection per account (`POST /_sandbox/accounts/{hubId}/faults`): what a flaky
//! HubSpot does to a client, on demand.

use serde::{Deserialize, Serialize};

/// The faults of one account. Each knob is independent; all zero means a healthy HubSpot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// Fraction (0 to 1) of CRM calls that answer a random 500, 502 or 503 without doing
    /// anything.
    #[serde(default)]
    pub error_rate: f64,
    /// The next this-many CRM calls answer 429 `RATE_LIMIT` with `Retry-After: 1`.
    #[serde(default)]
    pub force429: u32,
    /// How many CRM calls pass before the forced 429s begin (so that one lands in the middle
    /// of a run). Shown only when set.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub force429_after: u32,
    /// Delay added before every CRM call of the account is answered.
    #[serde(default)]
    pub latency_ms: u64,
    /// When not zero, every CRM call of the account answers 200 with a JSON body of this many
    /// bytes, sent in chunks without a `Content-Length`, and does nothing: a provider (or a
    /// server a tenant pointed an integration at) that answers far more than any real answer.
    /// Shown only when set, so the faults read as before this knob existed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub huge_answer_bytes: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

/// Uses up one of a forced fault's remaining count: whether it fires on this call. The
/// counted faults of every stand-in (`force429`, Salesforce's `force503`, …) work this way.
pub fn take_one(remaining: &mut u32) -> bool {
    let fires = *remaining > 0;
    *remaining = remaining.saturating_sub(1);
    fires
}

/// What the faults decide for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Answer 429.
    RateLimit,
    /// Answer this 5xx status.
    ServerError(u16),
    /// Answer 200 with a body of this many bytes.
    HugeAnswer(u64),
}

/// The most `hugeAnswerBytes` may ask for: past any cap a client should have, small enough to
/// generate quickly.
pub const MAX_HUGE_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

impl Faults {
    /// Refuses settings outside their ranges.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err("errorRate must be between 0 and 1".into());
        }
        if self.latency_ms > 60_000 {
            return Err("latencyMs must be at most 60000".into());
        }
        if self.huge_answer_bytes > MAX_HUGE_ANSWER_BYTES {
            return Err(format!(
                "hugeAnswerBytes must be at most {MAX_HUGE_ANSWER_BYTES}"
            ));
        }
        Ok(())
    }

    /// Draws the fate of one call, using up one forced 429 if any are left.
    pub fn draw(&mut self) -> Option<Injected> {
        if self.huge_answer_bytes > 0 {
            return Some(Injected::HugeAnswer(self.huge_answer_bytes));
        }
        let counting_down = self.force429 > 0 && take_one(&mut self.force429_after);
        if !counting_down && take_one(&mut self.force429) {
            return Some(Injected::RateLimit);
        }
        if self.error_rate > 0.0 && rand::random::<f64>() < self.error_rate {
            let status = [500, 502, 503][rand::random_range(0..3)];
            return Some(Injected::ServerError(status));
        }
        None
    }
}
