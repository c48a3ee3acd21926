//! The SDK's user API: `GET`/`PATCH /projects/{pid}/sdk/me` and `GET …/sdk/integrations`.

use axum::{Json, Router, extract::State, routing::get};
use paragon_protocol::sdk::{PatchSdkUser, SdkProject, SdkUser};

use super::{ApiError, ApiJson, AppState, auth::AuthUser};
use crate::storage::{Project, User};

/// Feature flags the SDK gates methods on (Paragon's `accessibleFeatures`). The platform has
/// no plans: it lists what it implements. `headless-cp` joins when headless installs exist.
const ACCESSIBLE_FEATURES: [&str; 1] = ["user-metadata"];

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/{pid}/sdk/me", get(me).patch(patch_me))
}

async fn me(
    State(state): State<AppState>,
    AuthUser { project, user }: AuthUser,
) -> Result<Json<SdkUser>, ApiError> {
    sdk_user(&state, &project, user).await.map(Json)
}

async fn patch_me(
    State(state): State<AppState>,
    AuthUser { project, user }: AuthUser,
    ApiJson(patch): ApiJson<PatchSdkUser>,
) -> Result<Json<SdkUser>, ApiError> {
    let user = state
        .store
        .merge_user_meta(project.id, &user.id, &patch.meta)
        .await?
        .ok_or_else(|| ApiError::Internal("the authenticated user vanished".into()))?;
    sdk_user(&state, &project, user).await.map(Json)
}

async fn sdk_user(state: &AppState, project: &Project, user: User) -> Result<SdkUser, ApiError> {
    let integrations = super::integrations::user_integrations(state, project.id, &user).await?;
    Ok(SdkUser {
        user_id: user.id.as_str().to_owned(),
        integrations,
        meta: user.meta,
        project: SdkProject {
            id: project.id.to_string(),
            accessible_features: ACCESSIBLE_FEATURES
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
        },
    })
}
