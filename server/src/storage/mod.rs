//! Storage: the platform's state in one SQL database, SQLite by default and PostgreSQL for
//! several replicas, chosen by the URL scheme (docs/architecture.md describes the model).
//!
//! Each concept has one file with its records, its trait and its queries, written once for both
//! databases ([`backend::SqlStore`]): projects.rs, connect.rs, engine.rs, schedules.rs, vault.rs,
//! bounds.rs, webhooks_out.rs, console.rs. sqlite.rs and postgres.rs hold only what differs (connection
//! setup, migrations, locks, the event counter, LISTEN/NOTIFY); each database has its own
//! migrations.

mod backend;
mod bounds;
mod connect;
mod console;
mod engine;
pub mod postgres;
mod projects;
mod schedules;
pub mod sqlite;
mod vault;
mod webhooks_out;

use std::{path::PathBuf, sync::Arc};

pub use backend::{Backend, SqlStore};
pub use bounds::{BoundsStore, EventCount, EventHits};
pub use connect::{
    ConnectStore, Credential, CredentialStatus, Flow, FlowStart, FlowStatus, Integration,
    RefreshedTokens,
};
pub use console::{ConsoleSession, ConsoleStore, ProjectSummary};
pub use engine::{
    Attempt, AttemptOutcome, DeployedWorkflow, EngineStore, EventOutcome, NewEvent, Run, RunEnd,
    RunFilter, RunQueue, RunStatus, ScheduleSpec, StepOutputs, TriggerKind, WorkflowSpec,
};
pub use projects::{
    DEFAULT_MAX_TOKEN_LIFETIME_SECS, MAX_USER_META_BYTES, Project, ProjectStore, SigningKeyRecord,
    User, merge_meta,
};
pub use schedules::{DueSchedule, ScheduleStore, Tick, jitter_ms};
pub use vault::{SealedColumn, SealedValue, VaultStore};
pub use webhooks_out::{
    DeliveryAttempt, DeliveryFilter, DeliveryStatus, EndpointUpdate, FailingStreak, NewMessage,
    WebhookDelivery, WebhookEndpoint, WebhookQueue, WebhookStore,
};

/// The platform's persistent state: every area's store behind one handle.
pub trait Storage:
    ProjectStore
    + ConnectStore
    + EngineStore
    + RunQueue
    + ScheduleStore
    + VaultStore
    + BoundsStore
    + WebhookStore
    + WebhookQueue
    + ConsoleStore
{
}

impl<T> Storage for T where
    T: ProjectStore
        + ConnectStore
        + EngineStore
        + RunQueue
        + ScheduleStore
        + VaultStore
        + BoundsStore
        + WebhookStore
        + WebhookQueue
        + ConsoleStore
{
}

/// A shared handle on the storage.
pub type Store = Arc<dyn Storage>;

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (created if missing, WAL journal).
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Location {
    /// `DATABASE_URL` when set (`postgres://…`, `postgresql://…` or `sqlite://PATH`), else
    /// `paragon.db` in the data folder.
    pub fn from_config(
        database_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> Result<Self, StorageError> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Self::Sqlite(data_dir.join("paragon.db"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Self::Postgres(url.to_owned()))
            }
            Some(url) => match url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
            {
                Some(path) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
                _ => Err(StorageError::Config(
                    "DATABASE_URL must start with postgres://, postgresql:// or sqlite://".into(),
                )),
            },
        }
    }
}

/// Opens the storage and runs its migrations.
pub async fn open(location: &Location) -> Result<Store, StorageError> {
    Ok(match location {
        Location::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path).await?),
        Location::Postgres(url) => Arc::new(postgres::PgStore::connect(url).await?),
    })
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique constraint refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database URL or file is not usable.
    #[error("storage configuration: {0}")]
    Config(String),
    /// A stored value does not parse (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database failed or is unreachable.
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The write would make a value larger than its limit; nothing was written.
    #[error("{0}")]
    TooLarge(String),
}

impl From<sqlx::Error> for StorageError {
    /// A column that does not decode into its type (a bad id, a missing column) is a corrupt
    /// row, not a database failure.
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                Self::Corrupt(error.to_string())
            }
            error => Self::Database(error),
        }
    }
}

impl StorageError {
    /// Turns a unique violation into [`StorageError::Conflict`] with `what` as its message.
    fn on_unique(error: sqlx::Error, what: &str) -> Self {
        match error.as_database_error() {
            Some(db) if db.is_unique_violation() => Self::Conflict(what.to_owned()),
            _ => Self::Database(error),
        }
    }
}
