//! Integrations: the management API that configures them (`PUT`/`GET /projects/{pid}/integrations…`,
//! project API key) and the SDK's view of them (`GET /sdk/integrations`, `DELETE
//! /sdk/integrations/{id}`, and `integrations` of `/sdk/me`), and the connection of a provider
//! whose users paste a key or a password (`POST /sdk/integrations/{type}/credential`).

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::{delete, get, post, put},
};
use paragon_protocol::sdk::SdkIntegration;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    ApiError, ApiJson, AppState,
    auth::{AuthUser, ProjectAdmin},
    paragon_headers,
};
use crate::{
    connect::{
        credentials,
        integrations::{self, IntegrationSettings},
        keyed,
    },
    ids::IntegrationId,
    sdk_view,
    storage::Integration,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/integrations", get(list_configured))
        .route("/projects/{pid}/integrations/{provider}", put(configure))
        .route("/projects/{pid}/sdk/integrations", get(list_for_user))
        .route(
            "/projects/{pid}/sdk/integrations/{integration_id}",
            delete(disconnect),
        )
        .route(
            "/projects/{pid}/sdk/integrations/{provider}/credential",
            post(connect_with_fields),
        )
}

/// `POST /projects/{pid}/sdk/integrations/{type}/credential`: the fields the definition asks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    fields: serde_json::Map<String, Value>,
}

/// The credential made, never its secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Connected {
    id: String,
    integration_id: String,
    status: &'static str,
    provider_id: String,
    provider_data: serde_json::Map<String, Value>,
}

/// Checks the user's key or password at the provider and seals it: 201 with the credential,
/// 422 when the fields are wrong or the provider refuses them (nothing stored), 502 when the
/// provider could not be asked, 429 past the user's allowance of checks (`key_checks`).
async fn connect_with_fields(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, provider)): Path<(String, String)>,
    ApiJson(body): ApiJson<Fields>,
) -> Result<(StatusCode, Json<Connected>), ApiError> {
    state.key_checks.count(auth.project.id, &auth.user.id)?;
    let credential = keyed::connect(
        &state.connect,
        auth.project.id,
        &auth.user.id,
        &provider,
        &body.fields,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Connected {
            id: credential.id.to_string(),
            integration_id: credential.integration_id.to_string(),
            status: credential.status.as_str(),
            provider_id: credential.provider_id,
            provider_data: credential.provider_data,
        }),
    ))
}

/// `PUT /projects/{pid}/integrations/{provider}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigureIntegration {
    /// OAuth providers only.
    #[serde(default)]
    client_id: String,
    /// OAuth providers only.
    #[serde(default)]
    client_secret: crate::secret::Secret,
    #[serde(default)]
    scopes: Option<String>,
    #[serde(default)]
    auth_url: Option<String>,
    #[serde(default)]
    token_url: Option<String>,
    #[serde(default)]
    api_base: Option<String>,
}

/// An integration as the management API shows it: never the secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfiguredIntegration {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    client_id: String,
    scopes: Vec<String>,
    auth_url: String,
    token_url: String,
    api_base: String,
    /// What to register as the redirect URI in the provider app.
    redirect_uri: String,
}

async fn configure(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, provider)): Path<(String, String)>,
    ApiJson(body): ApiJson<ConfigureIntegration>,
) -> Result<Json<ConfiguredIntegration>, ApiError> {
    let settings = IntegrationSettings {
        client_id: body.client_id,
        client_secret: body.client_secret,
        scopes: body.scopes,
        auth_url: body.auth_url,
        token_url: body.token_url,
        api_base: body.api_base,
    };
    let integration =
        integrations::set(&state.connect, admin.project_id, &provider, settings).await?;
    Ok(Json(configured(&state, integration)))
}

async fn list_configured(
    State(state): State<AppState>,
    admin: ProjectAdmin,
) -> Result<Json<Vec<ConfiguredIntegration>>, ApiError> {
    let list = state.store.integrations(admin.project_id).await?;
    Ok(Json(
        list.into_iter().map(|i| configured(&state, i)).collect(),
    ))
}

fn configured(state: &AppState, i: Integration) -> ConfiguredIntegration {
    ConfiguredIntegration {
        id: i.id.to_string(),
        kind: i.provider,
        name: i.name,
        client_id: i.client_id,
        scopes: i.scopes,
        auth_url: i.auth_url,
        token_url: i.token_url,
        api_base: i.api_base,
        redirect_uri: state.connect.callback_url(),
    }
}

async fn list_for_user(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<SdkIntegration<Value>>>, ApiError> {
    let mut list =
        sdk_view::integrations_for_user(&state.store, auth.project.id, &auth.user.id).await?;
    for item in &mut list {
        item.icon = Some(format!(
            "{}/ui/icons/{}.svg",
            state.connect.public_url, item.kind
        ));
    }
    Ok(Json(list))
}

async fn disconnect(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, integration_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let none = || ApiError::NotFound("this user has no credential for that integration".into());
    let integration_id = IntegrationId::parse(&integration_id).ok_or_else(none)?;
    let credential = state
        .store
        .credential_for(auth.project.id, &auth.user.id, &integration_id)
        .await?
        .ok_or_else(none)?;
    // Paragon's SDK names the credential to remove; it must be this one.
    paragon_headers::check(&headers, &credential)?;
    credentials::disconnect(&state.connect, &credential).await?;
    Ok(StatusCode::NO_CONTENT)
}
