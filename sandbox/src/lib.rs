//! `hubspot-sandbox`: a faithful local HubSpot for OAuth, CRM contacts, owners, pipelines and
//! contact properties.
//!
//! The demo and the tests run without internet, so the platform talks to this server instead
//! of `app.hubspot.com` and `api.hubapi.com`. It speaks HubSpot's contract as published in
//! HubSpot's OpenAPI specs and as observed in real traffic: the consent page, the token
//! endpoints (v1, v3 and 2026-03, form-encoded, PKCE S256, single-use codes, rotating refresh
//! tokens), introspection and revocation, CRM contacts v3, and the read-only owners v3
//! (`GET /crm/v3/owners[/{ownerId}]`) and pipelines v3
//! (`GET /crm/v3/pipelines/{objectType}[/{pipelineId}]`, HubSpot's default deal and ticket
//! pipelines) that dropdowns are filled from, and properties v3
//! (`GET /crm/v3/properties/contacts[/{propertyName}]`, the contact properties the sandbox knows,
//! with HubSpot's labels and options) that a field mapping is chosen from, all with HubSpot's
//! error bodies and per-account rate limits. Code that works against it is meant to work against HubSpot with only the base
//! URLs changed.
//!
//! Every account has owners: its installing user, four sample colleagues at its domain unless
//! [`AccountConfig::sample_owners`] turns them off, and any added with [`AccountConfig::owner`]
//! or `POST /_sandbox/accounts/{hubId}/owners`. Reading owners needs the
//! `crm.objects.owners.read` scope, which [`DEFAULT_SCOPES`] includes.
//!
//! Beside it, [`salesforce`] is a local Salesforce (OAuth web server flow, REST `Contact`/`Lead`
//! and SOQL), run by the `salesforce-sandbox` binary on its own origin, and [`sendgrid`] a local
//! SendGrid (API keys, the user's profile and username, Marketing Campaigns contacts), run by
//! `sendgrid-sandbox`: the stand-in for a provider connected by API key. All three keep their
//! state in one shell and their binaries print the same one line ([`command`]).
//!
//! Apps can have webhooks (set by `PUT /_sandbox/apps/{clientId}/webhooks`): contact writes in
//! an account that installed the app are sent to its target URL in batches signed with
//! `X-HubSpot-Signature-v3`, by a background task, with HubSpot's retries.
//!
//! Test knobs live under `/_sandbox/` (see the crate's README); HubSpot has no such paths.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hubspot_sandbox::SandboxError> {
//! use hubspot_sandbox::{AccountConfig, AppConfig, OwnerConfig, SandboxConfig};
//!
//! let sandbox = hubspot_sandbox::start(SandboxConfig {
//!     apps: vec![AppConfig::new("client", "secret", "Demo app")
//!         .redirect_uri("http://127.0.0.1:8080/oauth/callback")
//!         .scopes(&["oauth", "crm.objects.contacts.read", "crm.objects.owners.read"])],
//!     accounts: vec![AccountConfig::new(12345678, "ada@example.com")
//!         .owner(OwnerConfig::new("charles.babbage@example.com").team("Sales"))],
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
pub mod command;
mod config;
mod counters;
mod crm;
mod error;
mod faults;
mod handle;
mod hmac;
mod http;
mod oauth;
mod rate_limit;
mod request_log;
pub mod salesforce;
mod secrets;
pub mod sendgrid;
mod stand_in;
mod state;
mod webhooks;

pub use config::{AccountConfig, AppConfig, DEFAULT_SCOPES, OwnerConfig, SandboxConfig};
pub use error::SandboxError;
pub use handle::{SandboxHandle, start};
