//! `hubspot-sandbox`: a faithful local HubSpot for OAuth and CRM contacts.
//!
//! The demo and the tests run without internet, so the platform talks to this server instead
//! of `app.hubspot.com` and `api.hubapi.com`. It speaks HubSpot's contract as published in
//! HubSpot's OpenAPI specs and as observed in real traffic: the consent page, the token
//! endpoints (v1, v3 and 2026-03, form-encoded, PKCE S256, single-use codes, rotating refresh
//! tokens), introspection and revocation, and CRM contacts v3 with HubSpot's error bodies and
//! per-account rate limits. Code that works against it is meant to work against HubSpot with
//! only the base URLs changed.
//!
//! Test knobs live under `/_sandbox/` (see the crate's README); HubSpot has no such paths.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hubspot_sandbox::SandboxError> {
//! use hubspot_sandbox::{AccountConfig, AppConfig, SandboxConfig};
//!
//! let sandbox = hubspot_sandbox::start(SandboxConfig {
//!     apps: vec![AppConfig::new("client", "secret", "Demo app")
//!         .redirect_uri("http://127.0.0.1:8080/oauth/callback")],
//!     accounts: vec![AccountConfig::new(12345678, "ada@example.com")],
//!     ..SandboxConfig::default()
//! })
//! .await?;
//! println!("HubSpot is at {}", sandbox.base_url());
//! sandbox.stop().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod accounts;
mod apps;
mod clock;
mod config;
mod counters;
mod crm;
mod error;
mod faults;
mod handle;
mod http;
mod oauth;
mod rate_limit;
mod request_log;
mod secrets;
mod state;

pub use config::{AccountConfig, AppConfig, DEFAULT_SCOPES, SandboxConfig};
pub use error::SandboxError;
pub use handle::{SandboxHandle, start};
