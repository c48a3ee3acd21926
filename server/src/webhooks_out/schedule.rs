//! When a failed delivery is tried again: Svix's schedule, and what an endpoint's answer
//! means for the retry.

use std::time::Duration;

/// The waits after each failed attempt (the first attempt is immediate): 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h, which spans about 28 hours, so an endpoint down for a day still gets
/// every message. After the last one the delivery fails (a resend queues it again).
pub const SVIX_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(5 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
];

/// The longest `Retry-After` honoured: an endpoint cannot park a delivery for longer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: delivered.
    Delivered,
    /// A network error, a timeout, a 5xx or a 429: try again (not before `after` when the
    /// endpoint said so).
    Retry {
        /// The endpoint's `Retry-After`, capped.
        after: Option<Duration>,
    },
    /// Any other answer (a 4xx, a 3xx: redirects are not followed): the endpoint refused this
    /// message, and sending it again would be refused again.
    Refused,
}

impl Verdict {
    /// What an HTTP status means.
    pub fn of_status(status: u16, retry_after: Option<Duration>) -> Self {
        match status {
            200..=299 => Self::Delivered,
            429 | 500..=599 => Self::Retry {
                after: retry_after.map(|d| d.min(MAX_RETRY_AFTER)),
            },
            _ => Self::Refused,
        }
    }
}

/// The wait before attempt `attempts + 1` after `attempts` failed ones (1-based), or `None`
/// when the schedule is used up. The endpoint's `Retry-After` wins when it is longer.
pub fn next_wait(
    schedule: &[Duration],
    attempts: i64,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let index = usize::try_from(attempts.saturating_sub(1)).ok()?;
    let wait = *schedule.get(index)?;
    Some(retry_after.map_or(wait, |after| after.max(wait)))
}

/// `Retry-After` as seconds (the HTTP-date form is rare for webhooks and is ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_more_than_a_day_and_then_stops() {
        let total: Duration = SVIX_SCHEDULE.iter().sum();
        assert!(total > Duration::from_secs(24 * 60 * 60));
        assert_eq!(next_wait(&SVIX_SCHEDULE, 1, None), Some(SVIX_SCHEDULE[0]));
        assert_eq!(next_wait(&SVIX_SCHEDULE, 7, None), Some(SVIX_SCHEDULE[6]));
        assert_eq!(next_wait(&SVIX_SCHEDULE, 8, None), None);
        assert_eq!(next_wait(&SVIX_SCHEDULE, 0, None), None);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let after = Some(Duration::from_secs(60));
        assert_eq!(next_wait(&SVIX_SCHEDULE, 1, after), after);
        assert_eq!(
            next_wait(&SVIX_SCHEDULE, 2, after),
            Some(Duration::from_secs(300))
        );
    }

    #[test]
    fn only_429_5xx_are_retried() {
        assert_eq!(Verdict::of_status(204, None), Verdict::Delivered);
        assert_eq!(Verdict::of_status(400, None), Verdict::Refused);
        assert_eq!(Verdict::of_status(410, None), Verdict::Refused);
        assert_eq!(Verdict::of_status(302, None), Verdict::Refused);
        assert_eq!(
            Verdict::of_status(503, None),
            Verdict::Retry { after: None }
        );
        assert_eq!(
            Verdict::of_status(429, Some(Duration::from_secs(10 * 24 * 3600))),
            Verdict::Retry {
                after: Some(MAX_RETRY_AFTER)
            }
        );
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
