//! `POST /projects/{pid}/sdk/triggers/{workflowId}`: runs a request-triggered workflow for the
//! user (`paragon.workflow()`) and answers with its result.
//!
//! The request's `{body, query, headers}` is recorded with the run in one transaction (the
//! `app_events` table, `source = 'request'`, so retention and the run's input work as for App
//! Events); the engine runs it like any run, at least once, retried and durable. This handler
//! then waits for the run's answer, which the runner stores on the run (the first `response`
//! step's, or the last step's output when the run ends without one): woken in-process by the
//! engine, and polling the database, so a run executed by another replica answers it too. A
//! run that fails before answering gives a [`TriggerFailed`]; one that has not answered within
//! the workflow's budget gives `202 {executionId}` and goes on.

use std::time::Duration;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use paragon_protocol::{
    ErrorCode,
    sdk::{TriggerAccepted, TriggerFailed},
};
use serde_json::{Map, Value, json};

use super::{ApiError, AppState, auth::AuthUser, event_limits, json, paragon_headers};
use crate::{
    connect::integrations,
    ids::{EventId, RunId, WorkflowId},
    storage::{
        AttemptOutcome, CredentialStatus, DeployedWorkflow, NewEvent, Run, RunStatus, TriggerKind,
    },
    workflows::{Bundle, Trigger},
};

/// How often a waiting request looks at its run in the database: the in-process wake-up is
/// immediate, this only bounds the delay of an answer given by another replica.
const POLL: Duration = Duration::from_millis(200);

/// Request headers never handed to the workflow: the user's token and the browser's cookies
/// are credentials, and the recorded input is kept as long as the run.
const WITHHELD_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/{pid}/sdk/triggers/{workflow_id}", post(trigger))
}

async fn trigger(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| json::unread_body(&e))?;
    // Paragon's SDK always sends JSON (`{}` when the caller gave no body).
    let body: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("the body must be JSON: {e}")))?
    };
    let project = auth.project.id;
    let user = &auth.user.id;
    let workflow = find_workflow(&state, &auth, &id).await?;
    if workflow.trigger_kind != TriggerKind::Request {
        return Err(ApiError::Unprocessable(format!(
            "workflow {} is triggered by the App Event {:?}, not by requests: send that event \
             with event()",
            workflow.slug, workflow.trigger_event
        )));
    }
    let (_, credential) =
        integrations::connected(&state.store, project, user, &workflow.integration)
            .await?
            .map_err(|_| {
                ApiError::Unprocessable(format!(
                    "this user has not connected {}, which workflow {} uses",
                    workflow.integration, workflow.slug
                ))
            })?;
    paragon_headers::check(&headers, &credential)?;
    if credential.status == CredentialStatus::Invalid {
        return Err(ApiError::Unprocessable(format!(
            "this user's {} credential is invalid: they must reconnect",
            workflow.integration
        )));
    }
    if !enabled(&state, &auth, &workflow).await? {
        return Err(ApiError::Unprocessable(format!(
            "this user has not enabled workflow {}",
            workflow.slug
        )));
    }
    let budget = budget(&state, &workflow).await?;
    event_limits::count(&state, project, user).await?;
    let id = EventId::random();
    let input = NewEvent {
        // Not idempotent: each request is a new run (its own key).
        idempotency_key: id.to_string(),
        id,
        project_id: project,
        user_id: user.clone(),
        name: workflow.slug.clone(),
        payload: json!({
            "body": body,
            "query": query_map(query.as_deref()),
            "headers": header_map(&headers),
        }),
        created_ms: crate::clock::now_ms(),
    };
    let run_id = RunId::random();
    state
        .store
        .record_request(&input, &workflow.id, workflow.version, &run_id)
        .await?;
    state.engine.wake();
    if let Err(error) = state.store.announce_runs().await {
        tracing::warn!(%error, "announcing the run failed");
    }
    wait(&state, &auth, &run_id, budget).await
}

/// The active workflow named by its UUID or its deploy id.
async fn find_workflow(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
) -> Result<DeployedWorkflow, ApiError> {
    let project = auth.project.id;
    let by_uuid = match WorkflowId::parse(id) {
        Some(uuid) => state.store.workflow(project, &uuid).await?,
        None => None,
    };
    let found = match by_uuid {
        Some(workflow) => Some(workflow),
        None => state
            .store
            .workflows(project)
            .await?
            .into_iter()
            .find(|w| w.slug == id),
    };
    found.ok_or_else(|| ApiError::NotFound(format!("no deployed workflow {id}")))
}

