//! Management API for signing keys: `POST`/`GET /projects/{pid}/keys`,
//! `DELETE /projects/{pid}/keys/{kid}`.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get},
};
use paragon_protocol::management::{CreateSigningKey, CreatedSigningKey, SigningKey};

use super::{ApiError, ApiJson, AppState, auth::ProjectAdmin};
use crate::{admin, auth::signing_key::MIN_BITS, storage::SigningKeyRecord};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/keys", get(list).post(create))
        .route("/projects/{pid}/keys/{kid}", delete(revoke))
}

async fn create(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    ApiJson(body): ApiJson<CreateSigningKey>,
) -> Result<(StatusCode, Json<CreatedSigningKey>), ApiError> {
    let created = match body.public_key_pem {
        Some(pem) => CreatedSigningKey {
            key: to_wire(&admin::register_signing_key(&state.store, admin.project_id, &pem).await?),
            private_key_pem: None,
        },
        None => {
            let (generated, record) =
                admin::generate_signing_key(&state.store, admin.project_id, MIN_BITS).await?;
            CreatedSigningKey {
                key: to_wire(&record),
                private_key_pem: Some(generated.private_pem),
            }
        }
    };
    Ok((StatusCode::CREATED, Json(created)))
}

async fn list(
    State(state): State<AppState>,
    admin: ProjectAdmin,
) -> Result<Json<Vec<SigningKey>>, ApiError> {
    let keys = admin::signing_keys(&state.store, admin.project_id).await?;
    Ok(Json(keys.iter().map(to_wire).collect()))
}

async fn revoke(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    Path((_, kid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    admin::revoke_signing_key(&state.store, admin.project_id, &kid).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn to_wire(record: &SigningKeyRecord) -> SigningKey {
    SigningKey {
        kid: record.key.kid.to_string(),
        bits: record.key.bits,
        created_at: crate::clock::secs(record.created_at),
        revoked_at: record.revoked_at.map(crate::clock::secs),
    }
}
