//! Pacing calls per provider account: at most the provider's published pace in any rolling
//! window (its definition's `rate_limit.pacing`, HubSpot's 100 calls per 10 s), or the
//! operator's default pace for providers that publish none (none unless set: Salesforce's
//! limit is a daily allowance, which a pace per second would only slow down), and a pause when the provider answers 429 with
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

/// Per-account windows and pauses.
#[derive(Debug)]
pub struct Pacer {
    default: Option<(usize, Duration)>,
    accounts: Mutex<HashMap<String, Account>>,
}

#[derive(Debug, Default)]
struct Account {
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Pacer {
    /// A pacer whose pace for providers without one of their own is `default` (`max` calls per
    /// window and account), or none.
    pub fn new(default: Option<(usize, Duration)>) -> Self {
        Self {
            default: default.map(|(max, window)| (max.max(1), window)),
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `account` may be called, and counts the call: within its provider's `pace`
    /// (from the definition) or, without one, the default pace, and never while it is paused.
    pub async fn acquire(&self, account: &str, pace: Option<(usize, Duration)>) {
        let limit = pace
            .map(|(max, window)| (max.max(1), window))
            .or(self.default);
        loop {
            let wait = {
                let mut accounts = self
                    .accounts
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let state = accounts.entry(account.to_owned()).or_default();
                let now = Instant::now();
                if let Some(until) = state.paused_until.filter(|until| *until > now) {
                    Some(until - now)
                } else if let Some((max, window)) = limit {
                    while state
                        .sent
                        .front()
                        .is_some_and(|t| now.duration_since(*t) >= window)
                    {
                        state.sent.pop_front();
                    }
                    if state.sent.len() >= max {
                        // The call fits once the oldest call leaves the window.
                        state
                            .sent
                            .front()
                            .map(|first| window.saturating_sub(now.duration_since(*first)))
                    } else {
                        state.sent.push_back(now);
                        None
                    }
                } else {
                    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_call_after_the_limit_waits_for_the_window() {
        let pacer = Pacer::new(Some((3, Duration::from_secs(10))));
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
    async fn a_definitions_pace_replaces_the_default() {
        let pacer = Pacer::new(Some((100, Duration::from_secs(10))));
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
    async fn without_any_pace_only_a_pause_holds() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.acquire("org-1", None).await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(10),
            "no pace: never held"
        );
        pacer.pause("org-1", Duration::from_secs(2));

        pacer.acquire("org-1", None).await;

        assert!(start.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_the_account() {
        let pacer = Pacer::new(Some((100, Duration::from_secs(10))));
        let start = Instant::now();
        pacer.pause("hub-1", Duration::from_secs(3));

        pacer.acquire("hub-1", None).await;

        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
