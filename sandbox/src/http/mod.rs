//! The HTTP surface: one router per area, merged here under the request log.

mod authorize;
mod body;
mod consent_page;
mod contact_knobs;
mod contacts;
mod contacts_bulk;
mod crm_gate;
mod echo;
mod knobs;
mod owners;
mod pipelines;
mod properties;
pub(crate) mod reply;
mod token;
mod token_info;
mod webhooks;

use axum::{
    Router,
    http::Uri,
    response::{IntoResponse, Response},
};

use crate::{crm::CrmFailure, state::Sandbox};

/// Bodies above this are refused with 413 before a handler reads them. HubSpot's largest
/// accepted bodies (100-input batches) stay far below it.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The whole sandbox.
pub fn router(sandbox: Sandbox) -> Router {
    let routes = Router::new()
        .merge(authorize::router())
        .merge(token::router())
        .merge(token_info::router())
        .merge(contacts::router(sandbox.clone()))
        .merge(owners::router(sandbox.clone()))
        .merge(pipelines::router(sandbox.clone()))
        .merge(properties::router(sandbox.clone()))
        .merge(knobs::router())
        .merge(webhooks::router())
        .merge(echo::router())
        .fallback(not_found);
    sandbox.app(routes, MAX_BODY_BYTES)
}

/// Unknown paths answer like an unknown HubSpot object.
async fn not_found(uri: Uri) -> Response {
    tracing::debug!(path = uri.path(), "no such path");
    CrmFailure::NotFound.into_response()
}
