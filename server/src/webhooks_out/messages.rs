//! The platform's `run.*` and `event.received` messages (the `connection.*` ones are in
//! connect/connection_webhooks.rs, beside the connect flow).

use serde_json::{Value, json};

use super::{emit, event_types, rfc3339};
use crate::storage::{NewEvent, Run, RunStatus, Store};

/// `run.succeeded` or `run.failed` for a run that just ended:
/// `{runId, workflowId, workflowName, userId, status, error?, startedAt, finishedAt}`
/// (`startedAt` is when the run was enqueued).
pub async fn run_ended(
    store: &Store,
    run: &Run,
    status: RunStatus,
    error: Option<&str>,
    now_ms: i64,
) {
    let kind = match status {
        RunStatus::Succeeded => event_types::RUN_SUCCEEDED,
        RunStatus::Failed => event_types::RUN_FAILED,
        RunStatus::Queued | RunStatus::Running => return,
    };
    // The name is a courtesy: a workflow that cannot be read leaves it out, not the message.
    let name = match store.workflow_any(run.project_id, &run.workflow_id).await {
        Ok(workflow) => workflow.map(|w| w.name),
        Err(error) => {
            tracing::warn!(run = %run.id, %error, "the workflow of an ended run was not read");
            None
        }
    };
    let mut data = json!({
        "runId": run.id,
        "workflowId": run.workflow_id,
        "workflowName": name,
        "userId": run.user_id,
        "status": status.as_str(),
        "startedAt": rfc3339(run.created_ms),
        "finishedAt": rfc3339(now_ms),
    });
    if let Some(error) = error {
        data["error"] = Value::from(error);
    }
    emit(store, run.project_id, kind, data).await;
}

/// `event.received` for an App Event just recorded: `{eventId, userId, name, payload}`. The
/// payload is the app's own (it sent it), as Paragon includes it; the platform adds nothing
/// secret to it.
pub async fn event_received(store: &Store, event: &NewEvent) {
    let data = json!({
        "eventId": event.id,
        "userId": event.user_id,
        "name": event.name,
        "payload": event.payload,
    });
    emit(store, event.project_id, event_types::EVENT_RECEIVED, data).await;
}
