//! The housekeeping job: a periodic sweep that deletes what is past its time, so the database
//! stays bounded by the traffic of a retention period rather than by the age of the install.
//!
//! Each sweep deletes, in batches of [`BATCH`] rows (short transactions, so SQLite's single
//! writer and PostgreSQL's row locks are held briefly between other requests):
//! - connect flows that expired more than [`FLOW_GRACE_SECS`] ago (the SDK may still read a
//!   finished flow's result shortly after its expiry);
//! - App Events older than the retention, with their runs, steps and attempts (Task History
//!   keeps runs as long as their event; an event with a queued or running run is kept until the
//!   run ends, so the purge never takes a run's input away);
//! - webhook deliveries that ended (delivered or failed) longer ago than the same retention,
//!   with their attempts (pending ones are kept: they are still owed);
//! - rate-limit windows that ended;
//! - console sessions past their absolute end or idle longer than their idle limit (a sign-in
//!   that is never used again would otherwise stay forever).
//!
//! Every replica runs it; the deletes are idempotent, so replicas sweeping at once only share
//! the work.

use std::{future::Future, time::Duration};

use crate::{clock, storage::Store};

/// Rows deleted per statement.
pub const BATCH: i64 = 500;
/// How long after its expiry a flow is kept.
pub const FLOW_GRACE_SECS: i64 = 60 * 60;
/// Rate windows are a minute long; older ones are kept this long (for a look while debugging).
pub const RATE_WINDOW_KEEP_SECS: i64 = 60 * 60;

/// What the job does and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HousekeepingConfig {
    /// How long App Events (and their runs) are kept; `None` keeps them forever.
    pub event_retention: Option<Duration>,
    /// Time between two sweeps (the first runs at start).
    pub interval: Duration,
}

impl Default for HousekeepingConfig {
    fn default() -> Self {
        Self {
            event_retention: Some(Duration::from_secs(30 * 24 * 60 * 60)),
            interval: Duration::from_secs(10 * 60),
        }
    }
}

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Expired connect flows.
    pub flows: u64,
    /// App Events past the retention (their runs went with them).
    pub events: u64,
    /// Ended rate windows.
    pub rate_windows: u64,
    /// Ended webhook deliveries past the retention.
    pub webhook_deliveries: u64,
    /// Expired console sessions.
    pub console_sessions: u64,
}

/// One sweep at `now_ms` (Unix milliseconds): every kind in batches until none is left.
pub async fn sweep(
    store: &Store,
    config: &HousekeepingConfig,
    now_ms: i64,
) -> Result<Swept, crate::storage::StorageError> {
    let flows = drain(|| {
        store.purge_flows(
            now_ms.saturating_sub(clock::ms_from_secs(FLOW_GRACE_SECS)),
            BATCH,
        )
    })
    .await?;
    let (events, webhook_deliveries) = match config.event_retention {
        Some(retention) => {
            let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
            let cutoff = now_ms.saturating_sub(retention_ms);
            (
                drain(|| store.purge_events(cutoff, BATCH)).await?,
                drain(|| store.purge_deliveries(cutoff, BATCH)).await?,
            )
        }
        None => (0, 0),
    };
    let rate_windows = drain(|| {
        store.purge_rate_windows(
            now_ms.saturating_sub(clock::ms_from_secs(RATE_WINDOW_KEEP_SECS)),
            BATCH,
        )
    })
    .await?;
    // One statement: there are as many sessions as people signed in, never a backlog.
    let console_sessions = store
        .purge_console_sessions(
            now_ms,
            now_ms.saturating_sub(crate::http::console::session::IDLE_MS),
        )
        .await?;
    Ok(Swept {
        console_sessions,
        flows,
        events,
        rate_windows,
        webhook_deliveries,
    })
}

/// Repeats one batch delete until a batch comes back short, yielding between batches so that
/// requests get the database in between.
async fn drain<F, Fut>(mut batch: F) -> Result<u64, crate::storage::StorageError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, crate::storage::StorageError>>,
{
    let mut total = 0;
    loop {
        let deleted = batch().await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Spawns the job: a sweep at once, then one every `config.interval`, until `shutdown`.
/// A failed sweep is logged and retried at the next tick; it never stops the server.
pub fn spawn<F>(store: Store, config: HousekeepingConfig, shutdown: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(config.interval.max(Duration::from_secs(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    match sweep(&store, &config, clock::now_ms()).await {
                        Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "housekeeping"),
                        Ok(_) => {}
                        Err(error) => tracing::warn!(%error, "housekeeping failed; trying again later"),
                    }
                }
                () = &mut shutdown => return,
            }
        }
    });
}
