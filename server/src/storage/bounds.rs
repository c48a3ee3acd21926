//! [`BoundsStore`]: the storage side of the bounds on what callers can grow (issue 12,
//! section 4): the App Events rate counters every replica shares, the cap on a user's connect
//! flows, and the housekeeping deletes, each in bounded batches.

use std::fmt::Debug;

use async_trait::async_trait;

use super::StorageError;

/// The counts of one App Event against its limits, in the current fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHits {
    /// The user's events in this window, this one included.
    pub user: i64,
    /// The project's, this one included; `None` when the user was already over their limit,
    /// so their refused events are not counted against the project (one user cannot use up
    /// every other user's share).
    pub project: Option<i64>,
}

/// One counted App Event: whose, in which window, and the user's limit.
#[derive(Debug, Clone, Copy)]
pub struct EventCount<'a> {
    /// The project's id.
    pub project: &'a str,
    /// The user's id.
    pub user: &'a str,
    /// Unix seconds of the start of the window.
    pub window_start: i64,
    /// The user's limit per window: above it the project's counter is left alone.
    pub user_limit: i64,
}

impl EventCount<'_> {
    /// The counter row of the user.
    pub fn user_bucket(&self) -> String {
        format!("events/user/{}/{}", self.project, self.user)
    }

    /// The counter row of the project.
    pub fn project_bucket(&self) -> String {
        format!("events/project/{}", self.project)
    }
}

/// Rate counters, caps and purges. Every method is one short statement or transaction.
#[async_trait]
pub trait BoundsStore: Send + Sync + Debug {
    /// Counts an App Event in its user's and project's windows (atomically, so replicas on one
    /// database share the counts) and answers both counts.
    async fn count_event(&self, count: &EventCount<'_>) -> Result<EventHits, StorageError>;
    /// The id and run count of an event the user already sent with this idempotency key.
    async fn accepted_event(
        &self,
        project: &str,
        user: &str,
        idempotency_key: &str,
    ) -> Result<Option<(String, i64)>, StorageError>;
    /// Deletes the user's flows beyond the newest `keep`, except those whose callback is
    /// exchanging the code right now. Returns how many were deleted.
    async fn trim_user_flows(
        &self,
        project: &str,
        user: &str,
        keep: i64,
    ) -> Result<u64, StorageError>;
    /// Deletes up to `batch` flows that expired before `before` (Unix seconds).
    async fn purge_flows(&self, before: i64, batch: i64) -> Result<u64, StorageError>;
    /// Deletes up to `batch` App Events received before `before_ms` with their runs (and the
    /// runs' steps and attempts), skipping every event that still has a queued or running run.
    async fn purge_events(&self, before_ms: i64, batch: i64) -> Result<u64, StorageError>;
    /// Deletes up to `batch` rate windows that started before `before` (Unix seconds).
    async fn purge_rate_windows(&self, before: i64, batch: i64) -> Result<u64, StorageError>;
}
