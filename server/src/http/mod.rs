//! The HTTP surface: one router per area, merged here with the layers every path shares.

mod auth;
mod auth_throttle;
pub(crate) mod console;
mod cors;
mod error;
mod event_limits;
mod events;
mod health;
mod html;
mod icons;
mod integrations;
mod json;
mod key_checks;
mod oauth_flows;
mod oauth_pages;
mod observe;
mod paragon_frame;
mod paragon_headers;
mod paragon_unsupported;
mod portal;
mod portal_theme;
mod projects;
mod provider_webhooks;
mod proxy;
mod proxy_headers;
mod sdk_user;
mod signing_keys;
mod state;
mod task_history;
mod triggers;
mod user_settings;
mod webhook_deliveries;
mod webhook_endpoints;
mod workflows;

use axum::{Router, extract::DefaultBodyLimit};

pub use error::ApiError;
pub use json::ApiJson;
pub use state::{AppState, Settings};

/// Requests larger than this are refused with 413 before a handler sees them: every request
/// has a limit, so no caller can make the server buffer without end. Generous for App Events;
/// endpoints that need less can set their own.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The whole application: every area's routes, JSON 404/405 for the rest, and the shared
/// layers (outermost first: request id and trace, CORS, body limit).
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(health::router())
        .merge(sdk_user::router())
        .merge(projects::router())
        .merge(signing_keys::router())
        .merge(integrations::router())
        .merge(oauth_flows::router())
        .merge(oauth_pages::router())
        .merge(portal::router())
        .merge(proxy::router())
        .merge(provider_webhooks::router())
        .merge(paragon_unsupported::router())
        .merge(events::router())
        .merge(triggers::router())
        .merge(user_settings::router())
        .merge(workflows::router())
        .merge(task_history::router())
        .merge(webhook_endpoints::router())
        .merge(webhook_deliveries::router())
        .merge(console::router(state.clone()))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors::layer(state.clone()))
        .with_state(state);
    observe::layer(routes)
}
