//! Records of Connect: integrations, credentials and OAuth flows, as stored (secrets sealed).

use serde_json::{Map, Value};

/// A project's integration with a provider: the provider app's credentials and URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// UUID v4.
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The provider's type name, e.g. `hubspot`.
    pub provider: String,
    /// A name for people, e.g. `HubSpot`.
    pub name: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret, sealed (column `client_secret`).
    pub client_secret: Vec<u8>,
    /// The scopes requested at authorization.
    pub scopes: Vec<String>,
    /// The provider's authorize page.
    pub auth_url: String,
    /// The provider's token endpoint (`…/revoke` and `…/introspect` hang below it).
    pub token_url: String,
    /// The provider's API base.
    pub api_base: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// Whether a credential can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Tokens work (as far as the platform knows).
    Valid,
    /// The provider refused the refresh token (`invalid_grant`): the user must reconnect.
    Invalid,
}

impl CredentialStatus {
    /// The stored and wire form, Paragon's `VALID` / `INVALID`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Invalid => "INVALID",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "VALID" => Some(Self::Valid),
            "INVALID" => Some(Self::Invalid),
            _ => None,
        }
    }
}

/// An end user's connection to an integration.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// UUID v4.
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The end user (token `sub`).
    pub user_id: String,
    /// The integration.
    pub integration_id: String,
    /// Usable or not.
    pub status: CredentialStatus,
    /// The provider account's id (HubSpot: the hub id).
    pub provider_id: String,
    /// What the provider says about the account (HubSpot: hub id, user email, domain).
    pub provider_data: Map<String, Value>,
    /// Sealed access token (column `access_token`).
    pub access_token: Vec<u8>,
    /// Sealed refresh token (column `refresh_token`).
    pub refresh_token: Option<Vec<u8>>,
    /// When the access token expires, Unix seconds.
    pub access_expires_at: i64,
    /// Bumped on every change of the tokens; refreshes are claimed against it.
    pub version: i64,
    /// Until when a refresher holds the refresh lease, Unix seconds.
    pub refreshing_until: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// Where an OAuth flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStatus {
    /// Created by the portal or the SDK; `/oauth/start` not visited yet.
    Created,
    /// Redirected to the provider with a state and a PKCE challenge.
    Started,
    /// The callback consumed the state and is exchanging the code.
    Exchanging,
    /// A credential was stored.
    Done,
    /// The user denied, or the exchange failed.
    Failed,
}

impl FlowStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Started => "started",
            Self::Exchanging => "exchanging",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "created" => Self::Created,
            "started" => Self::Started,
            "exchanging" => Self::Exchanging,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// An OAuth connect flow (DESIGN.md section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Random, at least 128 bits, base64url.
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The end user who created it.
    pub user_id: String,
    /// The integration.
    pub integration_id: String,
    /// The app origin it is bound to.
    pub origin: String,
    /// Where it is.
    pub status: FlowStatus,
    /// SHA-256 of the one-time start secret handed to the flow's creator.
    pub start_secret_hash: Option<Vec<u8>>,
    /// SHA-256 of the binding cookie of the browser that started it, set by `/oauth/start`.
    pub browser_hash: Option<Vec<u8>>,
    /// Sealed PKCE verifier (column `pkce_verifier`), set by `/oauth/start`.
    pub pkce_verifier: Option<Vec<u8>>,
    /// The credential it made.
    pub credential_id: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// What `/oauth/start` records on a flow; every field is a hash or a ciphertext.
#[derive(Debug, Clone, Copy)]
pub struct FlowStart<'a> {
    /// SHA-256 of the start secret the browser presented (must be the flow's).
    pub secret_hash: &'a [u8],
    /// SHA-256 of the OAuth `state` sent to the provider.
    pub state_hash: &'a [u8],
    /// The sealed PKCE verifier.
    pub sealed_verifier: &'a [u8],
    /// SHA-256 of the binding cookie given to this browser.
    pub browser_hash: &'a [u8],
}
