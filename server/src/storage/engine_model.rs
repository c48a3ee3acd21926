//! Records of App Events and the workflow engine: deployed workflows, events, runs, attempts.

use serde_json::Value;

/// A workflow as deployed: what matching and the SDK need (the definition itself lives in the
/// deployed version's bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedWorkflow {
    /// UUID v4, stable across deploys of the same slug.
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The YAML file's `id:`.
    pub slug: String,
    /// A name for people.
    pub name: String,
    /// The integration type its steps use.
    pub integration: String,
    /// The App Event that triggers it.
    pub trigger_event: String,
    /// Whether users who have not chosen have it on.
    pub default_enabled: bool,
    /// The deploy that last defined it.
    pub version: i64,
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
    /// The trigger's App Event.
    pub trigger_event: String,
    /// `default_enabled`.
    pub default_enabled: bool,
}

/// An App Event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// UUID v4.
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The user who sent it.
    pub user_id: String,
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
    pub id: String,
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
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The user whose event started it.
    pub user_id: String,
    /// The workflow.
    pub workflow_id: String,
    /// The deploy it runs.
    pub workflow_version: i64,
    /// The event.
    pub event_id: String,
    /// Where it is.
    pub status: RunStatus,
    /// Attempts so far (a claim counts one).
    pub attempts: i64,
    /// When it may run (again), Unix ms.
    pub next_attempt_ms: i64,
    /// The worker's lease, Unix ms.
    pub lease_until_ms: Option<i64>,
    /// The worker holding it.
    pub lease_owner: Option<String>,
    /// The last error.
    pub error: Option<String>,
    /// Template warnings (missing variables).
    pub warnings: Vec<String>,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms.
    pub updated_ms: i64,
    /// Unix ms.
    pub finished_ms: Option<i64>,
}

/// One try of one step, for Task History.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The run.
    pub run_id: String,
    /// The run's attempt number.
    pub attempt: i64,
    /// The step.
    pub step_id: String,
    /// `succeeded`, `retry` or `failed`.
    pub outcome: String,
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
    pub user_id: Option<String>,
    /// Only this workflow's runs.
    pub workflow_id: Option<String>,
    /// Only runs in this state.
    pub status: Option<RunStatus>,
    /// Created at or after, Unix ms.
    pub since_ms: Option<i64>,
    /// Created before, Unix ms.
    pub until_ms: Option<i64>,
    /// Runs older than this (created ms, id) cursor: the next page.
    pub before: Option<(i64, String)>,
    /// Page size.
    pub limit: i64,
}
