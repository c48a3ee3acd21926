//! The webhook knobs: an app's settings and subscriptions (what HubSpot's developer portal
//! sets), the deliveries with their attempts, and sending due retries now instead of hours
//! later.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde_json::json;

use super::reply::{self, KnobAnswer as Answer, KnobError, knob_body as parse};
use crate::{clock, state::Sandbox, webhooks::SettingsInput};

/// The webhook knob routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route(
            "/_sandbox/apps/{client_id}/webhooks",
            get(settings).put(configure),
        )
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/webhooks/retry-now", post(retry_now))
}

fn no_app(client_id: &str) -> KnobError {
    KnobError(
        StatusCode::NOT_FOUND,
        format!("no app with client id {client_id}"),
    )
}

/// Replaces the app's target URL, concurrency and subscriptions.
async fn configure(
    State(sandbox): State<Sandbox>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Answer {
    let input: SettingsInput = parse(&body)?;
    let mut world = sandbox.lock();
    if world.apps.get(&client_id).is_none() {
        return Err(no_app(&client_id));
    }
    let settings = world
        .webhooks
        .configure(&client_id, input)
        .map_err(|message| KnobError(StatusCode::BAD_REQUEST, message))?;
    tracing::info!(client_id, target = settings.target_url, "webhooks set");
    Ok(reply::json(StatusCode::OK, &json!(settings.view())))
}

async fn settings(State(sandbox): State<Sandbox>, Path(client_id): Path<String>) -> Answer {
    let world = sandbox.lock();
    if world.apps.get(&client_id).is_none() {
        return Err(no_app(&client_id));
    }
    let settings = world.webhooks.settings(&client_id).ok_or_else(|| {
        KnobError(
            StatusCode::NOT_FOUND,
            format!("app {client_id} has no webhook settings"),
        )
    })?;
    Ok(reply::json(StatusCode::OK, &json!(settings.view())))
}

/// Every delivery, oldest first, with its attempts.
async fn deliveries(State(sandbox): State<Sandbox>) -> Answer {
    let views = sandbox.lock().webhooks.views();
    Ok(reply::json(StatusCode::OK, &json!(views)))
}

/// Every delivery waiting for a retry is due now; the sender is woken to send them.
async fn retry_now(State(sandbox): State<Sandbox>) -> Answer {
    let due = sandbox.lock().webhooks.retry_now(clock::now_ms());
    sandbox.settings().webhooks_wake.notify_one();
    Ok(reply::json(StatusCode::OK, &json!({ "due": due })))
}
