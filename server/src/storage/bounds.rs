//! [`BoundsStore`]: the storage side of the bounds on what callers can grow: the App Events
//! rate counters every replica shares, the cap on a user's connect flows, and the housekeeping
//! deletes, each in bounded batches. Counting an event differs per database
//! ([`Backend::count_event_hits`]); the rest is shared.

use std::fmt::Debug;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore},
};
use crate::ids::{EventId, ProjectId, UserId};

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
    pub project: ProjectId,
    /// The user's id.
    pub user: &'a UserId,
    /// Unix milliseconds of the start of the window.
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
        project: ProjectId,
        user: &UserId,
        idempotency_key: &str,
    ) -> Result<Option<(EventId, i64)>, StorageError>;
    /// Deletes the user's flows beyond the newest `keep`, except those whose callback is
    /// exchanging the code right now. Returns how many were deleted.
    async fn trim_user_flows(
        &self,
        project: ProjectId,
        user: &UserId,
        keep: i64,
    ) -> Result<u64, StorageError>;
    /// Deletes up to `batch` flows that expired before `before` (Unix milliseconds).
    async fn purge_flows(&self, before: i64, batch: i64) -> Result<u64, StorageError>;
    /// Deletes up to `batch` App Events received before `before_ms` with their runs (and the
    /// runs' steps and attempts), skipping every event that still has a queued or running run.
    async fn purge_events(&self, before_ms: i64, batch: i64) -> Result<u64, StorageError>;
    /// Deletes up to `batch` rate windows that started before `before` (Unix milliseconds).
    async fn purge_rate_windows(&self, before: i64, batch: i64) -> Result<u64, StorageError>;
}

/// Adds one hit to a counter row and answers its count (SQLite's counter runs it once per row).
pub(super) const HIT_SQL: &str = "INSERT INTO rate_windows (bucket, window_start, hits)
     VALUES ($1, $2, 1)
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_windows.hits + 1
     RETURNING hits";

/// Events older than the cutoff (`$1`) none of whose runs is queued or running, oldest first,
/// `$2` of them.
const PURGEABLE_EVENTS: &str = "SELECT e.id FROM app_events e
     WHERE e.created_at < $1
       AND NOT EXISTS (SELECT 1 FROM runs r
                       WHERE r.event_id = e.id AND r.status IN ('queued', 'running'))
     ORDER BY e.created_at, e.id LIMIT $2";

#[async_trait]
impl<DB> BoundsStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    String: Column<DB>,
{
    async fn count_event(&self, count: &EventCount<'_>) -> Result<EventHits, StorageError> {
        DB::count_event_hits(&self.pool, count).await
    }

    async fn accepted_event(
        &self,
        project: ProjectId,
        user: &UserId,
        idempotency_key: &str,
    ) -> Result<Option<(EventId, i64)>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT id, runs FROM app_events
             WHERE project_id = $1 AND user_id = $2 AND idempotency_key = $3",
        )
        .bind(project)
        .bind(user)
        .bind(idempotency_key)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn trim_user_flows(
        &self,
        project: ProjectId,
        user: &UserId,
        keep: i64,
    ) -> Result<u64, StorageError> {
        // A flow whose callback is exchanging the code is left alone: deleting it would lose
        // the answer of a consent the user just gave.
        let done = sqlx::query(
            "DELETE FROM oauth_flows WHERE id IN (
               SELECT id FROM (
                 SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC, id DESC) AS n
                 FROM oauth_flows
                 WHERE project_id = $1 AND user_id = $2 AND status <> 'exchanging'
               ) ranked WHERE n > $3)",
        )
        .bind(project)
        .bind(user)
        .bind(keep)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn purge_flows(&self, before: i64, batch: i64) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "DELETE FROM oauth_flows WHERE id IN
               (SELECT id FROM oauth_flows WHERE expires_at < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(batch)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn purge_events(&self, before_ms: i64, batch: i64) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        // The finished runs of the batch first (their steps and attempts go with them, `ON
        // DELETE CASCADE`); then the same batch of events, which no run holds any more.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM runs WHERE status NOT IN ('queued', 'running')
               AND event_id IN ({PURGEABLE_EVENTS})"
        )))
        .bind(before_ms)
        .bind(batch)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM app_events WHERE id IN ({PURGEABLE_EVENTS})"
        )))
        .bind(before_ms)
        .bind(batch)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn purge_rate_windows(&self, before: i64, batch: i64) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "DELETE FROM rate_windows WHERE (bucket, window_start) IN
               (SELECT bucket, window_start FROM rate_windows WHERE window_start < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(batch)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
