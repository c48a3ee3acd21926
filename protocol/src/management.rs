//! Bodies of the management API (`/projects…`, Bearer project API key): what an app's backend
//! or an operator's script sends to configure a project.

use serde::{Deserialize, Serialize};

/// A project as the management API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// UUID v4.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Origins (scheme://host[:port]) of the app's pages: CORS of the SDK API, the portal's
    /// `frame-ancestors`.
    pub allowed_origins: Vec<String>,
    /// The longest user-token lifetime (`exp - iat`) the project accepts, in seconds.
    pub max_token_lifetime_secs: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// `POST /projects` (operator key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProject {
    /// A name for people.
    pub name: String,
    /// The app's origins.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Defaults to 24 hours.
    #[serde(default)]
    pub max_token_lifetime_secs: Option<i64>,
}

/// The answer to `POST /projects`: the project and its API key, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedProject {
    /// The new project.
    pub project: Project,
    /// The project's API key. Only its hash is stored: it cannot be shown again.
    pub api_key: String,
}

/// `PATCH /projects/{pid}`: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProject {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new list of origins (replaces the old one).
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
    /// A new maximum user-token lifetime.
    #[serde(default)]
    pub max_token_lifetime_secs: Option<i64>,
}

/// A signing key as listed: its public half only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningKey {
    /// The key id (RFC 7638 thumbprint of the public key), the JWT header's `kid`.
    pub kid: String,
    /// The modulus size.
    pub bits: u32,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; tokens of a revoked key are refused.
    pub revoked_at: Option<i64>,
}

/// `POST /projects/{pid}/keys`: without `publicKeyPem` the platform generates a key pair and
/// answers the private key once; with it, the app registers a key it generated itself (the
/// private key then never leaves the app).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSigningKey {
    /// An RSA public key (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY` PEM), ≥ 2048 bits.
    #[serde(default)]
    pub public_key_pem: Option<String>,
}

/// The answer to `POST /projects/{pid}/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSigningKey {
    /// The stored key.
    pub key: SigningKey,
    /// PKCS#8 PEM of a generated key, shown this once and never stored by the platform.
    pub private_key_pem: Option<String>,
}
