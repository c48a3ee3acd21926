//! The SDK's user API: `GET`/`PATCH /projects/{pid}/sdk/me` (the answer is assembled by
//! [`crate::sdk_view`]).

use axum::{Json, Router, extract::State, routing::get};
use paragon_protocol::sdk::{Object, PatchSdkUser, SdkUser};

use super::{ApiError, ApiJson, AppState, auth::AuthUser};
use crate::sdk_view;

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/{pid}/sdk/me", get(me).patch(patch_me))
}

async fn me(
    State(state): State<AppState>,
    AuthUser { project, user }: AuthUser,
) -> Result<Json<SdkUser<Object>>, ApiError> {
    Ok(Json(
        sdk_view::sdk_user(&state.store, &project, user).await?,
    ))
}

async fn patch_me(
    State(state): State<AppState>,
    AuthUser { project, user }: AuthUser,
    ApiJson(patch): ApiJson<PatchSdkUser<Object>>,
) -> Result<Json<SdkUser<Object>>, ApiError> {
    let user = state
        .store
        .merge_user_meta(project.id, &user.id, &patch.meta)
        .await?
        .ok_or_else(|| ApiError::Internal("the authenticated user vanished".into()))?;
    Ok(Json(
        sdk_view::sdk_user(&state.store, &project, user).await?,
    ))
}
