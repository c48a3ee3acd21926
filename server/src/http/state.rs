//! [`AppState`]: what every handler can reach, cloned per request (all of it is behind `Arc`).

use std::sync::Arc;

use crate::{config::Config, connect::Connect, origin::Origin, storage::Store};

/// The application's shared state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The storage.
    pub store: Store,
    /// Settings read once at start.
    pub settings: Arc<Settings>,
    /// Integrations, flows and credentials.
    pub connect: Connect,
    /// Wakes the workflow engine when runs were enqueued.
    pub engine: crate::engine::EngineHandle,
    /// Failed authentications per source address.
    pub auth_throttle: Arc<super::auth_throttle::AuthThrottle>,
    /// Credentials checked at providers per user.
    pub key_checks: Arc<super::key_checks::KeyChecks>,
}

/// The parts of the configuration that requests need.
#[derive(Debug)]
pub struct Settings {
    /// Origins allowed on the paths outside projects (`/healthz`).
    pub global_origins: Vec<Origin>,
    /// An extra accepted `aud` of user tokens.
    pub token_audience: Option<String>,
    /// SHA-256 of the operator key for `POST /projects`.
    pub admin_key_hash: Option<Vec<u8>>,
    /// Limits on what callers may send.
    pub limits: crate::config::Limits,
}

impl AppState {
    /// The state of a server with this configuration and storage.
    pub fn new(
        config: &Config,
        store: Store,
        public_url: String,
    ) -> Result<Self, crate::error::ServerError> {
        let settings = Settings {
            global_origins: config.public.allowed_origins.clone(),
            token_audience: config.auth.token_audience.clone(),
            admin_key_hash: config.auth.admin_key_hash.clone(),
            limits: config.limits,
        };
        let connect = Connect {
            store: store.clone(),
            keys: Arc::new(config.master_keys.clone()),
            provider: crate::connect::provider::ProviderClient::new(config.egress)
                .map_err(crate::error::ServerError::ProviderClient)?,
            pacer: Arc::new(crate::connect::pacing::Pacer::new(config.engine.rate_limit)),
            public_url,
        };
        Ok(Self {
            store,
            settings: Arc::new(settings),
            connect,
            engine: crate::engine::EngineHandle::new(),
            auth_throttle: Arc::new(super::auth_throttle::AuthThrottle::new(
                config.limits.auth_failures_per_minute,
            )),
            key_checks: Arc::default(),
        })
    }
}
