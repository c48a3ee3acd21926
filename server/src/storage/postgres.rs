//! PostgreSQL, for more than one machine: any number of `paragon serve` replicas share it. Only
//! what differs from SQLite is here; the queries are shared ([`SqlStore`]).

use std::{str::FromStr, sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::{
    Pool, Postgres,
    postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions},
};

use super::{
    EventCount, EventHits, RunQueue, StorageError, WebhookQueue,
    backend::{Backend, SqlStore},
};

/// PostgreSQL-backed [`super::Storage`].
pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to `url` and runs the PostgreSQL migrations.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(PgConnectOptions::from_str(url)?).await
    }

    /// Connects with explicit options (tests use them to put each run in its own schema).
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self::new(pool))
    }
}

/// The channel replicas announce enqueued runs on.
const RUNS_CHANNEL: &str = "paragon_runs";
/// The channel replicas announce queued webhook deliveries on.
const WEBHOOKS_CHANNEL: &str = "paragon_webhooks";

/// Both counters in one round trip: the project's row is counted only when the user's new count
/// is within the user's limit (a data-modifying CTE reads the other's `RETURNING`). Concurrent
/// upserts of one row serialize on its lock, so replicas never lose a hit.
const COUNT_EVENT_SQL: &str = "WITH u AS (
       INSERT INTO rate_windows (bucket, window_start, hits) VALUES ($1, $3, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_windows.hits + 1
       RETURNING hits),
     p AS (
       INSERT INTO rate_windows (bucket, window_start, hits)
       SELECT $2, $3, 1 FROM u WHERE u.hits <= $4
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_windows.hits + 1
       RETURNING hits)
     SELECT (SELECT hits FROM u), (SELECT hits FROM p)";

impl Backend for Postgres {
    /// SKIP LOCKED: replicas claiming at once take different runs instead of waiting.
    const CLAIM_LOCK: &'static str = "FOR UPDATE SKIP LOCKED";
    /// Registrations of signing keys take this transaction-scoped advisory lock, so that two
    /// projects registering the same public key at once cannot both pass the check that no
    /// other project holds it (READ COMMITTED would let both inserts through). The number is
    /// arbitrary and used for nothing else.
    const KEY_REGISTRATION_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(7638)");
    const PARENT_LOCK: &'static str = "FOR KEY SHARE";

    async fn count_event_hits(
        pool: &Pool<Self>,
        count: &EventCount<'_>,
    ) -> Result<EventHits, StorageError> {
        let (user, project): (i64, Option<i64>) = sqlx::query_as(COUNT_EVENT_SQL)
            .bind(count.user_bucket())
            .bind(count.project_bucket())
            .bind(count.window_start)
            .bind(count.user_limit)
            .fetch_one(pool)
            .await?;
        Ok(EventHits { user, project })
    }
}

async fn listen(
    pool: &PgPool,
    channel: &str,
    wake: &tokio::sync::Notify,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    loop {
        listener.recv().await?;
        wake.notify_one();
    }
}

#[async_trait]
impl RunQueue for SqlStore<Postgres> {
    async fn announce_runs(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(RUNS_CHANNEL)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn watch_runs(&self, wake: Arc<tokio::sync::Notify>) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            loop {
                match listen(&pool, RUNS_CHANNEL, &wake).await {
                    Ok(()) => return,
                    Err(error) => {
                        // The engine still polls meanwhile; only the wake-up is late.
                        tracing::warn!(%error, "LISTEN for runs failed; retrying in 1 s");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
}

#[async_trait]
impl WebhookQueue for SqlStore<Postgres> {
    async fn announce_deliveries(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WEBHOOKS_CHANNEL)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn watch_deliveries(&self, wake: &'static tokio::sync::Notify) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            loop {
                match listen(&pool, WEBHOOKS_CHANNEL, wake).await {
                    Ok(()) => return,
                    Err(error) => {
                        // The worker still polls meanwhile; only the wake-up is late.
                        tracing::warn!(%error, "LISTEN for webhook deliveries failed; retrying in 1 s");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
}
