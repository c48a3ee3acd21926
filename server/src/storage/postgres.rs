//! PostgreSQL, for more than one machine: any number of `paragon serve` replicas share it.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{StorageError, sql_connect::connect_storage, sql_projects::project_storage};

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
