//! The SDK's retry policies, apart from the browser so that they are tested natively: the
//! outbox's (an event is kept until the platform has it) and that of other calls (a few quick
//! retries of an idempotent request, while the app waits for its promise).

/// What to do with an event after a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the platform has it (a repeat of its key answers the first answer).
    Delivered,
    /// A permanent 4xx: this event will never be accepted; drop it and reject its promise.
    Rejected,
    /// No answer, 408, 429 or 5xx: keep it and try again later.
    Retry,
    /// 401: the token expired or was refused; keep the event until the next `authenticate`.
    NeedsAuth,
}

/// The outcome of a send that got `status`, or no answer at all (`None`).
pub fn outcome(status: Option<u16>) -> Outcome {
    match status {
        None | Some(408 | 429) | Some(500..) => Outcome::Retry,
        Some(200..=299) => Outcome::Delivered,
        Some(401) => Outcome::NeedsAuth,
        Some(_) => Outcome::Rejected,
    }
}

/// The first retry comes after about this long.
const BASE_MS: f64 = 1_000.0;
/// No wait is longer than this, unless the platform's `Retry-After` asks for more.
const MAX_MS: f64 = 60_000.0;

/// How long to wait before retry number `attempt` (0 for the first): exponential backoff
/// capped at [`MAX_MS`], with "equal jitter" (between half and all of it; `random` in [0, 1))
/// so that many pages cut off together do not come back together; at least `Retry-After`.
pub fn delay_ms(attempt: u32, random: f64, retry_after_secs: Option<f64>) -> f64 {
    let backoff = (BASE_MS * 2f64.powi(attempt.min(16) as i32)).min(MAX_MS);
    let jittered = backoff * (0.5 + random.clamp(0.0, 1.0) / 2.0);
    match retry_after_secs {
        Some(secs) if secs.is_finite() && secs * 1000.0 > jittered => secs * 1000.0,
        _ => jittered,
    }
}

/// How many times an idempotent call is tried again.
const CALL_RETRIES: u32 = 2;
/// A call's retries start after about this long.
const CALL_BASE_MS: f64 = 300.0;
/// A call does not wait longer than this for a retry: when `Retry-After` asks for more, the
/// app gets the answer now and decides.
const CALL_MAX_WAIT_MS: f64 = 5_000.0;

/// After attempt number `attempt` (0 for the first) of a call got `status` (`None`: no answer
/// in time), how long to wait before trying again, or `None` to give the caller this answer.
/// Only idempotent requests (GET, PUT, DELETE) are repeated, only after no answer, 429, 502,
/// 503 or 504, with the same equal jitter as [`delay_ms`], and never longer than
/// `Retry-After` allows.
pub fn call_retry_ms(
    idempotent: bool,
    attempt: u32,
    status: Option<u16>,
    random: f64,
    retry_after_secs: Option<f64>,
) -> Option<f64> {
    let transient = matches!(status, None | Some(429 | 502 | 503 | 504));
    if !idempotent || !transient || attempt >= CALL_RETRIES {
        return None;
    }
    let backoff = CALL_BASE_MS * 2f64.powi(attempt as i32);
    let jittered = backoff * (0.5 + random.clamp(0.0, 1.0) / 2.0);
    match retry_after_secs {
        Some(secs) if secs * 1000.0 > CALL_MAX_WAIT_MS => None,
        Some(secs) if secs * 1000.0 > jittered => Some(secs * 1000.0),
        _ => Some(jittered),
    }
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn network_errors_throttling_and_server_errors_are_retried() {
        for status in [None, Some(408), Some(429), Some(500), Some(503)] {
            assert_eq!(outcome(status), Outcome::Retry, "{status:?}");
        }
    }

    #[test]
    fn other_client_errors_are_permanent_but_401_waits_for_a_new_token() {
        assert_eq!(outcome(Some(201)), Outcome::Delivered);
        assert_eq!(outcome(Some(400)), Outcome::Rejected);
        assert_eq!(outcome(Some(413)), Outcome::Rejected);
        assert_eq!(outcome(Some(401)), Outcome::NeedsAuth);
    }

    #[test]
    fn the_backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(delay_ms(0, 0.0, None), 500.0);
        assert_eq!(delay_ms(0, 1.0, None), 1_000.0);
        assert_eq!(delay_ms(3, 1.0, None), 8_000.0);
        assert_eq!(delay_ms(40, 1.0, None), 60_000.0);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        assert_eq!(delay_ms(0, 1.0, Some(120.0)), 120_000.0);
        assert_eq!(delay_ms(3, 1.0, Some(1.0)), 8_000.0);
    }

    #[test]
    fn a_call_is_retried_only_when_idempotent_and_transient_and_only_twice() {
        assert_eq!(call_retry_ms(true, 0, None, 1.0, None), Some(300.0));
        assert_eq!(call_retry_ms(true, 1, Some(503), 0.0, None), Some(300.0));
        assert_eq!(call_retry_ms(true, 2, Some(503), 1.0, None), None);
        assert_eq!(call_retry_ms(false, 0, None, 1.0, None), None, "POST");
        for status in [200, 400, 401, 404, 500] {
            assert_eq!(
                call_retry_ms(true, 0, Some(status), 1.0, None),
                None,
                "{status}"
            );
        }
    }

    #[test]
    fn a_call_waits_for_a_short_retry_after_but_not_a_long_one() {
        assert_eq!(
            call_retry_ms(true, 0, Some(429), 1.0, Some(2.0)),
            Some(2_000.0)
        );
        assert_eq!(call_retry_ms(true, 0, Some(429), 1.0, Some(30.0)), None);
    }
}
