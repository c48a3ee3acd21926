//! Token introspection and revocation: `POST /oauth/{v3,2026-03}/token/introspect` and
//! `…/token/revoke` (form-encoded, client-authenticated), and the deprecated v1
//! `GET /oauth/v1/access-tokens/{token}`, `GET` and `DELETE /oauth/v1/refresh-tokens/{token}`.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{body, reply};
use crate::{
    clock,
    crm::CrmFailure,
    oauth::{OAuthFailure, exchange::authenticate_client},
    state::{Sandbox, World},
};

mod describe;

/// The introspection and revocation routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/oauth/v3/token/introspect", post(introspect))
        .route("/oauth/2026-03/token/introspect", post(introspect))
        .route("/oauth/v3/token/revoke", post(revoke))
        .route("/oauth/2026-03/token/revoke", post(revoke))
        .route("/oauth/v1/access-tokens/{token}", get(access_token_v1))
        .route(
            "/oauth/v1/refresh-tokens/{token}",
            get(refresh_token_v1).delete(delete_refresh_token_v1),
        )
}

/// The form of introspection and revocation (RFC 7662, RFC 7009, HubSpot's v3 spec).
#[derive(Debug, Deserialize)]
struct TokenQuestion {
    client_id: Option<String>,
    client_secret: Option<String>,
    token: Option<String>,
    token_type_hint: Option<String>,
}

/// Reads the form and authenticates the client; returns the token and its hint.
fn question(
    world: &World,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, String, Option<String>), OAuthFailure> {
    let form: TokenQuestion = body::form(headers, body)?;
    let app = authenticate_client(
        &world.apps,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let token = form
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthFailure::InvalidRequest("token is required".into()))?;
    Ok((app.config.client_id.clone(), token, form.token_type_hint))
}

/// RFC 7662: a token that is unknown, inactive or another app's is `{"active": false}` and
/// nothing more, so introspection reveals nothing about tokens the caller does not own.
async fn introspect(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let now = clock::now_ms();
    let mut world = sandbox.lock();
    world.counters.count(None, |t| t.introspections += 1);
    let (client_id, token, hint) = match question(&world, &headers, &body) {
        Ok(question) => question,
        Err(failure) => return failure.into_response(),
    };
    let refresh_first = hint.as_deref() == Some("refresh_token");
    let as_access = || describe::access(&world, &token, now, true);
    let as_refresh = || describe::refresh(&world, &token, true);
    let found = if refresh_first {
        as_refresh().or_else(as_access)
    } else {
        as_access().or_else(as_refresh)
    };
    let body = match found.filter(|(info, _)| info["client_id"] == client_id.as_str()) {
        Some((info, hub_id)) => {
            world
                .counters
                .count_hub_only(Some(hub_id), |t| t.introspections += 1);
            info
        }
        None => json!({ "active": false }),
    };
    reply::no_store(reply::json(StatusCode::OK, &body))
}

/// RFC 7009: a refresh token revokes its whole grant (every access token minted from it too,
/// section 2.1); an access token revokes only itself; an unknown token, or another app's, is
/// answered 200 all the same (section 2.2).
async fn revoke(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    world.counters.count(None, |t| t.revocations += 1);
    let (client_id, token, _hint) = match question(world, &headers, &body) {
        Ok(question) => question,
        Err(failure) => return failure.into_response(),
    };
    let tokens = &mut world.oauth.tokens;
    let of_client = |grant: &crate::oauth::tokens::Grant| grant.client_id == client_id;
    let mut hub = None;
    if let Some(id) = tokens.refresh_grant(&token) {
        if let Some(grant) = tokens.grant(id).filter(|g| of_client(g)) {
            hub = Some(grant.hub_id);
            tokens.revoke_grant(id);
        }
    } else if let Some((_, grant)) = tokens.access(&token).filter(|(_, g)| of_client(g)) {
        hub = Some(grant.hub_id);
        tokens.revoke_access(&token);
    }
    world.counters.count_hub_only(hub, |t| t.revocations += 1);
    reply::no_store(StatusCode::OK.into_response())
}

fn token_not_found() -> Response {
    reply::json(StatusCode::NOT_FOUND, &not_found_body())
}

fn not_found_body() -> Value {
    let mut body = CrmFailure::NotFound.body();
    body["message"] = json!("Token not found");
    body
}

async fn access_token_v1(State(sandbox): State<Sandbox>, Path(token): Path<String>) -> Response {
    let mut world = sandbox.lock();
    world.counters.count(None, |t| t.introspections += 1);
    match describe::access(&world, &token, clock::now_ms(), false) {
        Some((info, hub_id)) => {
            world
                .counters
                .count_hub_only(Some(hub_id), |t| t.introspections += 1);
            reply::json(StatusCode::OK, &info)
        }
        None => token_not_found(),
    }
}

async fn refresh_token_v1(State(sandbox): State<Sandbox>, Path(token): Path<String>) -> Response {
    let mut world = sandbox.lock();
    world.counters.count(None, |t| t.introspections += 1);
    match describe::refresh(&world, &token, false) {
        Some((info, hub_id)) => {
            world
                .counters
                .count_hub_only(Some(hub_id), |t| t.introspections += 1);
            reply::json(StatusCode::OK, &info)
        }
        None => token_not_found(),
    }
}

async fn delete_refresh_token_v1(
    State(sandbox): State<Sandbox>,
    Path(token): Path<String>,
) -> Response {
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    world.counters.count(None, |t| t.revocations += 1);
    let tokens = &mut world.oauth.tokens;
    let Some((record, grant)) = tokens.live_refresh(&token) else {
        return token_not_found();
    };
    let (grant_id, hub_id) = (record.grant, grant.hub_id);
    tokens.revoke_grant(grant_id);
    world
        .counters
        .count_hub_only(Some(hub_id), |t| t.revocations += 1);
    StatusCode::NO_CONTENT.into_response()
}
