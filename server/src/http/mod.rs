//! The HTTP surface: one router per area, merged here with the layers every path shares.

mod cors;
mod error;
mod health;
mod observe;

use axum::{Router, extract::DefaultBodyLimit};

pub use error::ApiError;

use crate::config::ServeConfig;

/// Requests larger than this are refused with 413 before a handler sees them. Generous for App
/// Events (DESIGN.md section 4 asks for a limit on every request); endpoints that need less set
/// their own.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The whole application: every area's routes, a JSON 404 for the rest, and the shared layers
/// (outermost first: request id and trace, CORS, body limit).
pub fn router(config: &ServeConfig) -> Router {
    let routes = Router::new()
        .merge(health::router())
        .fallback(error::not_found);
    let routes = routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors::layer(&config.allowed_origins));
    observe::layer(routes)
}
