//! Schedules: each active `trigger: schedule:` workflow's next due tick (`schedules` table), and
//! firing a tick: the scheduler of every replica reads the due ones and claims each with an
//! UPDATE conditional on the tick it read, in the transaction that records one input and one
//! queued run per user who has the workflow enabled. A replica that loses the race changes no
//! row and enqueues nothing, so a tick fires once however many replicas see it due.
//!
//! The claim's inner select takes the row with the run claim's lock clause
//! ([`Backend::CLAIM_LOCK`]): on PostgreSQL a row another replica holds (firing it, or frozen
//! mid-transaction) is skipped rather than waited for, so one stuck replica does not stop every
//! scheduler; the skipped tick stays due and is taken on a later pass once the holder commits
//! (the tick moved: nothing to do) or rolls back. A select that does take the lock re-checks
//! the tick on the latest row version, so a tick already moved matches nothing. On SQLite the
//! single writer serializes the claims.
//!
//! The users' inputs and runs are written a few hundred per statement, so a tick of thousands
//! of users holds SQLite's only writer for a few statements, not two per user.

use async_trait::async_trait;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{ColumnIndex, Executor, Transaction};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore},
    engine::ScheduleSpec,
};
use crate::{
    ids::{EventId, ProjectId, RunId, UserId, WorkflowId},
    input_keys,
};

/// A schedule whose next tick is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSchedule {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its project.
    pub project_id: ProjectId,
    /// The five cron fields.
    pub cron: String,
    /// The IANA zone, `""` for UTC.
    pub timezone: String,
    /// The stored next tick, Unix ms: the claim's condition.
    pub next_tick_ms: i64,
}

/// Firing one due schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick<'a> {
    /// The schedule as read (its `next_tick_ms` is the claim's condition).
    pub due: &'a DueSchedule,
    /// The slot the runs are for (the latest due slot: missed slots collapse into it), Unix ms.
    pub tick_ms: i64,
    /// The slot to store as the next tick: the first one after now.
    pub next_tick_ms: i64,
    /// The runs' input, `{time}` (`schedule.*`).
    pub payload: &'a Value,
    /// Unix ms.
    pub now_ms: i64,
    /// The width of the window runs are spread over from the tick (see [`jitter_ms`]).
    pub jitter_window_ms: i64,
}

