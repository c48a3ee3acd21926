//! The workflow engine's storage: deployed workflows, users' choices, App Events, the run queue
//! and every attempt, with the [`EngineStore`] and [`RunQueue`] traits and the queries both
//! databases share. Times are Unix milliseconds (backoff and leases need sub-second precision).

use std::{fmt::Debug, sync::Arc};

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore, from_json},
};
use crate::ids::{EventId, ProjectId, RunId, UserId, WorkerId, WorkflowId};

/// A workflow as deployed: what matching and the SDK need (the definition itself lives in the
/// deployed version's bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedWorkflow {
    /// UUID v4, stable across deploys of the same slug.
    pub id: WorkflowId,
    /// The project.
    pub project_id: ProjectId,
    /// The YAML file's `id:`.
    pub slug: String,
    /// A name for people.
    pub name: String,
    /// The integration type its steps use.
    pub integration: String,
    /// What kind of trigger starts it.
    pub trigger_kind: TriggerKind,
    /// The App Event that triggers it (empty for the other kinds).
    pub trigger_event: String,
    /// Whether users who have not chosen have it on.
    pub default_enabled: bool,
    /// The deploy that last defined it.
    pub version: i64,
}

/// What starts a deployed workflow, stored by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    /// An App Event (`trigger_event` names it).
    AppEvent,
    /// A request (`POST /sdk/triggers/{workflowId}`).
    Request,
    /// A new connection of the workflow's integration (`trigger_event` names the integration).
    IntegrationEnabled,
    /// A provider's webhook event (`trigger_event` is its type, `:<property>` for a property).
    ProviderEvent,
    /// Its schedule (`trigger_event` is the cron expression, for people; the `schedules` row
    /// holds what the scheduler reads).
    Schedule,
}

impl TriggerKind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppEvent => "app_event",
            Self::Request => "request",
            Self::IntegrationEnabled => "integration_enabled",
            Self::ProviderEvent => "provider_event",
            Self::Schedule => "schedule",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "app_event" => Self::AppEvent,
            "request" => Self::Request,
            "integration_enabled" => Self::IntegrationEnabled,
            "provider_event" => Self::ProviderEvent,
            "schedule" => Self::Schedule,
            _ => return None,
        })
    }
}

/// What a deploy says of one workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowSpec {
    /// The YAML `id:`.
    pub slug: String,
    /// A name for people.
    pub name: String,
    /// The integration type.
    pub integration: String,
    /// What kind of trigger starts it.
    pub trigger_kind: TriggerKind,
    /// The trigger's App Event (empty for the other kinds).
    pub trigger_event: String,
    /// `default_enabled`.
    pub default_enabled: bool,
    /// The time rule of a `schedule` workflow.
    pub schedule: Option<ScheduleSpec>,
}

/// A schedule workflow's rule as deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    /// The five cron fields.
    pub cron: String,
    /// The IANA zone, `""` for UTC.
    pub timezone: String,
    /// Its first slot after the deploy, Unix ms: the next tick of a new schedule, or of one
    /// whose rule changed (an unchanged rule keeps its stored next tick, so a redeploy neither
    /// skips nor repeats a tick).
    pub first_tick_ms: i64,
}

/// An App Event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// UUID v4.
    pub id: EventId,
    /// The project.
    pub project_id: ProjectId,
    /// The user who sent it.
    pub user_id: UserId,
    /// The client's `Idempotency-Key`, or the event id when none was sent.
    pub idempotency_key: String,
    /// The App Event's name.
    pub name: String,
    /// Its payload.
    pub payload: Value,
    /// Unix milliseconds.
    pub created_ms: i64,
}

/// What recording an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOutcome {
    /// The event's id (the first one's, for a repeat).
    pub id: EventId,
    /// How many runs it enqueued.
    pub runs: i64,
    /// Whether this was a repeat of a recorded event (nothing enqueued).
    pub duplicate: bool,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Waiting for a worker (new, or backing off before a retry).
    Queued,
    /// Claimed by a worker under a lease.
    Running,
    /// Every step succeeded.
    Succeeded,
    /// A permanent error, or retries exhausted.
    Failed,
}

