//! A local Salesforce: the OAuth 2.0 web server flow and the REST API's `Contact` and `Lead`
//! sObjects and SOQL query, beside the HubSpot stand-in of the rest of this crate.
//!
//! Why a module of this crate and not a crate of its own: the parts that make a stand-in
//! trustworthy are not HubSpot's, they are the crate's (the listening handle, the request log,
//! the random secrets and PKCE, the clock, app registration, the consent page's plain-form
//! approach), and a second crate would either copy them or pull them out into a third crate
//! that only these two use. What *is* provider-specific (error bodies, token shapes, record
//! rules, limits) lives here, and nothing here touches HubSpot's state. It runs as its own
//! binary, `salesforce-sandbox`, on its own origin, as the real login host and instance do:
//! one origin per provider means a client's per-origin state (cookies, connection pools,
//! base URLs) is exercised as in production.
//!
//! The contract followed is Salesforce's documentation, cited where each rule is implemented.
//! Test knobs live under `/_sandbox/` (sandbox/README.md); Salesforce has no such paths.

mod config;
mod consent_page;
mod failure;
mod faults;
mod grants;
mod ids;
mod knobs;
mod login;
mod records;
mod rest;
mod signature;
mod soql;
mod state;

pub use config::{DEFAULT_SCOPES, OrgConfig, SalesforceConfig};

use crate::{
    error::SandboxError,
    handle::{SandboxHandle, serve},
};

/// The API version the stand-in answers under `/services/data/`.
pub const API_VERSION: &str = "v60.0";

/// Binds the socket and starts a Salesforce stand-in on the current tokio runtime. Its one base
/// URL serves both `https://login.salesforce.com` (authorize, token, userinfo, revoke) and the
/// org's instance (`instance_url`, the REST API).
pub async fn start(config: SalesforceConfig) -> Result<SandboxHandle, SandboxError> {
    config.validate()?;
    let addr = config.addr;
    serve(addr, "salesforce-sandbox", |base_url| {
        let settings = state::Settings::new(&config, base_url);
        let routes = axum::Router::new()
            .merge(login::router())
            .merge(rest::router())
            .merge(knobs::router())
            .fallback(rest::not_found);
        Ok(state::Salesforce::new(config, settings)?.app(routes, MAX_BODY_BYTES))
    })
    .await
}

/// Bodies above this are refused with 413; one Contact or Lead is a few hundred bytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;
