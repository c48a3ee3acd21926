//! Task History (management API key): `GET /projects/{pid}/task-history/workflow-executions`
//! with filters and paging, `GET …/{id}` with every step attempt, the tree of steps the run
//! walked and its outputs, `POST …/{id}/replay`. What
//! they read and do is [`crate::task_history`]; this module parses and renders.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiError, AppState, auth::ProjectAdmin};
use crate::{
    ids::{RunId, UserId, WorkflowId},
    storage::{Run, RunFilter, RunStatus},
    task_history,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{pid}/task-history/workflow-executions",
            get(list),
        )
        .route(
            "/projects/{pid}/task-history/workflow-executions/{id}",
            get(show),
        )
        .route(
            "/projects/{pid}/task-history/workflow-executions/{id}/replay",
            post(replay),
        )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListQuery {
    user_id: Option<String>,
    workflow_id: Option<String>,
    status: Option<String>,
    /// Unix ms.
    since: Option<i64>,
    /// Unix ms.
    until: Option<i64>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    data: Vec<Value>,
    next_cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(task_history::parse_status(s).map_err(ApiError::BadRequest)?),
    };
    let before = match q.cursor.as_deref() {
        None => None,
        // A cursor without an id pages from the start, as it always did.
        Some(c) => {
            let (ms, id) = task_history::parse_cursor(c).map_err(ApiError::BadRequest)?;
            RunId::parse(&id).map(|id| (ms, id))
        }
    };
    // A filter on something that cannot be an id matches no run.
    let (user_id, workflow_id) = match (
        q.user_id.as_deref().map(UserId::parse),
        q.workflow_id.as_deref().map(WorkflowId::parse),
    ) {
        (Some(None), _) | (_, Some(None)) => {
            return Ok(Json(Page {
                data: Vec::new(),
                next_cursor: None,
            }));
        }
        (user, workflow) => (user.flatten(), workflow.flatten()),
    };
    let filter = RunFilter {
        user_id,
        workflow_id,
        status,
        since_ms: q.since,
        until_ms: q.until,
        before,
        limit: task_history::page_size(q.limit),
    };
    let page = task_history::page(&state.store, admin.project_id, &filter).await?;
    Ok(Json(Page {
        data: page.runs.iter().map(summary).collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn show(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let run_id = RunId::parse(&id).ok_or_else(|| not_found(&id))?;
    let execution = task_history::execution(&state.store, admin.project_id, &run_id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let mut body = summary(&execution.run);
    body["steps"] = execution
        .attempts
        .iter()
        .map(task_history::tree::attempt_json)
        .collect();
    body["tree"] = execution.tree().into();
    body["outputs"] = Value::Object(execution.outputs);
    // What started the run: the App Event (or the recorded request of a request trigger), as
    // the workflow's `event.*` (`request.*`) read it.
    let trigger = state
        .store
        .event(admin.project_id, &execution.run.event_id)
        .await?;
    if let Some((name, payload)) = trigger {
        body["trigger"] = json!({ "name": name, "payload": payload });
    }
    Ok(Json(body))
}

async fn replay(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let run_id = RunId::parse(&id).ok_or_else(|| not_found(&id))?;
    let run = state
        .store
        .run(admin.project_id, &run_id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let new_id = task_history::replay(&state.store, &state.engine, &run).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": new_id, "replayOf": run.id })),
    ))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no execution {id}"))
}

fn summary(run: &Run) -> Value {
    json!({
        "id": run.id, "workflowId": run.workflow_id, "workflowVersion": run.workflow_version, "userId": run.user_id,
        "eventId": run.event_id, "status": run.status.as_str(), "attempts": run.attempts, "error": run.error,
        "warnings": run.warnings, "response": run.response, "createdAt": run.created_ms, "finishedAt": run.finished_ms,
        // When it started (its first step attempt), and the tick a scheduled run is for (the
        // time `schedule.time` says) beside it: `createdAt` is when the tick fired, not when
        // the run's jittered start came.
        "startedAt": run.started_ms,
        "scheduledAt": run.scheduled_ms,
        // When a queued run is due (again): a retry's backoff or a delay's wake-up.
        "nextAttemptAt": (run.status == RunStatus::Queued).then_some(run.next_attempt_ms),
    })
}
