//! Rolling-window rate limits per account, as HubSpot applies them to OAuth apps: 110 calls
//! in any 10 s for CRM calls, and a separate 5-per-second window for CRM search.
//!
//! A refused call does not count against the window, so a client that backs off for the
//! advertised `Retry-After` gets through.

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant},
};

/// The verdict on one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let through; this many calls remain in the window.
    Allowed {
        /// Calls left in the current window after this one.
        remaining: u32,
    },
    /// Refused until the oldest call leaves the window.
    Limited {
        /// Time until a call would be let through.
        retry_after: Duration,
    },
}

/// One rolling window per account.
#[derive(Debug)]
pub struct RollingWindow {
    max: u32,
    span: Duration,
    calls: HashMap<u32, VecDeque<Instant>>,
}

impl RollingWindow {
    /// A window of `max` calls per `span`.
    pub fn new(max: u32, span: Duration) -> Self {
        Self {
            max,
            span,
            calls: HashMap::new(),
        }
    }

    /// The window's size, for `X-HubSpot-RateLimit-Max`.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// The window's span, for `X-HubSpot-RateLimit-Interval-Milliseconds`.
    pub fn span(&self) -> Duration {
        self.span
    }

    /// Records a call of `hub_id` at `now` if the window has room.
    pub fn hit(&mut self, hub_id: u32, now: Instant) -> Verdict {
        let calls = self.calls.entry(hub_id).or_default();
        while calls
            .front()
            .is_some_and(|first| now.saturating_duration_since(*first) >= self.span)
        {
            calls.pop_front();
        }
        if calls.len() >= self.max as usize {
            let oldest = calls.front().copied().unwrap_or(now);
            let retry_after = (oldest + self.span).saturating_duration_since(now);
            return Verdict::Limited { retry_after };
        }
        calls.push_back(now);
        let used = u32::try_from(calls.len()).unwrap_or(u32::MAX);
        Verdict::Allowed {
            remaining: self.max.saturating_sub(used),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_after_max_is_limited_until_the_oldest_leaves_the_window() {
        let mut window = RollingWindow::new(2, Duration::from_secs(10));
        let start = Instant::now();
        assert_eq!(window.hit(1, start), Verdict::Allowed { remaining: 1 });
        assert_eq!(window.hit(1, start), Verdict::Allowed { remaining: 0 });
        let later = start + Duration::from_secs(4);
        assert_eq!(
            window.hit(1, later),
            Verdict::Limited {
                retry_after: Duration::from_secs(6)
            }
        );
        assert_eq!(window.hit(2, later), Verdict::Allowed { remaining: 1 });
        let after = start + Duration::from_secs(10);
        assert_eq!(window.hit(1, after), Verdict::Allowed { remaining: 1 });
    }
}
