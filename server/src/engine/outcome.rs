//! How a step ended, classified for the engine: done with an output, worth another try later,
//! failed for good, or not even startable. The runner turns each into what happens to the run
//! (`Runner::settle`), the same for every kind of step.

use std::time::Duration;

use serde_json::Value;

use crate::storage::StorageError;

/// What one try of a step produced: what it leaves for later steps, or why not.
pub type StepResult = Result<StepDone, StepFailure>;

/// A step that completed: its output (`steps.<id>.output`), the provider's status for a
/// `request:` step (`steps.<id>.status`), and the provider's refusal when the step went on past
/// an error answer (`on_error: continue`), which Task History shows on its attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDone {
    /// The output.
    pub output: Value,
    /// The HTTP status, for `request:` steps.
    pub status: Option<u16>,
    /// The error answer the step continued past.
    pub refused: Option<String>,
}

impl From<Value> for StepDone {
    fn from(output: Value) -> Self {
        Self {
            output,
            status: None,
            refused: None,
        }
    }
}

/// Why a step did not produce its output.
#[derive(Debug)]
pub enum StepFailure {
    /// Network, 5xx, 429: try the run again later (not before `after` when the provider said).
    Retry {
        /// Why.
        message: String,
        /// The provider's `Retry-After`, if any.
        after: Option<Duration>,
    },
    /// Validation errors, refused credentials: no retry can help. The provider's message.
    Failed(String),
    /// The step's input cannot run (a required input rendered empty, a path that leaves the
    /// API): the run fails without calling the provider; the step's attempt records why.
    Invalid(String),
    /// The storage failed: the run is left to its lease and retried by whoever claims it.
    Storage(StorageError),
}

impl From<StorageError> for StepFailure {
    fn from(error: StorageError) -> Self {
        Self::Storage(error)
    }
}

/// Exponential backoff with jitter: attempt 1 waits about `BASE`, each next one twice as long,
/// capped at `CAP`; a random fraction (between half and all of it) spreads retries of many runs
/// so that they do not hit the provider together. A provider's `Retry-After` wins when longer.
pub fn backoff(attempt: i64, retry_after: Option<Duration>) -> Duration {
    const BASE_MS: u64 = 500;
    const CAP_MS: u64 = 30_000;
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    let full = BASE_MS.saturating_mul(1u64 << exponent).min(CAP_MS);
    let mut byte = [0u8; 1];
    rand::fill(&mut byte);
    let jittered = full / 2 + (full / 2) * u64::from(byte[0]) / 255;
    let wait = Duration::from_millis(jittered);
    retry_after.map_or(wait, |after| after.max(wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps_and_honours_retry_after() {
        let first = backoff(1, None);
        assert!(
            first >= Duration::from_millis(250) && first <= Duration::from_millis(500),
            "{first:?}"
        );
        let fifth = backoff(5, None);
        assert!(
            fifth >= Duration::from_millis(4_000) && fifth <= Duration::from_millis(8_000),
            "{fifth:?}"
        );
        assert!(backoff(40, None) <= Duration::from_secs(30));
        assert_eq!(
            backoff(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }
}
