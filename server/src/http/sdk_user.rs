//! The SDK's user API: `GET`/`PATCH /projects/{pid}/sdk/me` and `GET …/sdk/integrations`.

use axum::{Json, Router, extract::State, routing::get};
use paragon_protocol::sdk::{PatchSdkUser, SdkProject, SdkUser};
use serde_json::Value;

use super::{ApiError, ApiJson, AppState, auth::AuthUser};
use crate::storage::{Project, User};

/// Feature flags the SDK gates methods on (Paragon's `accessibleFeatures`). The platform has
/// no plans: it lists what it implements. `headless-cp` joins when headless installs exist.
const ACCESSIBLE_FEATURES: [&str; 1] = ["user-metadata"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/sdk/me", get(me).patch(patch_me))
        .route("/projects/{pid}/sdk/integrations", get(integrations))
}

async fn me(AuthUser { project, user }: AuthUser) -> Json<SdkUser> {
    Json(sdk_user(&project, user))
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
    Ok(Json(sdk_user(&project, user)))
}

/// The project's integrations with the user's credential status: none exist yet.
async fn integrations(_: AuthUser) -> Json<Vec<Value>> {
    Json(Vec::new())
}

fn sdk_user(project: &Project, user: User) -> SdkUser {
    SdkUser {
        user_id: user.id.as_str().to_owned(),
        integrations: serde_json::Map::new(),
        meta: user.meta,
        project: SdkProject {
            id: project.id.to_string(),
            accessible_features: ACCESSIBLE_FEATURES
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
        },
    }
}
