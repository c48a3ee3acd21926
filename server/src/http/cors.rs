//! CORS for browser callers: only configured origins get an `Access-Control-Allow-Origin`.
//!
//! The SDK sends its user token in `Authorization` (never in a cookie or the URL), so credentials
//! mode stays off and the allow list is exact: no wildcard, no reflection of unknown origins.

use std::time::Duration;

use axum::http::{HeaderName, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Origin;

/// Browsers cache a preflight for at most this long (Chromium caps it at 2 hours).
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

pub fn layer(origins: &[Origin]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().map(Origin::header_value)))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .max_age(PREFLIGHT_MAX_AGE)
}
