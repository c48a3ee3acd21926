//! Webhooks out, endpoints (management API key): `POST`/`GET /projects/{pid}/webhooks/endpoints`,
//! `GET`/`PATCH`/`DELETE …/{id}`, `POST …/{id}/rotate-secret`. The secret is in the answers of
//! the create and the rotation only. What they do is [`crate::webhooks_out::endpoints`].

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiJson, AppState, auth::ProjectAdmin};
use crate::webhooks_out::endpoints::{self, EndpointChanges, EndpointError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/webhooks/endpoints", post(create).get(list))
        .route(
            "/projects/{pid}/webhooks/endpoints/{id}",
            get(show).patch(update).delete(remove),
        )
        .route(
            "/projects/{pid}/webhooks/endpoints/{id}/rotate-secret",
            post(rotate),
        )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateEndpoint {
    url: String,
    description: Option<String>,
    event_types: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateEndpoint {
    url: Option<String>,
    description: Option<String>,
    event_types: Option<Vec<String>>,
    /// `false` disables it, `true` re-enables it (after a long failure too).
    enabled: Option<bool>,
}

impl From<EndpointError> for ApiError {
    fn from(error: EndpointError) -> Self {
        match error {
            EndpointError::Invalid(message) => Self::Unprocessable(message),
            EndpointError::NotFound(message) => {
                Self::NotFound(format!("no webhook endpoint {message}"))
            }
            EndpointError::Storage(error) => error.into(),
            other @ EndpointError::Vault(_) => Self::Internal(other.to_string()),
        }
    }
}

async fn create(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    ApiJson(body): ApiJson<CreateEndpoint>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (endpoint, secret) = endpoints::create(
        &state.store,
        &state.connect.keys,
        state.connect.provider.policy(),
        admin.project_id,
        &body.url,
        body.description,
        body.event_types,
    )
    .await?;
    let mut answer = endpoints::view(&endpoint);
    // The only time the secret is shown.
    answer["secret"] = Value::from(secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn list(State(state): State<AppState>, admin: ProjectAdmin) -> Result<Json<Value>, ApiError> {
    let all = state.store.webhook_endpoints(admin.project_id).await?;
    Ok(Json(json!({
        "data": all.iter().map(endpoints::view).collect::<Vec<_>>(),
    })))
}

async fn show(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let endpoint = endpoints::get(&state.store, admin.project_id, &id).await?;
    Ok(Json(endpoints::view(&endpoint)))
}

async fn update(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateEndpoint>,
) -> Result<Json<Value>, ApiError> {
    let changes = EndpointChanges {
        url: body.url,
        description: body.description,
        event_types: body.event_types,
        enabled: body.enabled,
    };
    let endpoint = endpoints::update(
        &state.store,
        state.connect.provider.policy(),
        admin.project_id,
        &id,
        changes,
    )
    .await?;
    Ok(Json(endpoints::view(&endpoint)))
}

async fn remove(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    endpoints::delete(&state.store, admin.project_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let secret =
        endpoints::rotate_secret(&state.store, &state.connect.keys, admin.project_id, &id).await?;
    Ok(Json(json!({ "id": id, "secret": secret })))
}
