//! Pacing calls per provider account: at most `max` calls in any rolling `window` (by default
//! HubSpot's 110 per 10 s for OAuth apps), and the provider's own pace where its definition sets
//! one (`rate_limit.pacing`), and a pause when the provider answers 429 with
//! `Retry-After`. Every call to a provider's API as a user goes through it (the engine's steps
//! and the proxy alike, see `api_client`), so one account's limit is shared by all of them.
//!
//! In-process: each replica paces its own calls. Several replicas on one account can still
//! exceed the limit together; the provider's 429 then pauses each of them (and a run is retried),
//! so the effect is slower, never lost.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

use tokio::time::Instant;

/// HubSpot's limit for OAuth apps: 110 calls per account in any 10 seconds.
pub const HUBSPOT_LIMIT: (usize, Duration) = (110, Duration::from_secs(10));

/// Per-account windows and pauses.
#[derive(Debug)]
pub struct Pacer {
    max: usize,
    window: Duration,
    accounts: Mutex<HashMap<String, Account>>,
}

#[derive(Debug, Default)]
struct Account {
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Pacer {
    /// A pacer of `max` calls per `window` and account.
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max: max.max(1),
            window,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `account` may be called, and counts the call: within the pacer's limit and,
    /// when its provider's definition sets one, within that pace too (the stricter wins).
    pub async fn acquire(&self, account: &str, pace: Option<(usize, Duration)>) {
        let mut limits = vec![(self.max, self.window)];
        limits.extend(pace.map(|(max, window)| (max.max(1), window)));
        let longest = limits
            .iter()
            .map(|(_, window)| *window)
            .max()
            .unwrap_or(self.window);
        loop {
            let wait = {
                let mut accounts = self
                    .accounts
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let state = accounts.entry(account.to_owned()).or_default();
                let now = Instant::now();
                while state
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= longest)
                {
                    state.sent.pop_front();
                }
                match state.paused_until {
                    Some(until) if until > now => Some(until - now),
                    _ => match full(&state.sent, &limits, now) {
                        Some(wait) => Some(wait),
                        None => {
                            state.sent.push_back(now);
                            None
                        }
                    },
                }
            };
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait.max(Duration::from_millis(5))).await,
            }
        }
    }

    /// Holds every call to `account` for `duration` (the provider said 429).
    pub fn pause(&self, account: &str, duration: Duration) {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = accounts.entry(account.to_owned()).or_default();
        let until = Instant::now() + duration;
        state.paused_until = Some(
            state
                .paused_until
                .map_or(until, |current| current.max(until)),
        );
    }
}

/// How long until a call fits every limit, or `None` when it fits now.
fn full(sent: &VecDeque<Instant>, limits: &[(usize, Duration)], now: Instant) -> Option<Duration> {
    limits
        .iter()
        .filter_map(|&(max, window)| {
            let in_window: Vec<&Instant> = sent
                .iter()
                .filter(|t| now.duration_since(**t) < window)
                .collect();
            // The call fits once the oldest of the last `max` calls leaves the window.
            (in_window.len() >= max).then(|| {
                let oldest = in_window[in_window.len() - max];
                window.saturating_sub(now.duration_since(*oldest))
            })
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_call_after_the_limit_waits_for_the_window() {
        let pacer = Pacer::new(3, Duration::from_secs(10));
        let start = Instant::now();
        for _ in 0..3 {
            pacer.acquire("hub-1", None).await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));

        pacer.acquire("hub-1", None).await;
        assert!(start.elapsed() >= Duration::from_secs(10));
        pacer.acquire("hub-2", None).await;
        assert!(
            start.elapsed() < Duration::from_secs(11),
            "another account is not held"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_definitions_pace_stricter_than_the_pacers_holds_too() {
        let pacer = Pacer::new(100, Duration::from_secs(10));
        let start = Instant::now();
        pacer
            .acquire("org-1", Some((2, Duration::from_secs(1))))
            .await;
        pacer
            .acquire("org-1", Some((2, Duration::from_secs(1))))
            .await;
        assert!(start.elapsed() < Duration::from_millis(10));

        pacer
            .acquire("org-1", Some((2, Duration::from_secs(1))))
            .await;

        assert!(start.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_the_account() {
        let pacer = Pacer::new(100, Duration::from_secs(10));
        let start = Instant::now();
        pacer.pause("hub-1", Duration::from_secs(3));

        pacer.acquire("hub-1", None).await;

        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
