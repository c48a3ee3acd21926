//! Webhooks out, the delivery log (management API key): `GET /projects/{pid}/webhooks/deliveries`
//! filtered by endpoint, status and type and paged like Task History, `GET …/{id}` with every
//! attempt, and `POST …/{id}/resend`, which sends the same message (same `id`) again.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, AppState, auth::ProjectAdmin};
use crate::{
    clock,
    ids::{WebhookDeliveryId, WebhookEndpointId},
    storage::{DeliveryAttempt, DeliveryFilter, DeliveryStatus, WebhookDelivery},
    task_history,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/webhooks/deliveries", get(list))
        .route("/projects/{pid}/webhooks/deliveries/{id}", get(show))
        .route(
            "/projects/{pid}/webhooks/deliveries/{id}/resend",
            post(resend),
        )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListQuery {
    endpoint_id: Option<String>,
    status: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(DeliveryStatus::parse(s).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown status {s:?}: pending, sending, delivered or failed"
            ))
        })?),
    };
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(task_history::parse_cursor(c).map_err(ApiError::BadRequest)?),
    };
    let endpoint_id = match q.endpoint_id.as_deref() {
        None => None,
        // A filter on something that cannot be an id matches nothing.
        Some(id) => Some(
            WebhookEndpointId::parse(id)
                .ok_or_else(|| ApiError::BadRequest("endpointId must not be empty".into()))?,
        ),
    };
    let filter = DeliveryFilter {
        endpoint_id,
        status,
        event_type: q.event_type,
        before,
        limit: task_history::page_size(q.limit),
    };
    let page = state
        .store
        .webhook_deliveries(admin.project_id, &filter)
        .await?;
    let next_cursor = (page.len() as i64 == filter.limit)
        .then(|| page.last().map(|d| format!("{}_{}", d.created_ms, d.id)))
        .flatten();
    let mut data = Vec::with_capacity(page.len());
    for delivery in &page {
        let attempts = state.store.delivery_attempts(&delivery.id).await?;
        data.push(view(delivery, &attempts));
    }
    Ok(Json(json!({ "data": data, "nextCursor": next_cursor })))
}

async fn show(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let delivery = find(&state, admin, &id).await?;
    let attempts = state.store.delivery_attempts(&delivery.id).await?;
    let mut body = view(&delivery, &attempts);
    // The message as sent: its body is what the endpoint received (and the signature covers).
    body["message"] = serde_json::from_str(&delivery.body).unwrap_or(Value::Null);
    Ok(Json(body))
}

async fn resend(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let delivery = find(&state, admin, &id).await?;
    let endpoint = state
        .store
        .webhook_endpoint(admin.project_id, &delivery.endpoint_id)
        .await?;
    if endpoint.is_none_or(|e| e.disabled_ms.is_some()) {
        return Err(ApiError::Conflict(
            "the endpoint is disabled: enable it first (PATCH …/webhooks/endpoints/{id} with {\"enabled\": true})".into(),
        ));
    }
    if !state
        .store
        .requeue_delivery(admin.project_id, &delivery.id, clock::now_ms())
        .await?
    {
        return Err(ApiError::Conflict(
            "the delivery is being sent right now; try again when this attempt ends".into(),
        ));
    }
    crate::webhooks_out::announce(&state.store).await;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "id": delivery.id, "messageId": delivery.message_id, "status": "pending" })),
    ))
}

async fn find(
    state: &AppState,
    admin: ProjectAdmin,
    id: &str,
) -> Result<WebhookDelivery, ApiError> {
    let not_found = || ApiError::NotFound(format!("no webhook delivery {id}"));
    let parsed = WebhookDeliveryId::parse(id).ok_or_else(not_found)?;
    state
        .store
        .webhook_delivery(admin.project_id, &parsed)
        .await?
        .ok_or_else(not_found)
}

fn view(delivery: &WebhookDelivery, attempts: &[DeliveryAttempt]) -> Value {
    json!({
        "id": delivery.id,
        "messageId": delivery.message_id,
        "endpointId": delivery.endpoint_id,
        "type": delivery.event_type,
        "status": delivery.status.as_str(),
        "error": delivery.last_error,
        "createdAt": delivery.created_ms,
        "finishedAt": delivery.finished_ms,
        "nextAttemptAt": (delivery.status == DeliveryStatus::Pending).then_some(delivery.next_attempt_ms),
        "attempts": attempts.iter().map(|a| json!({
            "attempt": a.attempt,
            "statusCode": a.status_code,
            "error": a.error,
            "durationMs": a.duration_ms,
            "startedAt": a.started_ms,
        })).collect::<Vec<_>>(),
    })
}
