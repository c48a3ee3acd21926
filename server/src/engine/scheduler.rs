//! The scheduler beside the engine: fires the ticks of `trigger: schedule:` workflows.
//!
//! Every replica with an engine runs one. It sleeps until the earliest stored tick (at most
//! [`EngineConfig::schedule_poll`], so a deploy or another replica's claim is seen soon), then
//! fires each due schedule through [`ScheduleStore::fire_schedule`]: the claim is conditional on
//! the tick it read, so replicas racing for a tick enqueue its runs once. The tick's runs are
//! for the latest due slot and the next tick is the first slot after now: after downtime, the
//! missed slots collapse into one run per user. Each user's run is due at the tick plus a
//! stable per-(workflow, user) offset in [`EngineConfig::schedule_jitter`] (narrowed to end
//! before the next slot), so a schedule of thousands of users spreads its provider calls over
//! the window.
//!
//! A failure (the database unreachable) is logged and tried again at the next wake-up: the
//! tick stays due in the database, so it is late, not lost.

use std::{future::Future, time::Duration};

use serde_json::json;

use super::{EngineConfig, EngineHandle};
use crate::{
    clock,
    storage::{DueSchedule, StorageError, Store, Tick},
    workflows::schedule::{Schedule, rfc3339},
};

/// Due schedules read per query.
const BATCH: i64 = 100;

/// Starts the scheduler on the current runtime; it stops when `shutdown` resolves (a tick
/// being fired is either committed whole or not at all).
pub fn spawn<F>(store: Store, config: EngineConfig, engine: EngineHandle, shutdown: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let poll = config.schedule_poll.max(Duration::from_millis(10));
        let jitter_ms = i64::try_from(config.schedule_jitter.as_millis()).unwrap_or(i64::MAX);
        loop {
            let wait = match fire_due(&store, &engine, jitter_ms).await {
                Ok(Wake::Now) => Duration::ZERO,
                Ok(Wake::At(ms)) => Duration::from_millis(
                    u64::try_from(ms.saturating_sub(clock::now_ms())).unwrap_or(0),
                )
                .min(poll),
                Ok(Wake::Poll) => poll,
                Err(error) => {
                    tracing::warn!(%error, "firing schedules failed; trying again later");
                    poll
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// When to look again.
enum Wake {
    /// A full batch was read and some of it fired: there may be more due.
    Now,
    /// At the earliest stored tick (in the future).
    At(i64),
    /// Nothing is scheduled, or a due schedule could not be fired: after the poll interval.
    Poll,
}

/// Fires one batch of due schedules; says when the next is due.
async fn fire_due(
    store: &Store,
    engine: &EngineHandle,
    jitter_ms: i64,
) -> Result<Wake, StorageError> {
    let due = store.due_schedules(clock::now_ms(), BATCH).await?;
    let mut enqueued = 0;
    let mut fired = 0;
    for schedule in &due {
        // Read again for each schedule: firing the ones before may have taken a while, and a
        // stale now would put runs due before the time they were enqueued, and pick the next
        // tick as of then.
        match fire(store, schedule, clock::now_ms(), jitter_ms).await {
            Ok(Some(runs)) => {
                fired += 1;
                enqueued += runs;
            }
            // Another replica claimed it (or, on PostgreSQL, holds it: it stays due).
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(workflow = %schedule.workflow_id, %error, "firing a schedule failed");
            }
        }
    }
    if enqueued > 0 {
        engine.wake();
        // Other replicas' engines too; every engine also polls, so a failed announce only
        // delays the runs.
        if let Err(error) = store.announce_runs().await {
            tracing::warn!(%error, "announcing scheduled runs failed");
        }
    }
    if more_may_be_due(due.len(), fired) {
        return Ok(Wake::Now);
    }
    Ok(match store.next_schedule_tick().await? {
        Some(next) if next > clock::now_ms() => Wake::At(next),
        _ => Wake::Poll,
    })
}

/// Whether to look again at once after reading `read` due schedules and firing `fired`: a
/// full batch leaves more due, but when none of it could be fired (each failed, or is held by
/// another replica) looking again at once would only spin on the same batch.
fn more_may_be_due(read: usize, fired: usize) -> bool {
    read as i64 == BATCH && fired > 0
}

/// Fires `due`'s tick; how many runs this replica enqueued (`None` when another one claimed
/// it).
async fn fire(
    store: &Store,
    due: &DueSchedule,
    now_ms: i64,
    jitter_window_ms: i64,
) -> Result<Option<u64>, StorageError> {
    let timezone = (!due.timezone.is_empty()).then_some(due.timezone.as_str());
    let (tick_ms, next_tick_ms) = match Schedule::parse(&due.cron, timezone) {
        Ok(schedule) => (
            // The latest slot that is due, so that a run after downtime says the time it
            // stands for; never before the stored tick.
            schedule
                .latest_at_or_before(now_ms)
                .map_or(due.next_tick_ms, |latest| latest.max(due.next_tick_ms)),
            schedule.next_after(now_ms).unwrap_or(i64::MAX),
        ),
        Err(error) => {
            // Deploys check the rule, so this is a database edited by hand: the due tick still
            // fires, and the schedule then waits for a deploy that fixes it.
            tracing::error!(workflow = %due.workflow_id, %error, "a stored schedule does not parse; it stops after this tick");
            (due.next_tick_ms, i64::MAX)
        }
    };
    let payload = json!({ "time": rfc3339(tick_ms) });
    store
        .fire_schedule(&Tick {
            due,
            tick_ms,
            next_tick_ms,
            payload: &payload,
            now_ms,
            jitter_window_ms,
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_batch_is_followed_at_once_only_when_some_of_it_fired() {
        assert!(more_may_be_due(100, 1));
        assert!(
            !more_may_be_due(100, 0),
            "all failed or held: wait the poll interval"
        );
        assert!(!more_may_be_due(99, 99), "the batch was all that was due");
    }
}
