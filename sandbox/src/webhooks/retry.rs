//! When a failed delivery is sent again (reference 4.5): a connection error, a timeout, or any
//! status but 2xx and 400, 401, 403, 404, 405 is retried, at most 10 times spread over 24
//! hours, each delay random between the previous delay and a maximum; a 429 waits at least its
//! `Retry-After`.
//!
//! HubSpot publishes neither the first delay nor the maxima. Here the maximum of retry n is
//! 12 h / 2^(10 − n) (about 84 s for the first, 12 h for the tenth), so the ten delays add up
//! to at most 24 h, and the first delay is drawn from 1 s up.

use std::time::Duration;

/// Retries after the first attempt; an 11th failure gives up.
pub const MAX_RETRIES: u32 = 10;
/// How long the receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

const FIRST_DELAY_MS: u64 = 1_000;
const LAST_CEILING_MS: u64 = 12 * 3_600_000;
const DAY_MS: u64 = 24 * 3_600_000;

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered.
    Status {
        /// The HTTP status.
        status: u16,
        /// `Retry-After` in seconds, when the answer had one.
        retry_after_s: Option<u64>,
    },
    /// No answer within [`TIMEOUT`].
    Timeout,
    /// No connection, or it broke before an answer.
    ConnectionFailed(String),
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx: done.
    Delivered,
    /// 400, 401, 403, 404 or 405: HubSpot does not retry these.
    Refused,
    /// Send again after this delay, ms.
    RetryIn(u64),
    /// The last retry failed too.
    GaveUp,
}

/// The verdict on `outcome` for a delivery that has had `retries` retries so far, the last
/// after `previous_delay_ms` (0 before the first retry).
pub fn verdict(outcome: &Outcome, retries: u32, previous_delay_ms: u64) -> Verdict {
    let retry_after_ms = match outcome {
        Outcome::Status { status, .. } if (200..300).contains(status) => return Verdict::Delivered,
        Outcome::Status {
            status: 400 | 401 | 403 | 404 | 405,
            ..
        } => return Verdict::Refused,
        Outcome::Status {
            status: 429,
            retry_after_s,
        } => retry_after_s.map_or(0, |s| s.saturating_mul(1000)),
        _ => 0,
    };
    if retries >= MAX_RETRIES {
        return Verdict::GaveUp;
    }
    let drawn = delay_ms(retries + 1, previous_delay_ms);
    Verdict::RetryIn(drawn.max(retry_after_ms).min(DAY_MS))
}

/// The delay before retry `n` (1-based): random between the previous delay and the maximum of
/// retry n (or the previous delay, if that is already larger).
fn delay_ms(n: u32, previous_ms: u64) -> u64 {
    let floor = previous_ms.max(FIRST_DELAY_MS);
    let ceiling = (LAST_CEILING_MS >> MAX_RETRIES.saturating_sub(n)).max(floor);
    rand::random_range(floor..=ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after_s: None,
        }
    }

    #[test]
    fn client_errors_hubspot_names_are_not_retried() {
        for code in [400, 401, 403, 404, 405] {
            assert_eq!(verdict(&status(code), 0, 0), Verdict::Refused, "{code}");
        }
        assert_eq!(verdict(&status(204), 0, 0), Verdict::Delivered);
    }

    #[test]
    fn server_errors_timeouts_and_other_client_errors_are_retried() {
        for outcome in [status(500), status(409), status(302), Outcome::Timeout] {
            assert!(
                matches!(verdict(&outcome, 0, 0), Verdict::RetryIn(_)),
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn delays_never_shrink_and_ten_retries_fit_in_a_day() {
        for _ in 0..200 {
            let mut previous = 0;
            let mut total = 0;
            for retries in 0..MAX_RETRIES {
                let Verdict::RetryIn(delay) = verdict(&Outcome::Timeout, retries, previous) else {
                    panic!("retry {retries} is allowed");
                };
                assert!(delay >= previous);
                total += delay;
                previous = delay;
            }
            assert!(total <= DAY_MS, "{total}");
            assert_eq!(
                verdict(&Outcome::Timeout, MAX_RETRIES, previous),
                Verdict::GaveUp
            );
        }
    }

    #[test]
    fn a_429_waits_at_least_its_retry_after() {
        let outcome = Outcome::Status {
            status: 429,
            retry_after_s: Some(600),
        };
        let Verdict::RetryIn(delay) = verdict(&outcome, 0, 0) else {
            panic!("429 is retried");
        };
        assert!(delay >= 600_000);
    }
}
