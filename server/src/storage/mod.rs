//! Storage (DESIGN.md section 9): one trait, an implementation per backend (SQLite by default,
//! PostgreSQL for several replicas), each with its own migrations, chosen by the URL scheme.

mod bounds;
mod connect_model;
mod engine_model;
mod model;
pub mod postgres;
mod sql_bounds;
mod sql_connect;
mod sql_engine;
mod sql_projects;
mod sql_vault;
pub mod sqlite;

use std::{fmt::Debug, path::PathBuf, sync::Arc};

use async_trait::async_trait;
use serde_json::{Map, Value};

pub use bounds::{BoundsStore, EventCount, EventHits};
pub use connect_model::{Credential, CredentialStatus, Flow, FlowStart, FlowStatus, Integration};
pub use engine_model::{
    Attempt, DeployedWorkflow, EventOutcome, NewEvent, Run, RunFilter, RunStatus, WorkflowSpec,
};
pub use model::{
    DEFAULT_MAX_TOKEN_LIFETIME_SECS, MAX_USER_META_BYTES, Project, SigningKeyRecord, User,
    merge_meta,
};
pub use sql_vault::{SealedColumn, SealedValue};

use crate::{
    auth::signing_key::PublicKey,
    ids::{Kid, ProjectId, UserId},
};

/// The platform's persistent state: every area's store behind one handle.
pub trait Storage:
    ProjectStore + ConnectStore + EngineStore + RunQueue + VaultStore + BoundsStore
{
}

impl<T: ProjectStore + ConnectStore + EngineStore + RunQueue + VaultStore + BoundsStore> Storage
    for T
{
}

/// Every sealed column, for `paragon vault reseal` (sql_vault.rs).
#[async_trait]
pub trait VaultStore: Send + Sync + Debug {
    /// Up to `limit` non-null values of `column` in rows whose id sorts after `after_row`
    /// (`""` for the first page), by id.
    async fn sealed_values(
        &self,
        column: SealedColumn,
        after_row: &str,
        limit: i64,
    ) -> Result<Vec<SealedValue>, StorageError>;
    /// Writes `new` where the column still holds `old`; `false` if it changed meanwhile.
    async fn replace_sealed(
        &self,
        column: SealedColumn,
        row: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<bool, StorageError>;
}

/// Projects, their keys and their users. Every method is one transaction.
#[async_trait]
pub trait ProjectStore: Send + Sync + Debug {
    /// Creates a project with its first API key (stored as a hash).
    async fn create_project(
        &self,
        project: &Project,
        api_key_hash: &[u8],
    ) -> Result<(), StorageError>;
    /// A project by id.
    async fn project(&self, id: ProjectId) -> Result<Option<Project>, StorageError>;
    /// Writes a project's name, origins and token lifetime; `false` if it does not exist.
    async fn update_project(&self, project: &Project) -> Result<bool, StorageError>;
    /// The project an API key belongs to, if the key is known and not revoked.
    async fn project_of_api_key(
        &self,
        api_key_hash: &[u8],
    ) -> Result<Option<ProjectId>, StorageError>;
    /// Adds a signing key; [`StorageError::Conflict`] if the project has that `kid` already or
    /// another project has it active.
    async fn add_signing_key(
        &self,
        project: ProjectId,
        key: &PublicKey,
        now: i64,
    ) -> Result<(), StorageError>;
    /// Every signing key of a project, revoked ones included, oldest first.
    async fn signing_keys(&self, project: ProjectId)
    -> Result<Vec<SigningKeyRecord>, StorageError>;
    /// Revokes a key at once; `false` if the project has no such active key.
    async fn revoke_signing_key(
        &self,
        project: ProjectId,
        kid: &Kid,
        now: i64,
    ) -> Result<bool, StorageError>;
    /// The user, created on first sight (the first valid token for a `sub` creates it).
    async fn ensure_user(
        &self,
        project: ProjectId,
        user: &UserId,
        now: i64,
    ) -> Result<User, StorageError>;
    /// Merges `patch` into the user's metadata ([`merge_meta`]); `None` if there is no such user,
    /// [`StorageError::TooLarge`] (nothing written) if the result would pass
    /// [`MAX_USER_META_BYTES`].
    async fn merge_user_meta(
        &self,
        project: ProjectId,
        user: &UserId,
        patch: &Map<String, Value>,
    ) -> Result<Option<User>, StorageError>;
}

/// Integrations, credentials and OAuth flows (DESIGN.md section 5). Ids are the rows' text ids.
#[async_trait]
pub trait ConnectStore: Send + Sync + Debug {
    /// Inserts the project's integration for its provider, or updates it when it has this id.
    async fn upsert_integration(
        &self,
        integration: &Integration,
    ) -> Result<Integration, StorageError>;
    /// The project's integrations, oldest first.
    async fn integrations(&self, project: &str) -> Result<Vec<Integration>, StorageError>;
    /// One integration of the project.
    async fn integration(
        &self,
        project: &str,
        id: &str,
    ) -> Result<Option<Integration>, StorageError>;
    /// The project's integration with a provider.
    async fn integration_by_provider(
        &self,
        project: &str,
        provider: &str,
    ) -> Result<Option<Integration>, StorageError>;

