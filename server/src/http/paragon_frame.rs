//! The page Paragon's SDK frames: `GET /ui?projectId=…` without the portal's `origin`.
//!
//! Paragon's SDK (`@useparagon/connect`) creates a hidden iframe at `{CONNECT_PUBLIC_URL}/ui`
//! on every page and posts its whole state to it, the user token included, for Paragon's own
//! closed portal app. The platform does not serve that app (docs/paragon-compatibility.md):
//! this page is empty and runs no script (`default-src 'none'`), so whatever is posted to it is
//! dropped by the browser unread. It may be framed by the project's own origins only, which is
//! all `frame-ancestors` can express without the app's origin in the address.

use axum::{
    http::{HeaderValue, StatusCode},
    response::Response,
};

use crate::storage::Project;

/// The empty page: a document, so that the frame's `load` event fires for Paragon's SDK.
const PAGE: &str =
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Connect</title></html>";

/// The answer for Paragon's frame of `project`: framable by its allowed origins, nothing else.
pub fn answer(project: &Project) -> Response {
    let ancestors = if project.allowed_origins.is_empty() {
        "'none'".to_owned()
    } else {
        project
            .allowed_origins
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let csp = format!(
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    );
    // Allowed origins are parsed strictly (no `;`, `,` or space), so the list cannot end the
    // directive; if a value ever failed to make a header, the strict policy answers instead.
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static(super::portal::STRICT_CSP));
    super::portal::respond(StatusCode::OK, PAGE.to_owned(), csp)
}
