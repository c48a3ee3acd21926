//! `POST`/`DELETE /projects/{pid}/sdk/workflows/{workflowId}`: the user turns a deployed
//! workflow on or off (users who never chose get the workflow's `default_enabled`). Paragon's
//! SDK also names the credential and configuration the choice is for; when it does, they must
//! be the user's own credential of the workflow's integration.

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};

use super::{ApiError, AppState, auth::AuthUser, paragon_headers};
use crate::{
    connect::integrations,
    ids::WorkflowId,
    storage::DeployedWorkflow,
    user_settings::{self, Saved},
};

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
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    set(&state, &auth, &id, &headers, true).await
}

async fn disable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    set(&state, &auth, &id, &headers, false).await
}

async fn set(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
    headers: &HeaderMap,
    enabled: bool,
) -> Result<StatusCode, ApiError> {
    let none = || ApiError::NotFound(format!("no deployed workflow {id}"));
    let id = WorkflowId::parse(id).ok_or_else(none)?;
    let project = auth.project.id;
    let workflow = state.store.workflow(project, &id).await?.ok_or_else(none)?;
    if paragon_headers::selects(headers) {
        let connected =
            integrations::connected(&state.store, project, &auth.user.id, &workflow.integration)
                .await?;
        let (_, credential) = connected.map_err(|_| {
            ApiError::NotFound(format!(
                "this user has no credential for {}, which the workflow uses",
                workflow.integration
            ))
        })?;
        paragon_headers::check(headers, &credential)?;
    }
    if enabled {
        required_settings_filled(state, auth, &workflow).await?;
    }
    state
        .store
        .set_user_workflow(project, &auth.user.id, &id, enabled, crate::clock::now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses to turn on a workflow whose required settings this user has not filled in.
async fn required_settings_filled(
    state: &AppState,
    auth: &AuthUser,
    workflow: &DeployedWorkflow,
) -> Result<(), ApiError> {
    let project = auth.project.id;
    let Some(bundle) = user_settings::current_bundle(&state.store, project).await? else {
        return Ok(());
    };
    let Some(defined) = bundle.workflow(&workflow.slug) else {
        return Ok(());
    };
    let saved = Saved::load(&state.store, project, &auth.user.id, &workflow.integration).await?;
    let missing = user_settings::missing(&bundle, defined, &workflow.id, &saved);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(super::user_settings::fill_in_first(
            &defined.name,
            &missing,
        )))
    }
}
