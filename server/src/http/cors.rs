//! CORS for browser callers: the SDK API answers only the origins of the
//! project in its path; `/healthz` answers the server's configured origins; the management API
//! answers no browser at all (its API keys belong on servers).
//!
//! The SDK sends its user token in `Authorization` (never a cookie or the URL), so credentials
//! mode stays off and the allow list is exact: no wildcard, no reflection of unknown origins.
//!
//! The request headers a preflight asks for are allowed as asked: the origin is the gate, and
//! past it a page may send what its own code chooses, as with Paragon's API (Paragon's SDK
//! adds `X-Paragon-SDK-Version`, `X-Paragon-Credential` and `X-Paragon-Configuration-Id`, and
//! `request()` passes the app's headers on to the proxy, which forwards them under a deny list).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header, request::Parts};
use paragon_protocol::paths;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use super::AppState;
use crate::ids::ProjectId;

/// Browsers cache a preflight for at most this long (Chromium caps it at 2 hours).
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

pub fn layer(state: AppState) -> CorsLayer {
    let predicate = move |origin: HeaderValue, parts: &Parts| {
        let path = parts.uri.path().to_owned();
        let state = state.clone();
        async move { is_allowed(&state, &origin, &path).await }
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(predicate))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        // The SDK's outbox honours Retry-After on 429/503; the request id helps support.
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
        .max_age(PREFLIGHT_MAX_AGE)
}

async fn is_allowed(state: &AppState, origin: &HeaderValue, path: &str) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if let Some(pid) = paths::sdk_project_id(path) {
        let Some(id) = ProjectId::parse(pid) else {
            return false;
        };
        return match state.store.project(id).await {
            Ok(Some(project)) => project.allowed_origins.iter().any(|o| o.as_str() == origin),
            _ => false,
        };
    }
    let management = path.starts_with("/projects") || path.starts_with("/v2/projects");
    !management
        && state
            .settings
            .global_origins
            .iter()
            .any(|o| o.as_str() == origin)
}
