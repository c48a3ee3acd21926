//! `POST`/`DELETE /projects/{pid}/sdk/workflows/{workflowId}`: the user turns a deployed
//! workflow on or off (users who never chose get the workflow's `default_enabled`).

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::post,
};

use super::{ApiError, AppState, auth::AuthUser};
use crate::ids::WorkflowId;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/projects/{pid}/sdk/workflows/{workflow_id}",
        post(enable).delete(disable),
    )
}

async fn enable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set(&state, &auth, &id, true).await
}

async fn disable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set(&state, &auth, &id, false).await
}

async fn set(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
    enabled: bool,
) -> Result<StatusCode, ApiError> {
    let none = || ApiError::NotFound(format!("no deployed workflow {id}"));
    let id = WorkflowId::parse(id).ok_or_else(none)?;
    let project = auth.project.id;
    state.store.workflow(project, &id).await?.ok_or_else(none)?;
    state
        .store
        .set_user_workflow(project, &auth.user.id, &id, enabled, crate::clock::now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
