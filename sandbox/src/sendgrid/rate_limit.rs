//! [`RefreshPeriods`]: SendGrid's rate limits, a number of requests per account and endpoint
//! per fixed "refresh period"
//! (<https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits>).
//!
//! Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`,
//! the Unix time in seconds at which the period ends and the whole allowance comes back (the
//! docs' example, `1392815263`, is such a time, not a number of seconds to wait). Past the limit
//! the endpoint answers 429 until then. A refused request does not use the allowance.

use std::collections::HashMap;

/// Where one account stands with one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Requests per period.
    pub limit: u32,
    /// Requests left in this period.
    pub remaining: u32,
    /// When this period ends, Unix seconds.
    pub reset_at: u64,
}

#[derive(Debug, Clone, Copy)]
struct Period {
    started_ms: u64,
    used: u32,
}

/// The periods of every account and endpoint.
#[derive(Debug)]
pub struct RefreshPeriods {
    limit: u32,
    length_ms: u64,
    periods: HashMap<(String, &'static str), Period>,
}

impl RefreshPeriods {
    /// `limit` requests per `length_ms` for each account and endpoint.
    pub fn new(limit: u32, length_ms: u64) -> Self {
        Self {
            limit,
            length_ms: length_ms.max(1),
            periods: HashMap::new(),
        }
    }

    /// Uses one request of `username` at `endpoint` at `now_ms` if the period has room: `Ok`
    /// with what is left after it, `Err` with the spent period.
    pub fn take(
        &mut self,
        username: &str,
        endpoint: &'static str,
        now_ms: u64,
    ) -> Result<Usage, Usage> {
        let limit = self.limit;
        let period = self.current(username, endpoint, now_ms);
        let allowed = period.used < limit;
        if allowed {
            period.used += 1;
        }
        let snapshot = *period;
        let usage = self.usage(snapshot);
        if allowed { Ok(usage) } else { Err(usage) }
    }

    /// Where `username` stands at `endpoint`, without using anything (for answers that a fault
    /// made before the limit was consulted).
    pub fn peek(&mut self, username: &str, endpoint: &'static str, now_ms: u64) -> Usage {
        let period = *self.current(username, endpoint, now_ms);
        self.usage(period)
    }

    fn current(&mut self, username: &str, endpoint: &'static str, now_ms: u64) -> &mut Period {
        let length_ms = self.length_ms;
        let period = self
            .periods
            .entry((username.to_owned(), endpoint))
            .or_insert(Period {
                started_ms: now_ms,
                used: 0,
            });
        if now_ms.saturating_sub(period.started_ms) >= length_ms {
            *period = Period {
                started_ms: now_ms,
                used: 0,
            };
        }
        period
    }

    fn usage(&self, period: Period) -> Usage {
        Usage {
            limit: self.limit,
            remaining: self.limit.saturating_sub(period.used),
            reset_at: period
                .started_ms
                .saturating_add(self.length_ms)
                .div_ceil(1000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_runs_out_per_endpoint_and_comes_back_whole_at_the_reset() {
        let mut periods = RefreshPeriods::new(2, 60_000);
        let start = 1_700_000_000_000;
        let first = periods.take("ada", "profile", start).expect("allowed");
        assert_eq!((first.remaining, first.reset_at), (1, 1_700_000_060));
        assert!(periods.take("ada", "profile", start + 1).is_ok());
        let refused = periods
            .take("ada", "profile", start + 2)
            .expect_err("limited");
        assert_eq!((refused.remaining, refused.reset_at), (0, 1_700_000_060));
        assert!(
            periods.take("ada", "contacts", start + 2).is_ok(),
            "another endpoint"
        );
        assert!(
            periods.take("grace", "profile", start + 2).is_ok(),
            "another account"
        );
        let later = periods
            .take("ada", "profile", start + 60_000)
            .expect("a new period");
        assert_eq!((later.remaining, later.reset_at), (1, 1_700_000_120));
    }
}
