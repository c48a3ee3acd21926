//! `POST /oauth/v1/token`, `/oauth/v3/token` and `/oauth/2026-03/token`: the code and refresh
//! grants. One handler serves all three; only v1 also reads `client_secret` and
//! `refresh_token` from the query string, as its (deprecated) spec allows and as the reason
//! HubSpot is retiring it. The request log shows such URLs, so tests can catch a client that
//! sends them.

use axum::{
    Router,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::json;

use super::{body, reply};
use crate::{
    clock,
    oauth::exchange::{Exchanged, GrantType, TokenForm},
    state::Sandbox,
};

/// The token routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/oauth/v1/token", post(token_v1))
        .route("/oauth/v3/token", post(token))
        .route("/oauth/2026-03/token", post(token))
}

async fn token_v1(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let from_query: TokenForm =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    exchange(&sandbox, &headers, &body, Some(from_query))
}

async fn token(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    exchange(&sandbox, &headers, &body, None)
}

fn exchange(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: &[u8],
    from_query: Option<TokenForm>,
) -> Response {
    // The client secret is read from the body only. An `Authorization: Basic` header is
    // ignored, as HubSpot documents no such thing: a client relying on it gets
    // BAD_CLIENT_SECRET here, as it would there.
    let parsed = body::form::<TokenForm>(headers, body);
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    world.counters.count(None, |t| t.token_requests += 1);
    let mut form = match parsed {
        Ok(form) => form,
        Err(failure) => return failure.into_response(),
    };
    if let Some(query) = from_query {
        form.client_secret = form.client_secret.or(query.client_secret);
        form.refresh_token = form.refresh_token.or(query.refresh_token);
    }
    let settings = sandbox.settings();
    let outcome = world.oauth.exchange(
        &world.apps,
        &world.accounts,
        &form,
        clock::now_ms(),
        settings.access_token_lifetime_ms,
    );
    match outcome {
        Ok(exchanged) => {
            let hub = Some(exchanged.grant.hub_id);
            let refresh = exchanged.grant_type == GrantType::RefreshToken;
            world.counters.count(hub, |t| {
                t.tokens_issued += 1;
                t.refreshes += u64::from(refresh);
            });
            // Counted per account only once the account is known.
            world
                .counters
                .count_hub_only(hub, |t| t.token_requests += 1);
            tracing::info!(hub_id = exchanged.grant.hub_id, refresh, "tokens issued");
            reply::no_store(reply::json(StatusCode::OK, &token_body(&exchanged)))
        }
        Err(refused) => {
            world
                .counters
                .count_hub_only(refused.hub_id, |t| t.token_requests += 1);
            tracing::info!(status = refused.failure.status(), "token request refused");
            refused.failure.into_response()
        }
    }
}

/// HubSpot's `AccessTokenResponse`.
fn token_body(exchanged: &Exchanged) -> serde_json::Value {
    json!({
        "token_type": "bearer",
        "access_token": exchanged.issued.access_token,
        "refresh_token": exchanged.issued.refresh_token,
        "expires_in": exchanged.issued.expires_in,
        "hub_id": exchanged.grant.hub_id,
        "user_id": exchanged.grant.user_id,
        "scopes": exchanged.grant.scopes,
        "token_use": "access_token",
    })
}
