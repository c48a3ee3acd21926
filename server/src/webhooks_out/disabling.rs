//! When a failing endpoint is disabled, and how the project hears of it.
//!
//! An endpoint is disabled when its failing streak has lasted `disable_after` **and** holds at
//! least [`MIN_FAILED_ATTEMPTS`] failed attempts one after the other. A streak whose latest
//! failure is older than the retry window ([`stale_before`]) starts again at the next failure:
//! a quiet endpoint whose last message failed days ago is not disabled on one transient error.

use std::time::Duration;

use serde_json::json;

use super::{WebhooksOutConfig, emit, event_types, rfc3339};
use crate::{
    ids::{ProjectId, WebhookEndpointId},
    storage::{FailingStreak, Store},
};

/// Failed attempts in a row a streak needs before it can disable its endpoint.
pub const MIN_FAILED_ATTEMPTS: i64 = 5;

/// The shortest gap that breaks a streak, whatever the schedule: with no retries at all, an
/// endpoint failing every message of a steady flow still builds one.
const MIN_STALE_GAP: Duration = Duration::from_secs(60);

/// Failures before this instant say nothing about the endpoint now: the retry window (every
/// wait of the schedule: a delivery's attempts all fall within it), at least a minute.
pub fn stale_before(config: &WebhooksOutConfig, now_ms: i64) -> i64 {
    let window: Duration = config.schedule.iter().sum();
    let gap = i64::try_from(window.max(MIN_STALE_GAP).as_millis()).unwrap_or(i64::MAX);
    now_ms.saturating_sub(gap)
}

/// Whether `streak` is long enough, in time and in attempts, to disable its endpoint.
pub fn is_too_long(streak: FailingStreak, now_ms: i64, disable_after: Duration) -> bool {
    let limit = i64::try_from(disable_after.as_millis()).unwrap_or(i64::MAX);
    streak.attempts >= MIN_FAILED_ATTEMPTS && now_ms.saturating_sub(streak.since_ms) >= limit
}

/// The endpoint that was just disabled, for the project's other endpoints.
#[derive(Debug)]
pub struct Disabled<'a> {
    /// Its project.
    pub project: ProjectId,
    /// The endpoint.
    pub endpoint: &'a WebhookEndpointId,
    /// Its URL (never a secret: the project set it and sees it on `GET`).
    pub url: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Unix ms.
    pub at_ms: i64,
}

/// Sends `endpoint.disabled` to the project's enabled endpoints that subscribe to it (the
/// disabled one is not among them any more); a failure to store it is logged.
pub async fn announce(store: &Store, disabled: &Disabled<'_>) {
    emit(
        store,
        disabled.project,
        event_types::ENDPOINT_DISABLED,
        json!({
            "endpointId": disabled.endpoint,
            "url": disabled.url,
            "reason": disabled.reason,
            "disabledAt": rfc3339(disabled.at_ms),
        }),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_long_streak_needs_time_and_attempts() {
        let after = Duration::from_secs(5 * 24 * 3600);
        let now = 10 * 24 * HOUR;
        let old = now - 6 * 24 * HOUR;
        assert!(is_too_long(
            FailingStreak {
                since_ms: old,
                attempts: 5
            },
            now,
            after
        ));
        assert!(!is_too_long(
            FailingStreak {
                since_ms: old,
                attempts: 4
            },
            now,
            after
        ));
        assert!(!is_too_long(
            FailingStreak {
                since_ms: now - HOUR,
                attempts: 50
            },
            now,
            after
        ));
    }

    #[test]
    fn a_streak_goes_stale_after_the_retry_window() {
        let config = WebhooksOutConfig::default();
        let now = 100 * 24 * HOUR;
        let window: i64 = config.schedule.iter().map(|d| d.as_millis() as i64).sum();
        assert_eq!(stale_before(&config, now), now - window);
        let quick = WebhooksOutConfig {
            schedule: vec![],
            ..WebhooksOutConfig::default()
        };
        assert_eq!(stale_before(&quick, now), now - 60_000);
    }
}