    /// Stores a new flow.
    async fn create_flow(&self, flow: &Flow) -> Result<(), StorageError>;
    /// A flow by id.
    async fn flow(&self, id: &str) -> Result<Option<Flow>, StorageError>;
    /// Moves a `created`, unexpired flow to `started` with its state hash, sealed PKCE verifier
    /// and browser binding, if `start.secret_hash` is the flow's start secret; `None` if the
    /// secret is wrong or the flow was used or expired (single use).
    async fn start_flow(
        &self,
        id: &str,
        start: &FlowStart<'_>,
        now: i64,
    ) -> Result<Option<Flow>, StorageError>;
    /// The flow a state was issued for, whatever its status (read only).
    async fn flow_by_state(&self, state_hash: &[u8]) -> Result<Option<Flow>, StorageError>;
    /// Consumes the `started`, unexpired flow of a state, if `browser_hash` is the binding of
    /// the browser that started it: `None` for a missing, wrong, reused or expired state or
    /// another browser.
    async fn take_flow_by_state(
        &self,
        state_hash: &[u8],
        browser_hash: &[u8],
        now: i64,
    ) -> Result<Option<Flow>, StorageError>;
    /// Fails a flow that has not reached the callback yet (`created` or `started`) with why,
    /// dropping its verifier; false when it had already moved on.
    async fn cancel_flow(&self, id: &str, error: &str, now: i64) -> Result<bool, StorageError>;
    /// Ends a flow (`done` with its credential, or `failed` with why), dropping its verifier.
    async fn finish_flow(
        &self,
        id: &str,
        status: FlowStatus,
        credential_id: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StorageError>;

    /// Inserts the user's credential for the integration, or replaces its tokens (same id).
    async fn save_credential(&self, credential: &Credential) -> Result<(), StorageError>;
    /// A credential of the project.
    async fn credential(&self, project: &str, id: &str)
    -> Result<Option<Credential>, StorageError>;
    /// The user's credential for an integration.
    async fn credential_for(
        &self,
        project: &str,
        user: &str,
        integration: &str,
    ) -> Result<Option<Credential>, StorageError>;
    /// Every credential of the user.
    async fn user_credentials(
        &self,
        project: &str,
        user: &str,
    ) -> Result<Vec<Credential>, StorageError>;
    /// Claims the right to refresh (bumps the version, takes a lease); `false` if the version
    /// moved or another refresher holds an unexpired lease.
    async fn claim_refresh(
        &self,
        id: &str,
        version: i64,
        now: i64,
        lease_secs: i64,
    ) -> Result<bool, StorageError>;
    /// Stores refreshed tokens under a claim; keeps the old refresh token when none is given.
    #[allow(clippy::too_many_arguments)]
    async fn store_refreshed(
        &self,
        id: &str,
        claimed_version: i64,
        access: &[u8],
        refresh: Option<&[u8]>,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StorageError>;
    /// Gives a claim up after a failed refresh, with the credential's new status.
    async fn release_refresh(
        &self,
        id: &str,
        claimed_version: i64,
        status: CredentialStatus,
        now: i64,
    ) -> Result<(), StorageError>;
    /// Deletes a credential; `false` if there was none.
    async fn delete_credential(&self, project: &str, id: &str) -> Result<bool, StorageError>;
}

/// App Events, deployed workflows and runs (DESIGN.md sections 6 to 8). Times are Unix ms.
#[async_trait]
pub trait EngineStore: Send + Sync + Debug {
    /// Stores a deploy as the project's next version; its workflows become the active ones
    /// (ids kept for slugs deployed before). Returns the version and the active workflows.
    async fn deploy(
        &self,
        project: &str,
        bundle: &str,
        specs: &[WorkflowSpec],
        now_ms: i64,
    ) -> Result<(i64, Vec<DeployedWorkflow>), StorageError>;
    /// The bundle (JSON) of a deployed version.
    async fn workflow_bundle(
        &self,
        project: &str,
        version: i64,
    ) -> Result<Option<String>, StorageError>;
    /// The project's active workflows.
    async fn workflows(&self, project: &str) -> Result<Vec<DeployedWorkflow>, StorageError>;
    /// One active workflow.
    async fn workflow(
        &self,
        project: &str,
        id: &str,
    ) -> Result<Option<DeployedWorkflow>, StorageError>;
    /// One workflow, active or not (runs of older versions still need it).
    async fn workflow_any(
        &self,
        project: &str,
        id: &str,
    ) -> Result<Option<DeployedWorkflow>, StorageError>;
    /// A user's choice for a workflow.
    async fn set_user_workflow(
        &self,
        project: &str,
        user: &str,
        workflow: &str,
        enabled: bool,
        now_ms: i64,
    ) -> Result<(), StorageError>;
    /// Every choice the user made: (workflow id, enabled).
    async fn user_workflow_choices(
        &self,
        project: &str,
        user: &str,
    ) -> Result<Vec<(String, bool)>, StorageError>;
    /// In one transaction: records the event (a repeat of its idempotency key records and
    /// enqueues nothing and answers the first outcome) and enqueues one run per active workflow
    /// triggered by its name that the user has enabled and whose integration the user has
    /// connected.
    async fn record_event(&self, event: &NewEvent) -> Result<EventOutcome, StorageError>;
    /// An event's name and payload.
    async fn event(
        &self,
        project: &str,
        id: &str,
    ) -> Result<Option<(String, serde_json::Value)>, StorageError>;
    /// A run of the project.
    async fn run(&self, project: &str, id: &str) -> Result<Option<Run>, StorageError>;
    /// Runs of the project, newest first.
    async fn runs(&self, project: &str, filter: &RunFilter) -> Result<Vec<Run>, StorageError>;
    /// The outputs of a run's finished steps (step id → output).
    async fn step_outputs(
        &self,
        run: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StorageError>;
    /// Stores a finished step's output, so a retry of the run does not repeat it.
    async fn save_step_output(
        &self,
        run: &str,
        step: &str,
        output: &serde_json::Value,
    ) -> Result<(), StorageError>;
    /// Stores (or completes) an attempt of a step.
    async fn record_attempt(&self, attempt: &Attempt) -> Result<(), StorageError>;
    /// Every attempt of a run.
    async fn attempts(&self, run: &str) -> Result<Vec<Attempt>, StorageError>;
    /// Ends a run held by `owner`; `false` if the lease was lost (another worker owns it now).
    #[allow(clippy::too_many_arguments)]
    async fn finish_run(
        &self,
        run: &str,
        owner: &str,
        status: RunStatus,
        error: Option<&str>,
        warnings: &[String],
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Puts a run held by `owner` back in the queue until `next_attempt_ms`.
    async fn retry_run(
        &self,
        run: &str,
        owner: &str,
        next_attempt_ms: i64,
        error: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Enqueues a new run of the same workflow version and event (Task History's replay).
    async fn enqueue_replay(
        &self,
        run: &Run,
        new_id: &str,
        now_ms: i64,
    ) -> Result<(), StorageError>;
}

/// Claiming runs and waking engines: what differs per backend in the queue.
#[async_trait]
pub trait RunQueue: Send + Sync + Debug {
    /// Claims up to `limit` due runs (queued and due, or running under an expired lease) for
    /// `owner` until `now_ms + lease_ms`, counting one attempt each.
    async fn claim_runs(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Run>, StorageError>;

    /// Tells every engine sharing this database that runs were enqueued (PostgreSQL `NOTIFY`;
    /// a no-op where one process owns the database).
    async fn announce_runs(&self) -> Result<(), StorageError>;

    /// Calls `wake` whenever any process announces runs, until the process ends (PostgreSQL
    /// `LISTEN`, reconnecting after errors; a no-op on SQLite, where the engine is woken
    /// in-process).
    fn watch_runs(&self, wake: Arc<tokio::sync::Notify>);
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
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The write would make a value larger than its limit; nothing was written.
    #[error("{0}")]
    TooLarge(String),
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
