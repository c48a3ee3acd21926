//! [`SalesforceConfig`]: what a Salesforce stand-in starts with; `POST /_sandbox/reset` returns
//! to it.

use std::{
    net::{Ipv4Addr, SocketAddr},
    time::Duration,
};

use crate::{config::AppConfig, crm::email::is_valid_email, error::SandboxError};

/// The scopes a connected app of the platform asks for: `api` for the REST API,
/// `refresh_token` for a refresh token, `openid` for userinfo.
pub const DEFAULT_SCOPES: &[&str] = &["api", "refresh_token", "openid"];

/// How a Salesforce stand-in is set up.
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Connected apps (client id = consumer key, client secret = consumer secret). Their
    /// scopes default to [`DEFAULT_SCOPES`] when built with [`SalesforceConfig::app`].
    pub apps: Vec<AppConfig>,
    /// Orgs known from the start, one user each (the end user who connects).
    pub orgs: Vec<OrgConfig>,
    /// Refuse authorize requests without a PKCE `code_challenge` (a connected app's "Require
    /// Proof Key for Code Exchange" setting).
    pub require_pkce: bool,
    /// Lifetime of access tokens: the org's session timeout (Salesforce's default: 2 hours).
    pub access_token_lifetime: Duration,
    /// Lifetime of authorization codes (Salesforce: 15 minutes).
    pub code_lifetime: Duration,
    /// API requests an org may make before `REQUEST_LIMIT_EXCEEDED` (Salesforce's daily
    /// limit; here it never resets by itself, only by the knob or a reset).
    pub api_request_limit: u64,
}

impl Default for SalesforceConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            apps: Vec::new(),
            orgs: Vec::new(),
            require_pkce: false,
            access_token_lifetime: Duration::from_secs(2 * 3600),
            code_lifetime: Duration::from_secs(15 * 60),
            api_request_limit: 15_000,
        }
    }
}

impl SalesforceConfig {
    /// A connected app with [`DEFAULT_SCOPES`] and one callback URL.
    pub fn app(client_id: &str, client_secret: &str, redirect_uri: &str) -> AppConfig {
        AppConfig::new(client_id, client_secret, "Paragon Connect demo")
            .redirect_uri(redirect_uri)
            .scopes(DEFAULT_SCOPES)
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |message: String| Err(SandboxError::InvalidConfig(message));
        if self.api_request_limit == 0 {
            return invalid("the API request limit must allow at least one request".into());
        }
        if self.access_token_lifetime.as_secs() == 0 || self.code_lifetime.as_secs() == 0 {
            return invalid("token and code lifetimes must be at least one second".into());
        }
        let mut client_ids = std::collections::HashSet::new();
        for app in &self.apps {
            app.validate()?;
            if !client_ids.insert(app.client_id.as_str()) {
                return invalid(format!("client id {} is configured twice", app.client_id));
            }
        }
        for org in &self.orgs {
            org.validate()?;
        }
        Ok(())
    }
}

/// An org with its one user, known by the username (an email, as Salesforce usernames are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgConfig {
    /// The user's username and email.
    pub username: String,
}

impl OrgConfig {
    /// An org whose user is `username`.
    pub fn new(username: &str) -> Self {
        Self {
            username: username.to_owned(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        if is_valid_email(&self.username) {
            Ok(())
        } else {
            Err(SandboxError::InvalidConfig(format!(
                "an org's username must be an email address, not {:?}",
                self.username
            )))
        }
    }
}
