//! Webhooks out (docs/webhooks.md): signed notifications to the app's backend when something
//! happens on the platform (a connection made, removed or gone invalid, a run ended, an App
//! Event received, or a project's own type sent by a workflow).
//!
//! [`enqueue`] stores one delivery per subscribed endpoint before anything is sent; the
//! [`worker`] claims due deliveries under a lease (any number of replicas share them), signs
//! each attempt the Standard Webhooks way ([`signature`]), and retries on Svix's schedule
//! ([`schedule`]); an endpoint failing for too long is disabled ([`disabling`]) and the
//! project's other endpoints told.

pub mod disabling;
pub mod endpoints;
pub mod event_types;
pub mod lease;
mod messages;
pub mod schedule;
mod sender;
pub mod signature;
pub mod worker;

use std::time::Duration;

pub use messages::{event_received, run_ended};

use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::{
    clock,
    ids::ProjectId,
    storage::{NewMessage, StorageError, Store},
};

/// Wakes this process's delivery worker when deliveries were enqueued. Process-wide so that
/// any code path can enqueue with only the store in hand; other replicas' workers are woken by
/// PostgreSQL `NOTIFY` ([`announce`]), and every worker also polls.
pub static WAKE: Notify = Notify::const_new();

/// The delivery worker's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhooksOutConfig {
    /// Deliveries sent at once by this process (0: no worker here).
    pub workers: usize,
    /// Waits between attempts ([`schedule::SVIX_SCHEDULE`] by default).
    pub schedule: Vec<Duration>,
    /// An endpoint whose attempts all failed for this long is disabled.
    pub disable_after: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// How long a claim lasts without the worker finishing (longer than twice `timeout`).
    pub lease: Duration,
    /// The most deliveries of one endpoint in flight at once (per claim: see
    /// `claim_deliveries`), so that a slow endpoint leaves workers to the others.
    pub per_endpoint: usize,
    /// How often an idle worker looks for due deliveries.
    pub poll: Duration,
}

impl Default for WebhooksOutConfig {
    fn default() -> Self {
        Self {
            workers: 8,
            schedule: schedule::SVIX_SCHEDULE.to_vec(),
            disable_after: Duration::from_secs(5 * 24 * 60 * 60),
            timeout: Duration::from_secs(15),
            lease: Duration::from_secs(60),
            per_endpoint: 4,
            poll: Duration::from_secs(1),
        }
    }
}

impl WebhooksOutConfig {
    /// Refuses settings the worker cannot keep its promises with: a lease too short for a
    /// request and its recording ([`lease::check`]), or no delivery allowed per endpoint.
    pub fn check(&self) -> Result<(), String> {
        lease::check(self.lease, self.timeout)?;
        if self.per_endpoint == 0 {
            return Err("webhook deliveries per endpoint must be at least 1".into());
        }
        Ok(())
    }
}

/// Stores a message of `event_type` with `data` for every enabled endpoint of `project`
/// subscribed to it, and wakes the worker. Returns the message id (`msg_…`), the same on every
/// endpoint and attempt. `data` must hold no secret: it is sent as it is.
pub async fn enqueue(
    store: &Store,
    project: ProjectId,
    event_type: &str,
    data: Value,
) -> Result<String, StorageError> {
    let message_id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    enqueue_with_id(store, project, &message_id, event_type, data).await?;
    Ok(message_id)
}

/// [`enqueue`] with the caller's message id: an endpoint that has a message of this id already
/// gets nothing new, so a caller that may repeat itself (a retried `notify` step) derives the
/// id from what it is doing. Returns how many endpoints are subscribed to the type.
pub async fn enqueue_with_id(
    store: &Store,
    project: ProjectId,
    message_id: &str,
    event_type: &str,
    data: Value,
) -> Result<u64, StorageError> {
    let now = clock::now_ms();
    let body = json!({
        "id": message_id,
        "type": event_type,
        "createdAt": rfc3339(now),
        "data": data,
    })
    .to_string();
    let queued = store
        .enqueue_webhook(&NewMessage {
            project_id: project,
            message_id,
            event_type,
            body: &body,
            now_ms: now,
        })
        .await?;
    if queued > 0 {
        announce(store).await;
    }
    Ok(queued)
}

/// Wakes this process's worker and, on PostgreSQL, every replica's. The deliveries are stored,
/// so a failed announce only delays them until the workers' next poll.
pub async fn announce(store: &Store) {
    WAKE.notify_one();
    if let Err(error) = store.announce_deliveries().await {
        tracing::warn!(%error, "announcing webhook deliveries failed");
    }
}

/// [`enqueue`] for the platform's own events, where a failure must not undo what happened
/// (the connection stands, the run ended): it is logged for the operator instead.
pub async fn emit(store: &Store, project: ProjectId, event_type: &str, data: Value) {
    if let Err(error) = enqueue(store, project, event_type, data).await {
        tracing::error!(%project, event_type, %error, "a webhook message was not stored");
    }
}

/// Unix ms as RFC 3339 UTC with milliseconds (`2026-01-02T03:04:05.678Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day count from
/// 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_614_265_330_123), "2021-02-25T15:02:10.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
