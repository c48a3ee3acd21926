//! [`Config`]: everything a server needs to start, in checked types.
//!
//! The configuration knows nothing of where its values came from: `paragon serve` builds it
//! from flags and environment variables (in the CLI), tests build it directly with
//! [`Config::new`] and change the fields they need. The checks any source must pass (a strong
//! operator key, a usable public URL, connection limits in range) are here, so that every
//! source gets them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::{
    auth::api_key, connect::egress::EgressPolicy, connection::ConnectionLimits,
    engine::EngineConfig, error::ServerError, housekeeping::HousekeepingConfig, origin::Origin,
    storage::Location, vault::MasterKeys,
};

/// The shortest accepted `PARAGON_ADMIN_KEY`: 32 characters, e.g. `openssl rand -base64 32`
/// gives 44. The key guards project creation over the network, where it can be guessed at
/// the speed of requests.
pub const MIN_ADMIN_KEY_CHARS: usize = 32;
/// Fewer distinct characters than this is a pattern, not a random key (`aaaa…`, `1212…`). A
/// random 32-character hex key has about 14.
const MIN_ADMIN_KEY_DISTINCT: usize = 8;

/// Where a server listens when nothing else is said: loopback, so that only a reverse proxy
/// on the same host (terminating TLS) can reach it.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// Everything a server needs, already validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (port 0: a free one, read back with `Application::local_addr`).
    pub listen: SocketAddr,
    /// Where the state lives.
    pub database: Location,
    /// How browsers and providers reach the server.
    pub public: PublicConfig,
    /// What authenticates callers beyond each project's own keys.
    pub auth: AuthConfig,
    /// The vault's keys.
    pub master_keys: MasterKeys,
    /// Limits on what callers may send.
    pub limits: Limits,
    /// Timeouts and size limits of client connections.
    pub connections: ConnectionLimits,
    /// The workflow engine's settings (`workers == 0`: no engine in this process).
    pub engine: EngineConfig,
    /// Where integrations' provider URLs may point.
    pub egress: EgressPolicy,
    /// The housekeeping job: retention of App Events, purge of expired rows.
    pub housekeeping: HousekeepingConfig,
    /// The webhooks-out delivery worker (`workers == 0`: none in this process).
    pub webhooks: crate::webhooks_out::WebhooksOutConfig,
}

impl Config {
    /// A server on `database` with the vault's `master_keys` and every other setting at the
    /// default of `paragon serve` (a test of the CLI keeps the two equal).
    pub fn new(database: Location, master_keys: MasterKeys) -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            database,
            public: PublicConfig::default(),
            auth: AuthConfig::default(),
            master_keys,
            limits: Limits::default(),
            connections: ConnectionLimits::default(),
            engine: EngineConfig::default(),
            egress: EgressPolicy::PublicOnly,
            housekeeping: HousekeepingConfig::default(),
            webhooks: crate::webhooks_out::WebhooksOutConfig::default(),
        }
    }
}

/// How browsers and providers reach the server.
#[derive(Debug, Clone, Default)]
pub struct PublicConfig {
    /// The public base URL, when it is not the bound address (checked with [`public_url`]).
    pub url: Option<String>,
    /// Origins whose pages may call the paths outside projects (`/healthz`). The SDK API
    /// answers each project's own origins.
    pub allowed_origins: Vec<Origin>,
}

/// What authenticates callers beyond each project's own keys.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// An extra accepted `aud` of user tokens.
    pub token_audience: Option<String>,
    /// SHA-256 of the operator key that may create projects over HTTP ([`admin_key_hash`]).
    pub admin_key_hash: Option<Vec<u8>>,
}

/// Limits on what callers may send (0 turns a limit off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// App Events per user per minute, across replicas.
    pub events_per_user_per_minute: u32,
    /// App Events per project per minute, across replicas.
    pub events_per_project_per_minute: u32,
    /// Failed authentications per source address per minute, per process.
    pub auth_failures_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            events_per_user_per_minute: 60,
            events_per_project_per_minute: 6000,
            auth_failures_per_minute: 30,
        }
    }
}

/// The hash the server keeps of the operator key, refusing a weak key; the message never
/// repeats the key.
pub fn admin_key_hash(key: &str) -> Result<Vec<u8>, ServerError> {
    let distinct = key.chars().collect::<std::collections::BTreeSet<_>>().len();
    if key.chars().count() < MIN_ADMIN_KEY_CHARS || distinct < MIN_ADMIN_KEY_DISTINCT {
        return Err(ServerError::Usage(format!(
            "PARAGON_ADMIN_KEY is too weak: use a random value of at least {MIN_ADMIN_KEY_CHARS} \
             characters (e.g. `openssl rand -base64 32`), or unset it to create projects with \
             `paragon project create` only"
        )));
    }
    Ok(api_key::hash(key))
}

/// Checks a public URL: http(s), no query or fragment; the trailing slash is dropped.
pub fn public_url(value: &str) -> Result<String, ServerError> {
    match reqwest::Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.query().is_none()
                && url.fragment().is_none() =>
        {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err(ServerError::Usage(format!(
            "--public-url {value:?} must be an http(s) URL without query or fragment"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "Zq3vN8pL2xR7tW1yB6mK9sD4fH0jC5gA";

    #[test]
    fn a_strong_admin_key_is_kept_as_its_hash() {
        assert_eq!(admin_key_hash(STRONG).ok(), Some(api_key::hash(STRONG)));
        assert!(admin_key_hash("short").is_err());
    }

    #[test]
    fn public_urls_lose_their_trailing_slash_and_keep_no_query() {
        assert_eq!(
            public_url("https://paragon.example/").ok().as_deref(),
            Some("https://paragon.example")
        );
        for bad in [
            "ftp://paragon.example",
            "https://p.example/?a=1",
            "not a url",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
    }
}
