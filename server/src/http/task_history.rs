//! Task History (management API key): `GET /projects/{pid}/task-history/workflow-executions`
//! with filters and paging, `GET …/{id}` with every step attempt, `POST …/{id}/replay`.

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
    engine,
    ids::{RunId, UserId, WorkflowId},
    storage::{Run, RunFilter, RunStatus},
};

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

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
        Some(s) => Some(RunStatus::parse(s).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown status {s:?}: queued, running, succeeded or failed"
            ))
        })?),
    };
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => {
            let (ms, id) = c
                .split_once('_')
                .ok_or_else(|| ApiError::BadRequest("bad cursor".into()))?;
            let ms: i64 = ms
                .parse()
                .map_err(|_| ApiError::BadRequest("bad cursor".into()))?;
            // A cursor without an id pages from the start, as it always did.
            RunId::parse(id).map(|id| (ms, id))
        }
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
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
        limit,
    };
    let runs = state.store.runs(admin.project_id, &filter).await?;
    let next_cursor = (runs.len() as i64 == limit)
        .then(|| runs.last().map(|r| format!("{}_{}", r.created_ms, r.id)))
        .flatten();
    Ok(Json(Page {
        data: runs.iter().map(summary).collect(),
        next_cursor,
    }))
}

async fn show(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let run = find(&state, &admin, &id).await?;
    let attempts = state.store.attempts(&run.id).await?;
    let outputs = state.store.step_outputs(&run.id).await?;
    let mut body = summary(&run);
    body["steps"] = Value::Array(
        attempts
            .iter()
            .map(|a| {
                json!({
                    "stepId": a.step_id, "attempt": a.attempt, "outcome": a.outcome.as_str(),
                    "error": a.error,
                    "request": a.request, "response": a.response, "startedAt": a.started_ms, "finishedAt": a.finished_ms,
                })
            })
            .collect(),
    );
    body["outputs"] = Value::Object(outputs);
    Ok(Json(body))
}

async fn replay(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let run = find(&state, &admin, &id).await?;
    let new_id = RunId::random();
    state
        .store
        .enqueue_replay(&run, &new_id, engine::now_ms())
        .await?;
    state.engine.wake();
    if let Err(error) = state.store.announce_runs().await {
        tracing::warn!(%error, "announcing the replay failed");
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": new_id, "replayOf": run.id })),
    ))
}

async fn find(state: &AppState, admin: &ProjectAdmin, id: &str) -> Result<Run, ApiError> {
    let none = || ApiError::NotFound(format!("no execution {id}"));
    let id = RunId::parse(id).ok_or_else(none)?;
    state
        .store
        .run(admin.project_id, &id)
        .await?
        .ok_or_else(none)
}

fn summary(run: &Run) -> Value {
    json!({
        "id": run.id, "workflowId": run.workflow_id, "workflowVersion": run.workflow_version, "userId": run.user_id,
        "eventId": run.event_id, "status": run.status.as_str(), "attempts": run.attempts, "error": run.error,
        "warnings": run.warnings, "createdAt": run.created_ms, "finishedAt": run.finished_ms,
    })
}
