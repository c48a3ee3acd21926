//! The bounds queries both backends share (see `sql_projects.rs` for why they are written
//! once). Counting an event differs: PostgreSQL does it in one round trip with a
//! data-modifying CTE, SQLite (in-process, one writer) in two statements; each backend's file
//! has its `count_event_hits`.

/// Adds one hit to a counter row and answers its count. On SQLite the upsert is atomic (one
/// writer); on PostgreSQL concurrent upserts of one row serialize on its lock.
pub(super) const HIT_SQL: &str =
    "INSERT INTO rate_windows (bucket, window_start, hits) VALUES ($1, $2, 1)
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_windows.hits + 1
     RETURNING hits";

/// Events older than the cutoff (`$1`) none of whose runs is queued or running, oldest first,
/// `$2` of them.
const PURGEABLE_EVENTS: &str = "SELECT e.id FROM app_events e
     WHERE e.created_at < $1
       AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.event_id = e.id AND r.status IN ('queued', 'running'))
     ORDER BY e.created_at, e.id LIMIT $2";

/// Deletes the finished runs of a batch of purgeable events (their steps and attempts go with
/// them, `ON DELETE CASCADE`).
pub(super) fn purge_runs_sql() -> String {
    format!(
        "DELETE FROM runs WHERE status NOT IN ('queued', 'running') AND event_id IN ({PURGEABLE_EVENTS})"
    )
}

/// Deletes the same batch of events (their runs are gone, so it selects the same rows).
pub(super) fn purge_events_sql() -> String {
    format!("DELETE FROM app_events WHERE id IN ({PURGEABLE_EVENTS})")
}

macro_rules! bounds_storage {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::BoundsStore for $store {
            async fn count_event(&self, count: &$crate::storage::EventCount<'_>) -> Result<$crate::storage::EventHits, $crate::storage::StorageError> {
                self.count_event_hits(count).await
            }

            async fn accepted_event(&self, project: &str, user: &str, idempotency_key: &str) -> Result<Option<(String, i64)>, $crate::storage::StorageError> {
                Ok(sqlx::query_as("SELECT id, runs FROM app_events WHERE project_id = $1 AND user_id = $2 AND idempotency_key = $3")
                    .bind(project).bind(user).bind(idempotency_key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn trim_user_flows(&self, project: &str, user: &str, keep: i64) -> Result<u64, $crate::storage::StorageError> {
                // A flow whose callback is exchanging the code is left alone: deleting it would
                // lose the answer of a consent the user just gave.
                let done = sqlx::query(
                    "DELETE FROM oauth_flows WHERE id IN (
                       SELECT id FROM (
                         SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC, id DESC) AS n
                         FROM oauth_flows WHERE project_id = $1 AND user_id = $2 AND status <> 'exchanging'
                       ) ranked WHERE n > $3)",
                )
                .bind(project).bind(user).bind(keep)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn purge_flows(&self, before: i64, batch: i64) -> Result<u64, $crate::storage::StorageError> {
                let done = sqlx::query("DELETE FROM oauth_flows WHERE id IN (SELECT id FROM oauth_flows WHERE expires_at < $1 LIMIT $2)")
                    .bind(before).bind(batch)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn purge_events(&self, before_ms: i64, batch: i64) -> Result<u64, $crate::storage::StorageError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(sqlx::AssertSqlSafe($crate::storage::sql_bounds::purge_runs_sql()))
                    .bind(before_ms).bind(batch)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query(sqlx::AssertSqlSafe($crate::storage::sql_bounds::purge_events_sql()))
                    .bind(before_ms).bind(batch)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn purge_rate_windows(&self, before: i64, batch: i64) -> Result<u64, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "DELETE FROM rate_windows WHERE (bucket, window_start) IN
                       (SELECT bucket, window_start FROM rate_windows WHERE window_start < $1 LIMIT $2)",
                )
                .bind(before).bind(batch)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(super) use bounds_storage;
