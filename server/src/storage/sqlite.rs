//! The embedded default: one SQLite file in WAL mode, no setup. Only what differs from
//! PostgreSQL is here; the queries are shared ([`SqlStore`]).

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::{
    Pool, Sqlite,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{
    EventCount, EventHits, RunQueue, StorageError, WebhookQueue,
    backend::{Backend, SqlStore},
    bounds::HIT_SQL,
};

/// SQLite-backed [`super::Storage`].
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (or creates) the database file and runs the SQLite migrations.
    pub async fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StorageError::Config(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            // WAL: readers never wait for the writer; NORMAL sync is durable across crashes
            // of the process (not of the machine's power), the usual WAL trade-off.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue instead of failing with SQLITE_BUSY.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self::new(pool))
    }
}

impl Backend for Sqlite {
    /// Nothing: the claim is one statement, and SQLite takes the write lock for it at once, so
    /// two claimers never select the same rows (the database has one writer at a time).
    const CLAIM_LOCK: &'static str = "";
    /// SQLite runs one writer at a time: a key registration needs no lock of its own.
    const KEY_REGISTRATION_LOCK: Option<&'static str> = None;
    const PARENT_LOCK: &'static str = "";

    /// Two statements: one process owns the file, so a second statement costs no network round
    /// trip, and each upsert is atomic under SQLite's single writer.
    async fn count_event_hits(
        pool: &Pool<Self>,
        count: &EventCount<'_>,
    ) -> Result<EventHits, StorageError> {
        let hit = |bucket: String| {
            sqlx::query_scalar::<_, i64>(HIT_SQL)
                .bind(bucket)
                .bind(count.window_start)
                .fetch_one(pool)
        };
        let user = hit(count.user_bucket()).await?;
        let project = if user <= count.user_limit {
            Some(hit(count.project_bucket()).await?)
        } else {
            None
        };
        Ok(EventHits { user, project })
    }
}

#[async_trait]
impl RunQueue for SqlStore<Sqlite> {
    /// The engine is woken in-process: nobody else shares the file.
    async fn announce_runs(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn watch_runs(&self, _wake: Arc<tokio::sync::Notify>) {}
}

#[async_trait]
impl WebhookQueue for SqlStore<Sqlite> {
    /// The worker is woken in-process: nobody else shares the file.
    async fn announce_deliveries(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn watch_deliveries(&self, _wake: &'static tokio::sync::Notify) {}
}