impl RunStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A workflow run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// UUID v4.
    pub id: RunId,
    /// The project.
    pub project_id: ProjectId,
    /// The user whose event started it.
    pub user_id: UserId,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// The deploy it runs.
    pub workflow_version: i64,
    /// The event.
    pub event_id: EventId,
    /// Where it is.
    pub status: RunStatus,
    /// Attempts so far (a claim counts one).
    pub attempts: i64,
    /// When it may run (again), Unix ms.
    pub next_attempt_ms: i64,
    /// The worker's lease, Unix ms.
    pub lease_until_ms: Option<i64>,
    /// The worker holding it.
    pub lease_owner: Option<WorkerId>,
    /// The last error.
    pub error: Option<String>,
    /// Template warnings (missing variables).
    pub warnings: Vec<String>,
    /// A request-triggered run's answer, `{"status", "body"}`, once it has one.
    pub response: Option<Value>,
    /// The tick that started a scheduled run, Unix ms.
    pub scheduled_ms: Option<i64>,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms.
    pub updated_ms: i64,
    /// Unix ms.
    pub finished_ms: Option<i64>,
    /// When its first step attempt started, Unix ms; `None` before that (and in the runs a
    /// claim returns, whose engine does not read it).
    pub started_ms: Option<i64>,
}

/// How an attempt of a step went, stored by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Recorded before the call: if the process dies during it, the next attempt knows the
    /// step was tried.
    Started,
    /// The step's call succeeded.
    Succeeded,
    /// A transient failure: the run is retried.
    Retry,
    /// A `delay` step: the run is parked until its wake-up time.
    Waiting,
    /// A permanent failure: the run fails.
    Failed,
}

impl AttemptOutcome {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Succeeded => "succeeded",
            Self::Retry => "retry",
            Self::Waiting => "waiting",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "started" => Self::Started,
            "succeeded" => Self::Succeeded,
            "retry" => Self::Retry,
            "waiting" => Self::Waiting,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// The finished steps of a run: what later steps read and a retry reuses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepOutputs {
    /// Step id to its output (`steps.<id>.output`).
    pub outputs: Map<String, Value>,
    /// Step id to the provider's HTTP status, for the `request:` steps (`steps.<id>.status`).
    pub statuses: Map<String, Value>,
}

/// One try of one step, for Task History.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The run.
    pub run_id: RunId,
    /// The run's attempt number.
    pub attempt: i64,
    /// The step.
    pub step_id: String,
    /// How it went.
    pub outcome: AttemptOutcome,
    /// What was sent (summarised, secrets redacted).
    pub request: Value,
    /// What came back (summarised).
    pub response: Value,
    /// Why it did not succeed.
    pub error: Option<String>,
    /// Unix ms.
    pub started_ms: i64,
    /// Unix ms.
    pub finished_ms: i64,
}

/// Filters of Task History.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only this user's runs.
    pub user_id: Option<UserId>,
    /// Only this workflow's runs.
    pub workflow_id: Option<WorkflowId>,
    /// Only runs in this state.
    pub status: Option<RunStatus>,
    /// Created at or after, Unix ms.
    pub since_ms: Option<i64>,
    /// Created before, Unix ms.
    pub until_ms: Option<i64>,
    /// Runs older than this (created ms, id) cursor: the next page.
    pub before: Option<(i64, RunId)>,
    /// Page size.
    pub limit: i64,
}

/// How a run held by a worker ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEnd<'a> {
    /// `succeeded` or `failed`.
    pub status: RunStatus,
    /// Why it failed.
    pub error: Option<&'a str>,
    /// Template warnings gathered on the way.
    pub warnings: &'a [String],
    /// Unix ms.
    pub now_ms: i64,
}