/// The deterministic offset of `user`'s run of `workflow` in a window of `window_ms` after the
/// tick: thousands of users of one schedule do not call their provider in the same second, and
/// each user's run starts at the same point of the window every tick. SHA-256 rather than std's
/// hasher, whose output may change between Rust releases (and so between replicas).
pub fn jitter_ms(workflow: &WorkflowId, user: &UserId, window_ms: i64) -> i64 {
    if window_ms <= 0 {
        return 0;
    }
    let digest = Sha256::digest(format!("{workflow}\n{user}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // Both are non-negative, so the remainder is in [0, window_ms).
    (u64::from_be_bytes(first) % window_ms.unsigned_abs()) as i64
}

/// Schedules and their ticks. Times are Unix ms.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Up to `limit` schedules of active workflows due at `now_ms`, the most overdue first.
    async fn due_schedules(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueSchedule>, StorageError>;
    /// The earliest stored next tick, when there is a schedule.
    async fn next_schedule_tick(&self) -> Result<Option<i64>, StorageError>;
    /// In one transaction: claims `tick.due` (moves its next tick to `tick.next_tick_ms` if it
    /// is still the one read) and enqueues one run per user who has the workflow enabled and a
    /// valid connection of its integration, each due at the tick (or now, if later) plus the
    /// user's [`jitter_ms`] in the jitter window, narrowed to end before the next tick.
    /// `None` when another replica claimed the tick first (or holds it now); else how many
    /// runs were enqueued.
    async fn fire_schedule(&self, tick: &Tick<'_>) -> Result<Option<u64>, StorageError>;
}

/// Writes a deployed schedule in the deploy's transaction: a new one starts at its first slot;
/// a changed rule starts again from its first slot; an unchanged one keeps its next tick.
pub(super) async fn deploy_schedule<DB>(
    tx: &mut Transaction<'_, DB>,
    project: ProjectId,
    workflow: &WorkflowId,
    schedule: &ScheduleSpec,
) -> Result<(), StorageError>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: Param<DB>,
    i64: Column<DB>,
    String: Column<DB>,
{
    sqlx::query(
        "INSERT INTO schedules (workflow_id, project_id, cron, timezone, next_tick_ms)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (workflow_id) DO UPDATE SET cron = excluded.cron,
           timezone = excluded.timezone,
           next_tick_ms = CASE WHEN schedules.cron = excluded.cron
             AND schedules.timezone = excluded.timezone
             THEN schedules.next_tick_ms ELSE excluded.next_tick_ms END",
    )
    .bind(workflow)
    .bind(project)
    .bind(schedule.cron.as_str())
    .bind(schedule.timezone.as_str())
    .bind(schedule.first_tick_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes, in the deploy's transaction, the schedules of the project's workflows that this
/// deploy left out or gave another trigger: deployed again later, they start from their next
/// slot rather than firing the ticks of the time they were away.
pub(super) async fn drop_unscheduled<DB>(
    tx: &mut Transaction<'_, DB>,
    project: ProjectId,
) -> Result<(), StorageError>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: Column<DB>,
{
    sqlx::query(
        "DELETE FROM schedules WHERE project_id = $1 AND workflow_id IN (
           SELECT id FROM workflows WHERE project_id = $1
             AND (active = 0 OR trigger_kind <> 'schedule'))",
    )
    .bind(project)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `schedules` row.
#[derive(sqlx::FromRow)]
struct ScheduleRow {
    workflow_id: WorkflowId,
    project_id: ProjectId,
    cron: String,
    timezone: String,
    next_tick_ms: i64,
}

#[async_trait]
impl<DB> ScheduleStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
{
    async fn due_schedules(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueSchedule>, StorageError> {
        let rows: Vec<ScheduleRow> = sqlx::query_as(
            "SELECT s.workflow_id, s.project_id, s.cron, s.timezone, s.next_tick_ms
             FROM schedules s JOIN workflows w ON w.id = s.workflow_id AND w.active = 1
             WHERE s.next_tick_ms <= $1 ORDER BY s.next_tick_ms LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| DueSchedule {
                workflow_id: row.workflow_id,
                project_id: row.project_id,
                cron: row.cron,
                timezone: row.timezone,
                next_tick_ms: row.next_tick_ms,
            })
            .collect())
    }

    async fn next_schedule_tick(&self) -> Result<Option<i64>, StorageError> {
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MIN(next_tick_ms) FROM schedules")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn fire_schedule(&self, tick: &Tick<'_>) -> Result<Option<u64>, StorageError> {
        let due = tick.due;
        let mut tx = self.pool.begin().await?;
        // The claim, first: the statement that makes this replica the only one to fire the
        // tick (see the module's comment), and SQLite's write lock from here to the commit.
        let claim = format!(
            "UPDATE schedules SET next_tick_ms = $3
             WHERE workflow_id IN (SELECT workflow_id FROM schedules
               WHERE workflow_id = $1 AND next_tick_ms = $2 {lock})",
            lock = DB::CLAIM_LOCK,
        );
        let claimed = sqlx::query(sqlx::AssertSqlSafe(claim))
            .bind(&due.workflow_id)
            .bind(due.next_tick_ms)
            .bind(tick.next_tick_ms)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        // The users App Events would start it for (`record_trigger`): enabled, by choice or by
        // default, with a valid connection of the workflow's integration.
        let users: Vec<(UserId, i64)> = sqlx::query_as(
            "SELECT DISTINCT c.user_id, w.version FROM workflows w
             JOIN integrations i ON i.project_id = w.project_id AND i.provider = w.integration
             JOIN credentials c ON c.project_id = w.project_id AND c.integration_id = i.id
               AND c.status = 'VALID'
             LEFT JOIN user_workflows uw ON uw.project_id = w.project_id
               AND uw.workflow_id = w.id AND uw.user_id = c.user_id
             WHERE w.id = $1 AND w.active = 1 AND w.trigger_kind = 'schedule'
               AND COALESCE(uw.enabled, w.default_enabled) = 1
             ORDER BY c.user_id",
        )
        .bind(&due.workflow_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut runs = 0;
        // One workflow row: every user has its version.
        if let Some(&(_, version)) = users.first() {
            let users: Vec<UserId> = users.into_iter().map(|(user, _)| user).collect();
            for chunk in users.chunks(USERS_PER_STATEMENT) {
                runs += enqueue_chunk(&mut tx, tick, version, chunk).await?;
            }
        }
        tx.commit().await?;
        Ok(Some(runs))
    }
}

/// Users whose inputs and runs one multi-row INSERT writes: a tick of thousands of users takes
/// a few statements rather than two per user, so SQLite's only writer is held briefly. The
/// runs' INSERT binds 4 values per user, far below SQLite's 32 766 and PostgreSQL's 65 535.
const USERS_PER_STATEMENT: usize = 500;

/// Records `users`' inputs of `tick` and a queued run for each input that is new; how many
/// runs. Keyed by workflow and tick (ON CONFLICT DO NOTHING): even a tick fired twice (a clock
/// stepped back across a redeploy) records each user's input once.
async fn enqueue_chunk<DB>(
    tx: &mut Transaction<'_, DB>,
    tick: &Tick<'_>,
    version: i64,
    users: &[UserId],
) -> Result<u64, StorageError>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    String: Column<DB>,
{
    let due = tick.due;
    if users.is_empty() {
        return Ok(0);
    }
    let key = input_keys::schedule(&due.workflow_id, tick.tick_ms);
    let payload = tick.payload.to_string();
    // $1..$5 are shared by every row; each user adds its input's id and its own id.
    let rows = placeholders(users.len(), 6, 2, |n| {
        format!("(${}, $1, ${}, $2, $3, $4, 1, $5, 'schedule')", n[0], n[1])
    });
    let sql = format!(
        "INSERT INTO app_events (id, project_id, user_id, idempotency_key, name, payload,
           runs, created_at, source)
         VALUES {rows}
         ON CONFLICT (project_id, user_id, idempotency_key) DO NOTHING
         RETURNING id, user_id"
    );
    let mut insert = sqlx::query_as::<_, (EventId, UserId)>(sqlx::AssertSqlSafe(sql))
        .bind(due.project_id)
        .bind(key.as_str())
        .bind(due.cron.as_str())
        .bind(payload.as_str())
        .bind(tick.now_ms);
    for user in users {
        insert = insert.bind(EventId::random()).bind(user);
    }
    let inserted = insert.fetch_all(&mut **tx).await?;
    if inserted.is_empty() {
        return Ok(0);
    }
    let start_ms = tick.tick_ms.max(tick.now_ms);
    // Never due at or after the next slot, so runs of two ticks never swap places.
    let window_ms = tick
        .jitter_window_ms
        .min(tick.next_tick_ms.saturating_sub(start_ms));
    // $1..$5 are shared; each run adds its id, user, input and due time.
    let rows = placeholders(inserted.len(), 6, 4, |n| {
        format!(
            "(${}, $1, ${}, $2, $5, ${}, 'queued', 0, ${}, '[]', $3, $4, $4)",
            n[0], n[1], n[2], n[3]
        )
    });
    let sql = format!(
        "INSERT INTO runs (id, project_id, user_id, workflow_id, workflow_version, event_id,
           status, attempts, next_attempt_ms, warnings, scheduled_ms, created_ms, updated_ms)
         VALUES {rows}"
    );
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(due.project_id)
        .bind(&due.workflow_id)
        .bind(tick.tick_ms)
        .bind(tick.now_ms)
        .bind(version);
    for (event, user) in &inserted {
        let due_ms = start_ms + jitter_ms(&due.workflow_id, user, window_ms);
        insert = insert
            .bind(RunId::random())
            .bind(user)
            .bind(event)
            .bind(due_ms);
    }
    insert.execute(&mut **tx).await?;
    Ok(inserted.len() as u64)
}

/// `rows` row tuples joined by commas, each from `row` given its `width` parameter numbers,
/// numbered on from `first`.
fn placeholders(
    rows: usize,
    first: usize,
    width: usize,
    row: impl Fn(&[usize]) -> String,
) -> String {
    (0..rows)
        .map(|r| {
            let numbers: Vec<usize> = (0..width).map(|c| first + r * width + c).collect();
            row(&numbers)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_stable_spread_and_inside_the_window() {
        let workflow = WorkflowId::random();
        let users: Vec<UserId> = (0..1000)
            .map(|n| UserId::parse(&format!("user-{n}")).expect("a user id"))
            .collect();
        let offsets: Vec<i64> = users
            .iter()
            .map(|u| jitter_ms(&workflow, u, 60_000))
            .collect();
        assert!(offsets.iter().all(|o| (0..60_000).contains(o)));
        // The same user gets the same offset at every tick.
        assert_eq!(offsets[7], jitter_ms(&workflow, &users[7], 60_000));
        // Spread: 1000 users over 60 000 ms share few offsets and fill the window's ends.
        let distinct: std::collections::BTreeSet<i64> = offsets.iter().copied().collect();
        assert!(distinct.len() > 950, "{} distinct", distinct.len());
        assert!(offsets.iter().any(|o| *o < 6_000) && offsets.iter().any(|o| *o >= 54_000));
        // Another workflow moves the user elsewhere in the window.
        let other = WorkflowId::random();
        let moved = users
            .iter()
            .filter(|u| jitter_ms(&other, u, 60_000) != jitter_ms(&workflow, u, 60_000))
            .count();
        assert!(moved > 950);
        assert_eq!(jitter_ms(&workflow, &users[0], 0), 0);
    }
}