/// Whether the user has the workflow on (their choice, else the workflow's default).
async fn enabled(
    state: &AppState,
    auth: &AuthUser,
    workflow: &DeployedWorkflow,
) -> Result<bool, ApiError> {
    let choices = state
        .store
        .user_workflow_choices(auth.project.id, &auth.user.id)
        .await?;
    Ok(choices
        .into_iter()
        .find(|(id, _)| *id == workflow.id)
        .map_or(workflow.default_enabled, |(_, on)| on))
}

/// How long the caller waits, as the workflow's deployed version says.
async fn budget(state: &AppState, workflow: &DeployedWorkflow) -> Result<Duration, ApiError> {
    let text = state
        .store
        .workflow_bundle(workflow.project_id, workflow.version)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("version {} is gone", workflow.version)))?;
    let bundle: Bundle = serde_json::from_str(&text)
        .map_err(|e| ApiError::Internal(format!("unreadable version: {e}")))?;
    match bundle.workflow(&workflow.slug).map(|w| &w.trigger) {
        Some(Trigger::Request(trigger)) => Ok(Duration::from_millis(trigger.budget_ms())),
        _ => Err(ApiError::Internal(format!(
            "version {} has no request-triggered workflow {}",
            workflow.version, workflow.slug
        ))),
    }
}

/// Waits up to `budget` for the run's answer or failure.
async fn wait(
    state: &AppState,
    auth: &AuthUser,
    run_id: &RunId,
    budget: Duration,
) -> Result<Response, ApiError> {
    let deadline = tokio::time::Instant::now() + budget;
    loop {
        // Enabled before the run is read, so an answer stored in between is not missed.
        let next = state.engine.next_answer();
        tokio::pin!(next);
        next.as_mut().enable();
        let run = state
            .store
            .run(auth.project.id, run_id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("run {run_id} vanished")))?;
        if let Some(answer) = &run.response {
            return Ok(answered(answer));
        }
        if run.status == RunStatus::Failed {
            return failed(state, &run).await;
        }
        if tokio::time::Instant::now() >= deadline {
            let accepted = TriggerAccepted {
                execution_id: run_id.to_string(),
            };
            return Ok((StatusCode::ACCEPTED, Json(accepted)).into_response());
        }
        tokio::select! {
            () = next => {}
            () = tokio::time::sleep(POLL) => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// The run's answer, `{"status", "body"}`, as the HTTP answer.
fn answered(answer: &Value) -> Response {
    let status = answer["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    (status, Json(answer["body"].clone())).into_response()
}

/// The failure of a run that did not answer: its reason and the step that failed.
async fn failed(state: &AppState, run: &Run) -> Result<Response, ApiError> {
    let attempts = state.store.attempts(&run.id).await?;
    let step = attempts
        .iter()
        .rev()
        .find(|a| a.outcome == AttemptOutcome::Failed)
        .map(|a| a.step_id.clone());
    let body = TriggerFailed {
        message: run
            .error
            .clone()
            .unwrap_or_else(|| "the workflow failed".into()),
        code: ErrorCode::WorkflowFailed,
        step,
        execution_id: run.id.to_string(),
    };
    Ok((StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response())
}

/// The query string as an object of names to values (a repeated name keeps its last value).
fn query_map(query: Option<&str>) -> Value {
    let pairs = reqwest::Url::parse("http://q/")
        .map(|mut url| {
            url.set_query(query);
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect::<Map<_, _>>()
        })
        .unwrap_or_default();
    Value::Object(pairs)
}

/// The request's headers as an object of lower-case names to values (repeated ones joined
/// with `, `, RFC 9110 §5.3), without the credentials of [`WITHHELD_HEADERS`] and values that
/// are not text.
fn header_map(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for (name, value) in headers {
        let name = name.as_str();
        let Ok(value) = value.to_str() else { continue };
        if WITHHELD_HEADERS.contains(&name) {
            continue;
        }
        match out.get_mut(name) {
            Some(Value::String(first)) => {
                first.push_str(", ");
                first.push_str(value);
            }
            _ => _ = out.insert(name.to_owned(), Value::String(value.to_owned())),
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_query_becomes_an_object_of_decoded_values() {
        assert_eq!(
            query_map(Some("tag=vip&name=Ada%20L&tag=gold&empty=")),
            json!({"tag": "gold", "name": "Ada L", "empty": ""})
        );
        assert_eq!(query_map(None), json!({}));
    }

    #[test]
    fn headers_reach_the_workflow_without_credentials() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer secret"));
        headers.insert("cookie", HeaderValue::from_static("session=secret"));
        headers.insert("x-acme", HeaderValue::from_static("1"));
        headers.append("x-acme", HeaderValue::from_static("2"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));

        let map = header_map(&headers);

        assert_eq!(
            map,
            json!({"x-acme": "1, 2", "content-type": "application/json"})
        );
        assert!(!map.to_string().contains("secret"));
    }
}