/// App Events, deployed workflows and runs. Times are Unix ms.
#[async_trait]
pub trait EngineStore: Send + Sync + Debug {
    /// Claims up to `limit` due runs (queued and due, or running under an expired lease) for
    /// `owner` until `now_ms + lease_ms`, counting one attempt each.
    async fn claim_runs(
        &self,
        owner: &WorkerId,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Run>, StorageError>;
    /// Stores a deploy as the project's next version; its workflows become the active ones
    /// (ids kept for slugs deployed before). Returns the version and the active workflows.
    async fn deploy(
        &self,
        project: ProjectId,
        bundle: &str,
        specs: &[WorkflowSpec],
        now_ms: i64,
    ) -> Result<(i64, Vec<DeployedWorkflow>), StorageError>;
    /// The bundle (JSON) of a deployed version.
    async fn workflow_bundle(
        &self,
        project: ProjectId,
        version: i64,
    ) -> Result<Option<String>, StorageError>;
    /// The project's active workflows.
    async fn workflows(&self, project: ProjectId) -> Result<Vec<DeployedWorkflow>, StorageError>;
    /// One active workflow.
    async fn workflow(
        &self,
        project: ProjectId,
        id: &WorkflowId,
    ) -> Result<Option<DeployedWorkflow>, StorageError>;
    /// One workflow, active or not (runs of older versions still need it).
    async fn workflow_any(
        &self,
        project: ProjectId,
        id: &WorkflowId,
    ) -> Result<Option<DeployedWorkflow>, StorageError>;
    /// A user's choice for a workflow.
    async fn set_user_workflow(
        &self,
        project: ProjectId,
        user: &UserId,
        workflow: &WorkflowId,
        enabled: bool,
        now_ms: i64,
    ) -> Result<(), StorageError>;
    /// The user's saved settings of `integration`: the shared ones under `""`, each workflow's
    /// under its id.
    async fn user_settings(
        &self,
        project: ProjectId,
        user: &UserId,
        integration: &str,
    ) -> Result<Vec<(String, Map<String, Value>)>, StorageError>;
    /// Replaces the user's saved settings of `integration` under `scope` (`""` for the shared
    /// ones, else a workflow id).
    async fn save_user_settings(
        &self,
        project: ProjectId,
        user: &UserId,
        integration: &str,
        scope: &str,
        settings: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(), StorageError>;
    /// Every choice the user made: (workflow id, enabled).
    async fn user_workflow_choices(
        &self,
        project: ProjectId,
        user: &UserId,
    ) -> Result<Vec<(WorkflowId, bool)>, StorageError>;
    /// In one transaction: records the event (a repeat of its idempotency key records and
    /// enqueues nothing and answers the first outcome) and enqueues one run per active workflow
    /// triggered by its name that the user has enabled and whose integration the user has
    /// connected.
    async fn record_event(&self, event: &NewEvent) -> Result<EventOutcome, StorageError> {
        self.record_trigger(event, TriggerKind::AppEvent).await
    }
    /// [`Self::record_event`] for the workflows of trigger `kind` whose `trigger_event` is the
    /// event's name: an App Event's name, or the integration a new connection is of
    /// (`IntegrationEnabled`, the event stored with `source` `integration_enabled`).
    async fn record_trigger(
        &self,
        event: &NewEvent,
        kind: TriggerKind,
    ) -> Result<EventOutcome, StorageError> {
        let mut outcomes = self
            .record_triggers(std::slice::from_ref(event), kind)
            .await?;
        outcomes
            .pop()
            .ok_or_else(|| StorageError::Corrupt("no outcome for a recorded event".into()))
    }
    /// [`Self::record_trigger`] for several events in one transaction (a provider's webhook
    /// batch: all of it is stored, or none, before the provider is answered); one outcome per
    /// event, in order.
    async fn record_triggers(
        &self,
        events: &[NewEvent],
        kind: TriggerKind,
    ) -> Result<Vec<EventOutcome>, StorageError>;
    /// In one transaction: records a request trigger's input (`source = 'request'`, named
    /// after the workflow) and enqueues its one run, `run`, of `workflow` at `version`.
    async fn record_request(
        &self,
        input: &NewEvent,
        workflow: &WorkflowId,
        version: i64,
        run: &RunId,
    ) -> Result<(), StorageError>;
    /// Sets a request-triggered run's answer unless it has one; `false` when it had.
    async fn answer_run(&self, run: &RunId, response: &Value) -> Result<bool, StorageError>;
    /// An event's name and payload.
    async fn event(
        &self,
        project: ProjectId,
        id: &EventId,
    ) -> Result<Option<(String, Value)>, StorageError>;
    /// A run of the project.
    async fn run(&self, project: ProjectId, id: &RunId) -> Result<Option<Run>, StorageError>;
    /// Runs of the project, newest first.
    async fn runs(&self, project: ProjectId, filter: &RunFilter) -> Result<Vec<Run>, StorageError>;
    /// The outputs of a run's finished steps (step id → output).
    async fn step_outputs(&self, run: &RunId) -> Result<StepOutputs, StorageError>;
    /// Stores a finished step's output (and, for a `request:` step, the provider's status), so
    /// a retry of the run does not repeat it.
    async fn save_step_output(
        &self,
        run: &RunId,
        step: &str,
        output: &Value,
        status: Option<u16>,
    ) -> Result<(), StorageError>;
    /// Stores (or completes) an attempt of a step.
    async fn record_attempt(&self, attempt: &Attempt) -> Result<(), StorageError>;
    /// Every attempt of a run.
    async fn attempts(&self, run: &RunId) -> Result<Vec<Attempt>, StorageError>;
    /// Ends a run held by `owner`; `false` if the lease was lost (another worker owns it now).
    async fn finish_run(
        &self,
        run: &RunId,
        owner: &WorkerId,
        end: &RunEnd<'_>,
    ) -> Result<bool, StorageError>;
    /// Puts a run held by `owner` back in the queue until `next_attempt_ms`.
    async fn retry_run(
        &self,
        run: &RunId,
        owner: &WorkerId,
        next_attempt_ms: i64,
        error: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Puts a run held by `owner` back in the queue until `wake_ms` for a `delay` step: not a
    /// failed attempt, so the attempt its claim counted is given back.
    async fn park_run(
        &self,
        run: &RunId,
        owner: &WorkerId,
        wake_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Enqueues a new run of the same workflow version and event (Task History's replay).
    async fn enqueue_replay(
        &self,
        run: &Run,
        new_id: &RunId,
        now_ms: i64,
    ) -> Result<(), StorageError>;
}

/// Waking engines when runs are enqueued: what differs per backend in the queue.
#[async_trait]
pub trait RunQueue: Send + Sync + Debug {
    /// Tells every engine sharing this database that runs were enqueued (PostgreSQL `NOTIFY`;
    /// a no-op where one process owns the database).
    async fn announce_runs(&self) -> Result<(), StorageError>;

    /// Calls `wake` whenever any process announces runs, until the process ends (PostgreSQL
    /// `LISTEN`, reconnecting after errors; a no-op on SQLite, where the engine is woken
    /// in-process).
    fn watch_runs(&self, wake: Arc<tokio::sync::Notify>);
}

/// A `runs` row.
#[derive(sqlx::FromRow)]
struct RunRow {
    id: RunId,
    project_id: ProjectId,
    user_id: UserId,
    workflow_id: WorkflowId,
    workflow_version: i64,
    event_id: EventId,
    status: String,
    attempts: i64,
    next_attempt_ms: i64,
    lease_until_ms: Option<i64>,
    lease_owner: Option<WorkerId>,
    error: Option<String>,
    warnings: String,
    response: Option<String>,
    scheduled_ms: Option<i64>,
    created_ms: i64,
    updated_ms: i64,
    finished_ms: Option<i64>,
    started_ms: Option<i64>,
}

impl TryFrom<RunRow> for Run {
    type Error = StorageError;

    fn try_from(row: RunRow) -> Result<Self, StorageError> {
        Ok(Self {
            status: RunStatus::parse(&row.status)
                .ok_or_else(|| StorageError::Corrupt(format!("run status {:?}", row.status)))?,
            warnings: from_json(&row.warnings, "warnings")?,
            response: row
                .response
                .map(|text| from_json(&text, "run response"))
                .transpose()?,
            id: row.id,
            project_id: row.project_id,
            user_id: row.user_id,
            workflow_id: row.workflow_id,
            workflow_version: row.workflow_version,
            event_id: row.event_id,
            attempts: row.attempts,
            next_attempt_ms: row.next_attempt_ms,
            lease_until_ms: row.lease_until_ms,
            lease_owner: row.lease_owner,
            error: row.error,
            scheduled_ms: row.scheduled_ms,
            created_ms: row.created_ms,
            updated_ms: row.updated_ms,
            finished_ms: row.finished_ms,
            started_ms: row.started_ms,
        })
    }
}

/// A `workflows` row.
#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: WorkflowId,
    project_id: ProjectId,
    slug: String,
    name: String,
    integration: String,
    trigger_kind: String,
    trigger_event: String,
    default_enabled: i64,
    version: i64,
}

impl TryFrom<WorkflowRow> for DeployedWorkflow {
    type Error = StorageError;

    fn try_from(row: WorkflowRow) -> Result<Self, StorageError> {
        Ok(Self {
            trigger_kind: TriggerKind::parse(&row.trigger_kind).ok_or_else(|| {
                StorageError::Corrupt(format!("trigger kind {:?}", row.trigger_kind))
            })?,
            id: row.id,
            project_id: row.project_id,
            slug: row.slug,
            name: row.name,
            integration: row.integration,
            trigger_event: row.trigger_event,
            default_enabled: row.default_enabled != 0,
            version: row.version,
        })
    }
}

/// A `run_attempts` row.
#[derive(sqlx::FromRow)]
struct AttemptRow {
    run_id: RunId,
    attempt: i64,
    step_id: String,
    outcome: String,
    request: String,
    response: String,
    error: Option<String>,
    started_ms: i64,
    finished_ms: i64,
}

impl TryFrom<AttemptRow> for Attempt {
    type Error = StorageError;

    fn try_from(row: AttemptRow) -> Result<Self, StorageError> {
        Ok(Self {
            request: from_json(&row.request, "attempt request")?,
            response: from_json(&row.response, "attempt response")?,
            run_id: row.run_id,
            attempt: row.attempt,
            step_id: row.step_id,
            outcome: AttemptOutcome::parse(&row.outcome).ok_or_else(|| {
                StorageError::Corrupt(format!("attempt outcome {:?}", row.outcome))
            })?,
            error: row.error,
            started_ms: row.started_ms,
            finished_ms: row.finished_ms,
        })
    }
}

const RUN_COLUMNS: &str = "id, project_id, user_id, workflow_id, workflow_version, \
     event_id, status, attempts, next_attempt_ms, lease_until_ms, lease_owner, error, warnings, \
     response, scheduled_ms, created_ms, updated_ms, finished_ms";
/// The run's start, for reads: its first attempt's (attempts are keyed by run first, so this
/// reads the run's own rows of the primary key's index).
const FIRST_START: &str =
    "(SELECT MIN(a.started_ms) FROM run_attempts a WHERE a.run_id = runs.id) AS started_ms";
const WORKFLOW_COLUMNS: &str = "id, project_id, slug, name, integration, trigger_kind, \
     trigger_event, default_enabled, version";
/// A queued run, due at `$7` (a new event's).
const INSERT_RUN: &str = "INSERT INTO runs (id, project_id, user_id, workflow_id,
       workflow_version, event_id, status, attempts, next_attempt_ms, warnings, created_ms,
       updated_ms)
     VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, '[]', $7, $7)";

#[async_trait]
impl<DB> EngineStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    for<'b> &'b [u8]: Param<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
    Option<Vec<u8>>: Column<DB>,
{
    async fn claim_runs(
        &self,
        owner: &WorkerId,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Run>, StorageError> {
        // Due runs move to `running` under a lease, counting one attempt. The backend's lock
        // clause keeps two claimers from taking one run.
        let sql = format!(
            "UPDATE runs SET status = 'running', attempts = attempts + 1, lease_owner = $1,
               lease_until_ms = $2 + $3, updated_ms = $2
             WHERE id IN (SELECT id FROM runs
               WHERE (status = 'queued' AND next_attempt_ms <= $2)
                  OR (status = 'running' AND lease_until_ms < $2)
               ORDER BY next_attempt_ms LIMIT $4 {lock})
             RETURNING {RUN_COLUMNS}, CAST(NULL AS BIGINT) AS started_ms",
            lock = DB::CLAIM_LOCK,
        );
        let rows: Vec<RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Run::try_from).collect()
    }

    async fn deploy(
        &self,
        project: ProjectId,
        bundle: &str,
        specs: &[WorkflowSpec],
        now_ms: i64,
    ) -> Result<(i64, Vec<DeployedWorkflow>), StorageError> {
        let mut tx = self.pool.begin().await?;
        // The version row is written first: the transaction holds the write lock from its
        // first statement, so two deploys serialize instead of failing.
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO workflow_versions (project_id, version, bundle, created_at)
             VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM workflow_versions
                          WHERE project_id = $1), $2, $3)
             RETURNING version",
        )
        .bind(project)
        .bind(bundle)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE workflows SET active = 0 WHERE project_id = $1")
            .bind(project)
            .execute(&mut *tx)
            .await?;
        for spec in specs {
            // The id kept for a slug deployed before, or the new one.
            let id: WorkflowId = sqlx::query_scalar(
                "INSERT INTO workflows (id, project_id, slug, name, integration, trigger_event,
                   default_enabled, version, active, trigger_kind)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)
                 ON CONFLICT (project_id, slug) DO UPDATE SET name = excluded.name,
                   integration = excluded.integration, trigger_event = excluded.trigger_event,
                   default_enabled = excluded.default_enabled, version = excluded.version,
                   active = 1, trigger_kind = excluded.trigger_kind
                 RETURNING id",
            )
            .bind(WorkflowId::random())
            .bind(project)
            .bind(&spec.slug)
            .bind(&spec.name)
            .bind(&spec.integration)
            .bind(&spec.trigger_event)
            .bind(i64::from(spec.default_enabled))
            .bind(version)
            .bind(spec.trigger_kind.as_str())
            .fetch_one(&mut *tx)
            .await?;
            if let Some(schedule) = &spec.schedule {
                super::schedules::deploy_schedule(&mut tx, project, &id, schedule).await?;
            }
        }
        super::schedules::drop_unscheduled(&mut tx, project).await?;
        tx.commit().await?;
        Ok((version, self.workflows(project).await?))
    }

    async fn workflow_bundle(
        &self,
        project: ProjectId,
        version: i64,
    ) -> Result<Option<String>, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT bundle FROM workflow_versions WHERE project_id = $1 AND version = $2",
        )
        .bind(project)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn workflows(&self, project: ProjectId) -> Result<Vec<DeployedWorkflow>, StorageError> {
        let rows: Vec<WorkflowRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflows
             WHERE project_id = $1 AND active = 1 ORDER BY slug"
        )))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DeployedWorkflow::try_from).collect()
    }

    async fn workflow(
        &self,
        project: ProjectId,
        id: &WorkflowId,
    ) -> Result<Option<DeployedWorkflow>, StorageError> {
        let row: Option<WorkflowRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflows
             WHERE project_id = $1 AND id = $2 AND active = 1"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(DeployedWorkflow::try_from).transpose()
    }

    async fn workflow_any(
        &self,
        project: ProjectId,
        id: &WorkflowId,
    ) -> Result<Option<DeployedWorkflow>, StorageError> {
        let row: Option<WorkflowRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE project_id = $1 AND id = $2"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(DeployedWorkflow::try_from).transpose()
    }

    async fn set_user_workflow(
        &self,
        project: ProjectId,
        user: &UserId,
        workflow: &WorkflowId,
        enabled: bool,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO user_workflows (project_id, user_id, workflow_id, enabled, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (project_id, user_id, workflow_id) DO UPDATE SET
               enabled = excluded.enabled, updated_at = excluded.updated_at",
        )
        .bind(project)
        .bind(user)
        .bind(workflow)
        .bind(i64::from(enabled))
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user_settings(
        &self,
        project: ProjectId,
        user: &UserId,
        integration: &str,
    ) -> Result<Vec<(String, Map<String, Value>)>, StorageError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT workflow_id, settings FROM user_settings
             WHERE project_id = $1 AND user_id = $2 AND integration = $3",
        )
        .bind(project)
        .bind(user)
        .bind(integration)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(scope, text)| Ok((scope, from_json(&text, "user settings")?)))
            .collect()
    }

    async fn save_user_settings(
        &self,
        project: ProjectId,
        user: &UserId,
        integration: &str,
        scope: &str,
        settings: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO user_settings (project_id, user_id, integration, workflow_id, settings,
               updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (project_id, user_id, integration, workflow_id) DO UPDATE SET
               settings = excluded.settings, updated_ms = excluded.updated_ms",
        )
        .bind(project)
        .bind(user)
        .bind(integration)
        .bind(scope)
        .bind(Value::Object(settings.clone()).to_string())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user_workflow_choices(
        &self,
        project: ProjectId,
        user: &UserId,
    ) -> Result<Vec<(WorkflowId, bool)>, StorageError> {
        let rows: Vec<(WorkflowId, i64)> = sqlx::query_as(
            "SELECT workflow_id, enabled FROM user_workflows
             WHERE project_id = $1 AND user_id = $2",
        )
        .bind(project)
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, enabled)| (id, enabled != 0))
            .collect())
    }

    async fn record_triggers(
        &self,
        events: &[NewEvent],
        kind: TriggerKind,
    ) -> Result<Vec<EventOutcome>, StorageError> {
        let source = match kind {
            TriggerKind::IntegrationEnabled => "integration_enabled",
            TriggerKind::ProviderEvent => "provider_event",
            _ => "app_event",
        };
        let mut tx = self.pool.begin().await?;
        let mut outcomes = Vec::with_capacity(events.len());
        for event in events {
            // Written first, for the write lock (see `deploy`) and for idempotency: a repeat of
            // the key inserts nothing and gets the first answer.
            let inserted = sqlx::query(
                "INSERT INTO app_events (id, project_id, user_id, idempotency_key, name, payload,
                   runs, created_at, source)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)
                 ON CONFLICT (project_id, user_id, idempotency_key) DO NOTHING",
            )
            .bind(&event.id)
            .bind(event.project_id)
            .bind(&event.user_id)
            .bind(&event.idempotency_key)
            .bind(&event.name)
            .bind(event.payload.to_string())
            .bind(event.created_ms)
            .bind(source)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                let (id, runs): (EventId, i64) = sqlx::query_as(
                    "SELECT id, runs FROM app_events
                     WHERE project_id = $1 AND user_id = $2 AND idempotency_key = $3",
                )
                .bind(event.project_id)
                .bind(&event.user_id)
                .bind(&event.idempotency_key)
                .fetch_one(&mut *tx)
                .await?;
                outcomes.push(EventOutcome {
                    id,
                    runs,
                    duplicate: true,
                });
                continue;
            }
            let matching: Vec<(WorkflowId, i64)> = sqlx::query_as(
                "SELECT w.id, w.version FROM workflows w
                 JOIN integrations i ON i.project_id = w.project_id AND i.provider = w.integration
                 JOIN credentials c ON c.project_id = w.project_id AND c.integration_id = i.id
                   AND c.user_id = $2 AND c.status = 'VALID'
                 LEFT JOIN user_workflows uw ON uw.project_id = w.project_id
                   AND uw.workflow_id = w.id AND uw.user_id = $2
                 WHERE w.project_id = $1 AND w.trigger_kind = $4
                   AND w.trigger_event = $3 AND w.active = 1
                   AND COALESCE(uw.enabled, w.default_enabled) = 1
                 ORDER BY w.slug",
            )
            .bind(event.project_id)
            .bind(&event.user_id)
            .bind(&event.name)
            .bind(kind.as_str())
            .fetch_all(&mut *tx)
            .await?;
            // An App Event is kept whatever it starts (the app's log of what it sent); a
            // connection or a provider's event that starts nothing is not worth a row. Deleted
            // rather than rolled back, so the rest of a batch stays in the transaction.
            if matching.is_empty() && kind != TriggerKind::AppEvent {
                sqlx::query("DELETE FROM app_events WHERE id = $1")
                    .bind(&event.id)
                    .execute(&mut *tx)
                    .await?;
                outcomes.push(EventOutcome {
                    id: event.id.clone(),
                    runs: 0,
                    duplicate: false,
                });
                continue;
            }
            for (workflow_id, version) in &matching {
                sqlx::query(INSERT_RUN)
                    .bind(RunId::random())
                    .bind(event.project_id)
                    .bind(&event.user_id)
                    .bind(workflow_id)
                    .bind(version)
                    .bind(&event.id)
                    .bind(event.created_ms)
                    .execute(&mut *tx)
                    .await?;
            }
            let runs = matching.len() as i64;
            sqlx::query("UPDATE app_events SET runs = $2 WHERE id = $1")
                .bind(&event.id)
                .bind(runs)
                .execute(&mut *tx)
                .await?;
            outcomes.push(EventOutcome {
                id: event.id.clone(),
                runs,
                duplicate: false,
            });
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn record_request(
        &self,
        input: &NewEvent,
        workflow: &WorkflowId,
        version: i64,
        run: &RunId,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO app_events (id, project_id, user_id, idempotency_key, name, payload,
               runs, created_at, source)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 'request')",
        )
        .bind(&input.id)
        .bind(input.project_id)
        .bind(&input.user_id)
        .bind(&input.idempotency_key)
        .bind(&input.name)
        .bind(input.payload.to_string())
        .bind(input.created_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(INSERT_RUN)
            .bind(run)
            .bind(input.project_id)
            .bind(&input.user_id)
            .bind(workflow)
            .bind(version)
            .bind(&input.id)
            .bind(input.created_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn answer_run(&self, run: &RunId, response: &Value) -> Result<bool, StorageError> {
        let done = sqlx::query("UPDATE runs SET response = $2 WHERE id = $1 AND response IS NULL")
            .bind(run)
            .bind(response.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn event(
        &self,
        project: ProjectId,
        id: &EventId,
    ) -> Result<Option<(String, Value)>, StorageError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT name, payload FROM app_events WHERE project_id = $1 AND id = $2",
        )
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(name, payload)| Ok((name, from_json(&payload, "event payload")?)))
            .transpose()
    }

    async fn run(&self, project: ProjectId, id: &RunId) -> Result<Option<Run>, StorageError> {
        let row: Option<RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS}, {FIRST_START} FROM runs WHERE project_id = $1 AND id = $2"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Run::try_from).transpose()
    }

    async fn runs(&self, project: ProjectId, f: &RunFilter) -> Result<Vec<Run>, StorageError> {
        let (before_ms, before_id) = match &f.before {
            Some((ms, id)) => (*ms, id.to_string()),
            None => (i64::MAX, String::new()),
        };
        let rows: Vec<RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS}, {FIRST_START} FROM runs WHERE project_id = $1
               AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR workflow_id = $3)
               AND ($4 IS NULL OR status = $4)
               AND created_ms >= $5 AND created_ms < $6
               AND (created_ms < $7 OR (created_ms = $7 AND id < $8) OR $8 = '')
             ORDER BY created_ms DESC, id DESC LIMIT $9"
        )))
        .bind(project)
        .bind(f.user_id.as_ref().map(UserId::to_string))
        .bind(f.workflow_id.as_ref().map(WorkflowId::to_string))
        .bind(f.status.map(|s| s.as_str().to_owned()))
        .bind(f.since_ms.unwrap_or(0))
        .bind(f.until_ms.unwrap_or(i64::MAX))
        .bind(before_ms)
        .bind(before_id)
        .bind(f.limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Run::try_from).collect()
    }

    async fn step_outputs(&self, run: &RunId) -> Result<StepOutputs, StorageError> {
        let rows: Vec<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT step_id, output, status FROM run_steps WHERE run_id = $1")
                .bind(run)
                .fetch_all(&self.pool)
                .await?;
        let mut done = StepOutputs::default();
        for (step, output, status) in rows {
            if let Some(status) = status {
                done.statuses.insert(step.clone(), status.into());
            }
            done.outputs
                .insert(step, from_json(&output, "step output")?);
        }
        Ok(done)
    }

    async fn save_step_output(
        &self,
        run: &RunId,
        step: &str,
        output: &Value,
        status: Option<u16>,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO run_steps (run_id, step_id, output, status) VALUES ($1, $2, $3, $4)
             ON CONFLICT (run_id, step_id) DO UPDATE SET output = excluded.output,
             status = excluded.status",
        )
        .bind(run)
        .bind(step)
        .bind(output.to_string())
        .bind(status.map(i64::from))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_attempt(&self, a: &Attempt) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO run_attempts (run_id, attempt, step_id, outcome, request, response,
               error, started_ms, finished_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (run_id, attempt, step_id) DO UPDATE SET outcome = excluded.outcome,
               request = excluded.request, response = excluded.response,
               error = excluded.error, finished_ms = excluded.finished_ms",
        )
        .bind(&a.run_id)
        .bind(a.attempt)
        .bind(&a.step_id)
        .bind(a.outcome.as_str())
        .bind(a.request.to_string())
        .bind(a.response.to_string())
        .bind(&a.error)
        .bind(a.started_ms)
        .bind(a.finished_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn attempts(&self, run: &RunId) -> Result<Vec<Attempt>, StorageError> {
        let rows: Vec<AttemptRow> = sqlx::query_as(
            "SELECT run_id, attempt, step_id, outcome, request, response, error, started_ms,
               finished_ms
             FROM run_attempts WHERE run_id = $1 ORDER BY attempt, started_ms",
        )
        .bind(run)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Attempt::try_from).collect()
    }

    async fn finish_run(
        &self,
        run: &RunId,
        owner: &WorkerId,
        end: &RunEnd<'_>,
    ) -> Result<bool, StorageError> {
        let warnings = serde_json::to_string(end.warnings).unwrap_or_else(|_| "[]".into());
        let done = sqlx::query(
            "UPDATE runs SET status = $3, error = $4, warnings = $5, lease_owner = NULL,
               lease_until_ms = NULL, finished_ms = $6, updated_ms = $6
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(run)
        .bind(owner)
        .bind(end.status.as_str())
        .bind(end.error.map(str::to_owned))
        .bind(warnings)
        .bind(end.now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn retry_run(
        &self,
        run: &RunId,
        owner: &WorkerId,
        next_attempt_ms: i64,
        error: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE runs SET status = 'queued', error = $4, next_attempt_ms = $3,
               lease_owner = NULL, lease_until_ms = NULL, updated_ms = $5
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(run)
        .bind(owner)
        .bind(next_attempt_ms)
        .bind(error)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn park_run(
        &self,
        run: &RunId,
        owner: &WorkerId,
        wake_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE runs SET status = 'queued', error = NULL, next_attempt_ms = $3,
               attempts = attempts - 1, lease_owner = NULL, lease_until_ms = NULL,
               updated_ms = $4
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(run)
        .bind(owner)
        .bind(wake_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn enqueue_replay(
        &self,
        run: &Run,
        new_id: &RunId,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        // The replay reads the same input, so a scheduled run's replay is for the same tick.
        sqlx::query(
            "INSERT INTO runs (id, project_id, user_id, workflow_id, workflow_version, event_id,
               status, attempts, next_attempt_ms, warnings, scheduled_ms, created_ms, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, '[]', $8, $7, $7)",
        )
        .bind(new_id)
        .bind(run.project_id)
        .bind(&run.user_id)
        .bind(&run.workflow_id)
        .bind(run.workflow_version)
        .bind(&run.event_id)
        .bind(now_ms)
        .bind(run.scheduled_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
