//! PostgreSQL, for more than one machine: any number of `paragon serve` replicas share it.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{
    StorageError, sql_connect::connect_storage, sql_engine::engine_storage,
    sql_projects::project_storage,
};

/// PostgreSQL-backed [`super::Storage`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
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
        Ok(Self { pool })
    }
}

project_storage!(PgStore);
connect_storage!(PgStore, sqlx::postgres::PgRow);
engine_storage!(PgStore, sqlx::postgres::PgRow);

#[async_trait::async_trait]
impl super::RunQueue for PgStore {
    async fn claim_runs(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<super::Run>, StorageError> {
        // SKIP LOCKED: replicas claiming at once take different runs instead of waiting.
        let sql = super::sql_engine::claim_sql("FOR UPDATE SKIP LOCKED");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::run_row).collect()
    }
}
