//! The workflow engine inside `paragon serve` (see docs/architecture.md): workers claim due runs
//! in batches under a lease, execute their steps (`steps`, one file per kind of step), and retry,
//! finish or fail them (`runner`). A crashed worker's lease expires and another claims the run;
//! steps already done are not repeated (their outputs are stored), and HubSpot creates are
//! idempotent on retry (see `steps::action`). Beside it, the `scheduler` enqueues the runs of
//! schedule-triggered workflows at their ticks.

pub mod outcome;
pub(crate) mod run_inputs;
mod runner;
pub mod scheduler;
mod steps;

use std::{sync::Arc, time::Duration};

use tokio::sync::{Notify, Semaphore};

use crate::{connect::Connect, ids::WorkerId};

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Runs executed at once by this process.
    pub workers: usize,
    /// Attempts before a run fails for good.
    pub max_attempts: i64,
    /// How long a claim lasts without the worker finishing.
    pub lease: Duration,
    /// How often an idle engine looks for due runs (it is also woken by new events).
    pub poll: Duration,
    /// Provider API calls per account per window for providers whose definition sets no pace
    /// (none by default: their 429s pause the account). It sets the pacer of `Connect`, which
    /// the proxy shares: one limit per account for every caller in the process.
    pub rate_limit: Option<(usize, Duration)>,
    /// The longest the scheduler sleeps between looks at the schedules (it wakes at the next
    /// due tick when that is sooner).
    pub schedule_poll: Duration,
    /// The window a tick's runs are spread over, one stable offset per workflow and user.
    pub schedule_jitter: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            workers: 8,
            max_attempts: 10,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(250),
            rate_limit: None,
            schedule_poll: Duration::from_secs(5),
            schedule_jitter: Duration::from_secs(60),
        }
    }
}

/// A running engine's handles: wake it when runs were enqueued, and learn when runs answer.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    wake: Arc<Notify>,
    answered: Arc<Notify>,
}

impl EngineHandle {
    /// Tells the engine that runs are waiting (it also polls).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A handle to give to [`spawn`]; until then wake-ups go nowhere.
    pub fn new() -> Self {
        Self {
            wake: Arc::new(Notify::new()),
            answered: Arc::new(Notify::new()),
        }
    }

    /// Tells whoever waits in this process (request triggers) that a run answered or ended.
    pub(crate) fn answered(&self) {
        self.answered.notify_waiters();
    }

    /// Resolves at the next [`Self::answered`] after it is enabled; a run executed by another
    /// replica is not announced here, so waiters also poll.
    pub fn next_answer(&self) -> tokio::sync::futures::Notified<'_> {
        self.answered.notified()
    }
}

impl Default for EngineHandle {
    fn default() -> Self {
        Self::new()
    }
}

/// Starts the engine on the current runtime; it stops when `shutdown` resolves (in-flight runs
/// are dropped and their leases expire, so another worker finishes them).
pub fn spawn<F>(
    connect: Connect,
    config: EngineConfig,
    handle: &EngineHandle,
    shutdown: F,
) -> tokio::task::JoinHandle<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let wake = handle.wake.clone();
    // Runs enqueued by other replicas (PostgreSQL) wake this engine too.
    connect.store.watch_runs(wake.clone());
    let owner = WorkerId::from_text(format!("worker-{}", uuid::Uuid::new_v4().simple()));
    let runner = Arc::new(runner::Runner::new(
        connect,
        config.clone(),
        owner,
        handle.clone(),
    ));
    tokio::spawn(work(runner, config, wake, shutdown))
}

/// The engine's loop: claims as many due runs as workers are free, runs each on its own task,
/// and sleeps until woken or the next poll when there was nothing to do.
async fn work<F>(runner: Arc<runner::Runner>, config: EngineConfig, wake: Arc<Notify>, shutdown: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::pin!(shutdown);
    let permits = Arc::new(Semaphore::new(config.workers.max(1)));
    loop {
        let claimed = claim(&runner, &permits).await;
        let idle = claimed.is_empty();
        for run in claimed {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let runner = runner.clone();
            tokio::spawn(async move {
                runner.execute(run).await;
                drop(permit);
            });
        }
        if idle {
            tokio::select! {
                () = &mut shutdown => return,
                () = wake.notified() => {}
                () = tokio::time::sleep(config.poll) => {}
            }
        } else if futures_ready(&mut shutdown).await {
            return;
        }
    }
}

/// Due runs, as many as workers are free (none when all are busy).
async fn claim(runner: &runner::Runner, permits: &Semaphore) -> Vec<crate::storage::Run> {
    let free = permits.available_permits() as i64;
    if free == 0 {
        return Vec::new();
    }
    runner.claim(free).await.unwrap_or_else(|error| {
        tracing::error!(%error, "claiming runs failed");
        Vec::new()
    })
}

/// Whether `shutdown` has completed, without waiting for it.
async fn futures_ready<F: std::future::Future<Output = ()> + Unpin>(shutdown: &mut F) -> bool {
    tokio::select! {
        biased;
        () = shutdown => true,
        () = std::future::ready(()) => false,
    }
}
