//! A local SendGrid: API-key authentication, the user's profile and username, and Marketing
//! Campaigns contacts of the v3 API, beside the HubSpot and Salesforce stand-ins of this crate.
//!
//! It is the crate's stand-in for a provider that authenticates with an API key rather than
//! OAuth: the end user pastes a key (`SG.…`, 69 characters) and the platform sends it as
//! `Authorization: Bearer <key>` to `https://api.sendgrid.com/v3`, here the base URL plus
//! `/v3`. Keys are made by a knob, as a user makes them in SendGrid's settings, and revoked by
//! another, so a test can connect with a good key, a wrong one and one revoked mid-way.
//!
//! The contract followed is SendGrid's OpenAPI specs (<https://github.com/twilio/sendgrid-oai>,
//! `tsg_user_v3`, `tsg_mc_contacts_v3`) and its rate-limit page, cited where each rule is
//! implemented. It runs as its own binary, `sendgrid-sandbox`, on its own origin, for the
//! reasons the Salesforce stand-in does (docs/decisions.md). Test knobs live under
//! `/_sandbox/` (sandbox/README.md); SendGrid has no such paths.

mod api;
mod config;
mod contacts;
mod failure;
mod jobs;
mod keys;
mod knobs;
mod rate_limit;
mod state;
mod upsert;

pub use config::{AccountConfig, SendGridConfig};

use crate::{
    error::SandboxError,
    handle::{SandboxHandle, serve},
};

/// Binds the socket and starts a SendGrid stand-in on the current tokio runtime. Its base URL
/// stands for `https://api.sendgrid.com`.
pub async fn start(config: SendGridConfig) -> Result<SandboxHandle, SandboxError> {
    config.validate()?;
    let addr = config.addr;
    serve(addr, "sendgrid-sandbox", |base_url| {
        let settings = state::Settings { base_url };
        let routes = axum::Router::new()
            .merge(api::router())
            .merge(knobs::router())
            .fallback(api::not_found);
        Ok(state::SendGrid::new(config, settings)?.app(routes, MAX_BODY_BYTES))
    })
    .await
}

/// An upsert takes "up to 30,000 contacts, or 6MB of data, whichever is lower"; larger bodies
/// are refused with 413 before they are read.
const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
