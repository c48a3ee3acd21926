//! The operator console at `/console` (docs/console.md): server-rendered pages over the same
//! code the management API runs, behind a cookie session that an API key (or the operator
//! key) is exchanged for once.
//!
//! - [`session`]: the session cookie, stored server-side, with idle and absolute expiry;
//! - [`csrf`]: the same-origin check on every state-changing request and the per-session token;
//! - [`pages`]: sign-in, the project list, Task History.
//!
//! Every page is sent with a strict CSP (no script at all, the one stylesheet from `'self'`),
//! `no-store`, and no referrer to other sites, so that nothing of a page leaks through caches or links.

mod csrf;
mod layout;
mod pages;
pub(crate) mod session;

use std::sync::LazyLock;

use axum::{
    Router,
    extract::Path,
    http::{HeaderValue, Method, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use sha2::{Digest, Sha256};

use super::AppState;

/// The console's pages: a policy that lets them load their stylesheet and nothing else, post
/// forms only to the console itself, and never be framed.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../assets/console.css");

/// The stylesheet's address, named after its content: it can be cached for a year, and a new
/// release's stylesheet has a new name.
pub(super) static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/console/assets/console.{short}.css")
});

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(pages::router())
        .route("/console/assets/{file}", get(asset))
        // The console's pages that are not built yet (docs/console.md) are absent: an HTML 404
        // with the console's headers, like any unknown console address.
        .route("/console/{*rest}", get(|| async { layout::not_found() }))
        // A state-changing request from another site is refused before any handler runs.
        .layer(middleware::from_fn_with_state(
            state,
            csrf::same_origin_only,
        ))
        .layer(middleware::map_response(page_headers))
}

async fn asset(Path(file): Path<String>) -> Response {
    if format!("/console/assets/{file}") != *STYLESHEET_PATH {
        return layout::not_found();
    }
    let mut response = STYLESHEET.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// The headers every console answer carries unless it set its own.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(PAGE_CSP));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    // `same-origin`, not `no-referrer`: under `no-referrer` Chromium sends `Origin: null` on
    // the console's own form posts, which the same-origin check must refuse. Other sites still
    // get no referrer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Whether a request only reads.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

/// 303 to `to` (after a form post, the browser then GETs the page).
fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => layout::not_found(),
    }
}
