//! Integrations: the management API that configures them (`PUT`/`GET /projects/{pid}/integrations…`,
//! project API key) and the SDK's view of them (`GET /sdk/integrations`, `DELETE
//! /sdk/integrations/{id}`, and `integrations` of `/sdk/me`).

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get, put},
};
use paragon_protocol::sdk::{SdkCredential, SdkIntegration, SdkUserIntegration, SdkWorkflow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    ApiError, ApiJson, AppState,
    auth::{AuthUser, ProjectAdmin},
};
use crate::{
    connect::{
        credentials,
        integrations::{self, IntegrationSettings},
    },
    ids::{IntegrationId, ProjectId},
    storage::{Credential, Integration, User},
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
}

/// `PUT /projects/{pid}/integrations/{provider}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigureIntegration {
    client_id: String,
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
) -> Result<Json<Vec<SdkIntegration>>, ApiError> {
    let project = auth.project.id;
    let integrations = state.store.integrations(project).await?;
    let credentials = state.store.user_credentials(project, &auth.user.id).await?;
    let workflows = state.store.workflows(project).await?;
    let choices = state
        .store
        .user_workflow_choices(project, &auth.user.id)
        .await?;
    Ok(Json(
        integrations
            .into_iter()
            .map(|i| SdkIntegration {
                has_credential: credentials.iter().any(|c| c.integration_id == i.id),
                workflows: workflows
                    .iter()
                    .filter(|w| w.integration == i.provider)
                    .map(|w| SdkWorkflow {
                        id: w.id.to_string(),
                        description: w.name.clone(),
                        enabled: super::workflows::enabled_for(w, &choices),
                    })
                    .collect(),
                id: i.id.to_string(),
                kind: i.provider,
                name: i.name,
                is_active: true,
                configs: vec![serde_json::json!({ "values": {} })],
            })
            .collect(),
    ))
}

async fn disconnect(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, integration_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let none = || ApiError::NotFound("this user has no credential for that integration".into());
    let integration_id = IntegrationId::parse(&integration_id).ok_or_else(none)?;
    let credential = state
        .store
        .credential_for(auth.project.id, &auth.user.id, &integration_id)
        .await?
        .ok_or_else(none)?;
    credentials::disconnect(&state.connect, &credential).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `integrations` of `/sdk/me`: for each of the project's integrations, the user's state.
pub async fn user_integrations(
    state: &AppState,
    project: ProjectId,
    user: &User,
) -> Result<Map<String, Value>, ApiError> {
    let integrations = state.store.integrations(project).await?;
    let credentials = state.store.user_credentials(project, &user.id).await?;
    let mut map = Map::new();
    for integration in integrations {
        let own: Vec<&Credential> = credentials
            .iter()
            .filter(|c| c.integration_id == integration.id)
            .collect();
        let first = own.first();
        let entry = SdkUserIntegration {
            enabled: first.is_some_and(|c| c.status == crate::storage::CredentialStatus::Valid),
            credential_id: first.map(|c| c.id.to_string()),
            credential_status: first.map(|c| c.status.as_str().to_owned()),
            provider_id: first.map(|c| c.provider_id.clone()),
            provider_data: first.map(|c| c.provider_data.clone()).unwrap_or_default(),
            all_credentials: own
                .iter()
                .map(|c| SdkCredential {
                    id: c.id.to_string(),
                    integration_id: c.integration_id.to_string(),
                    status: c.status.as_str().to_owned(),
                    provider_id: c.provider_id.clone(),
                    provider_data: c.provider_data.clone(),
                    date_created: c.created_at,
                })
                .collect(),
        };
        let value = serde_json::to_value(entry).map_err(|e| ApiError::Internal(e.to_string()))?;
        map.insert(integration.provider, value);
    }
    Ok(map)
}
