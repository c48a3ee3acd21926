//! Connect (see docs/architecture.md): a project's integrations, the OAuth flows that connect
//! an end user's account, the credentials they leave, kept fresh, and the one client that calls
//! a provider's API with them (`api_client`).

pub mod account;
pub mod answer_cap;
pub mod api_client;
pub mod api_path;
pub mod binding;
pub mod connection_webhooks;
pub mod credentials;
pub mod egress;
pub mod enabled;
pub mod endpoints;
pub mod flows;
pub mod integrations;
pub mod keyed;
pub mod pacing;
mod pkce;
pub mod provider;
pub mod sending;
pub mod sources;

use std::sync::Arc;

use crate::{
    ids::IntegrationId,
    storage::{StorageError, Store},
    vault::{MasterKeys, VaultError},
};

/// What Connect needs: the storage, the vault's keys, the provider client, the pacer of calls
/// per provider account, and the platform's public URL (the OAuth callback is
/// `{public_url}/oauth/callback`).
#[derive(Debug, Clone)]
pub struct Connect {
    /// The storage.
    pub store: Store,
    /// The vault's keys.
    pub keys: Arc<MasterKeys>,
    /// The HTTP client for providers.
    pub provider: provider::ProviderClient,
    /// Paces API calls per provider account, for every caller of this process (the engine's
    /// steps and the proxy share one limit).
    pub pacer: Arc<pacing::Pacer>,
    /// The platform's public base URL, without a trailing slash.
    pub public_url: String,
}

impl Connect {
    /// The exact redirect URI registered with providers.
    pub fn callback_url(&self) -> String {
        format!("{}/oauth/callback", self.public_url)
    }

    /// Whether browsers reach the platform over https (its cookies are then `Secure`).
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The platform's own origin (scheme://host[:port]), where the portal and the callback live.
    pub fn public_origin(&self) -> String {
        match reqwest::Url::parse(&self.public_url) {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => self.public_url.clone(),
        }
    }
}

/// Why a Connect operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No such integration, flow or credential (for this user).
    #[error("{0}")]
    NotFound(String),
    /// The request is not acceptable (origin not allowed, bad settings).
    #[error("{0}")]
    Invalid(String),
    /// The request comes from where it may not.
    #[error("{0}")]
    Forbidden(String),
    /// The user's credential was refused by the provider: reconnect.
    #[error("the {0} credential is invalid: the user must connect again")]
    CredentialInvalid(IntegrationId),
    /// The provider failed.
    #[error(transparent)]
    Provider(#[from] provider::ProviderError),
    /// A sealed value did not open.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
