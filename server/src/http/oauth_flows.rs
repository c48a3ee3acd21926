//! `POST /projects/{pid}/sdk/oauth/flows` and `GET …/flows/{flowId}[?wait=N]` (user token).

use std::time::Duration;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    routing::{get, post},
};
use paragon_protocol::sdk::{CreateFlow, CreatedFlow, FLOW_DENIED, FlowAnswer, FlowState};
use serde::Deserialize;

use super::{ApiError, ApiJson, AppState, auth::AuthUser};
use crate::{
    connect::flows,
    storage::{Flow, FlowStatus},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/sdk/oauth/flows", post(create))
        .route(
            "/projects/{pid}/sdk/oauth/flows/{flow_id}",
            get(read).delete(cancel),
        )
}

async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateFlow>,
) -> Result<(StatusCode, Json<CreatedFlow>), ApiError> {
    // A browser says where the call comes from: the portal (the platform's own origin) may
    // name any of the project's origins; a page of the app may only name its own.
    if let Some(caller) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if caller != state.connect.public_origin() && caller != body.origin {
            return Err(ApiError::Forbidden(format!(
                "a page of {caller} cannot start a flow for {}",
                body.origin
            )));
        }
    }
    let created = flows::create(
        &state.connect,
        &auth.project,
        &auth.user.id,
        &body.integration,
        &body.origin,
    )
    .await?;
    let created = CreatedFlow {
        start_url: flows::start_url(&state.connect),
        flow_id: created.flow.id.to_string(),
        start_secret: created.start_secret,
        expires_at: crate::clock::secs(created.flow.expires_at),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize)]
struct Wait {
    #[serde(default)]
    wait: Option<u64>,
}

async fn read(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, flow_id)): Path<(String, String)>,
    Query(query): Query<Wait>,
) -> Result<Json<FlowAnswer>, ApiError> {
    let flow_id = flows::parse_id(&flow_id)?;
    let wait = Duration::from_secs(query.wait.unwrap_or(0));
    let flow = flows::wait(
        &state.connect,
        auth.project.id,
        &auth.user.id,
        &flow_id,
        wait,
    )
    .await?;
    Ok(Json(flow_state(flow)))
}

/// Ends a flow that has not completed; answers its state (a completed one stays as it is).
async fn cancel(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, flow_id)): Path<(String, String)>,
) -> Result<Json<FlowAnswer>, ApiError> {
    let flow_id = flows::parse_id(&flow_id)?;
    let flow = flows::cancel(&state.connect, auth.project.id, &auth.user.id, &flow_id).await?;
    Ok(Json(flow_state(flow)))
}

/// The flow as clients read it. A denied flow is `failed` with `reason: "denied"`: SDKs that
/// know three statuses end it as a failure at once (an unknown status would read as pending).
fn flow_state(flow: Flow) -> FlowAnswer {
    let status = match flow.status {
        FlowStatus::Done => "done",
        FlowStatus::Denied | FlowStatus::Failed => "failed",
        FlowStatus::Created | FlowStatus::Started | FlowStatus::Exchanging => "pending",
    };
    FlowAnswer {
        reason: (flow.status == FlowStatus::Denied).then(|| FLOW_DENIED.to_owned()),
        state: FlowState {
            flow_id: flow.id.to_string(),
            status: status.into(),
            credential_id: flow.credential_id.map(|c| c.to_string()),
            error: flow.error,
        },
    }
}
