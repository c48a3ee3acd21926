//! The embedded default: one SQLite file in WAL mode, no setup.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    StorageError, sql_bounds::bounds_storage, sql_connect::connect_storage,
    sql_engine::engine_storage, sql_projects::project_storage, sql_vault::vault_storage,
};

/// SQLite-backed [`super::Storage`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
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
        Ok(Self { pool })
    }
}

project_storage!(SqliteStore);
connect_storage!(SqliteStore, sqlx::sqlite::SqliteRow);
engine_storage!(SqliteStore, sqlx::sqlite::SqliteRow);
vault_storage!(SqliteStore, sqlx::sqlite::SqliteRow);
bounds_storage!(SqliteStore);

#[async_trait::async_trait]
impl super::RunQueue for SqliteStore {
    async fn claim_runs(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<super::Run>, StorageError> {
        // One statement: SQLite takes the write lock for it at once, so two claimers never
        // select the same rows (the database has one writer at a time).
        self.claim("", owner, now_ms, lease_ms, limit).await
    }

    async fn announce_runs(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn watch_runs(&self, _wake: std::sync::Arc<tokio::sync::Notify>) {}
}

impl SqliteStore {
    /// SQLite runs one writer at a time: a key registration needs no lock of its own.
    const KEY_REGISTRATION_LOCK: Option<&'static str> = None;

    /// Two statements: one process owns the file, so a second statement costs no network round
    /// trip, and each upsert is atomic under SQLite's single writer.
    async fn count_event_hits(
        &self,
        count: &super::EventCount<'_>,
    ) -> Result<super::EventHits, StorageError> {
        let hit = |bucket: String| {
            sqlx::query_scalar::<_, i64>(super::sql_bounds::HIT_SQL)
                .bind(bucket)
                .bind(count.window_start)
                .fetch_one(&self.pool)
        };
        let user = hit(count.user_bucket()).await?;
        let project = if user <= count.user_limit {
            Some(hit(count.project_bucket()).await?)
        } else {
            None
        };
        Ok(super::EventHits { user, project })
    }
}
