//! [`SandboxConfig`]: what a sandbox starts with. Everything here can also be added at run time
//! through the `/_sandbox/` knobs; the configuration is the state `POST /_sandbox/reset` returns to.

use std::{
    fmt,
    net::{Ipv4Addr, SocketAddr},
    str::FromStr,
    time::Duration,
};

use crate::error::SandboxError;

/// The scopes the platform's HubSpot integration asks for, and the default of a new app.
pub const DEFAULT_SCOPES: &[&str] = &[
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
];

/// How a sandbox is set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port (read it back from the handle).
    pub addr: SocketAddr,
    /// OAuth apps known from the start.
    pub apps: Vec<AppConfig>,
    /// HubSpot accounts ("hubs") known from the start.
    pub accounts: Vec<AccountConfig>,
    /// Refuse authorize requests without a PKCE S256 `code_challenge`, as HubSpot does for the
    /// app types where it requires PKCE.
    pub require_pkce: bool,
    /// Lifetime of access tokens; HubSpot's is 30 minutes.
    pub access_token_lifetime: Duration,
    /// Lifetime of authorization codes. HubSpot publishes no number ("a short window"); the
    /// default of 60 s is far below RFC 6749's 10-minute ceiling so that a client that sits on a
    /// code fails here too, yet leaves a slow CI browser plenty of time for the redirect hop.
    pub code_lifetime: Duration,
    /// Requests per account per window on CRM calls (HubSpot: 110 per 10 s for OAuth apps).
    pub rate_limit_max: u32,
    /// The rolling window of [`SandboxConfig::rate_limit_max`].
    pub rate_limit_window: Duration,
    /// CRM search calls per account per second (HubSpot: 5; search is exempt from the
    /// ten-secondly window).
    pub search_rate_limit_per_second: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            apps: Vec::new(),
            accounts: Vec::new(),
            require_pkce: false,
            access_token_lifetime: Duration::from_secs(1800),
            code_lifetime: Duration::from_secs(60),
            rate_limit_max: 110,
            rate_limit_window: Duration::from_secs(10),
            search_rate_limit_per_second: 5,
        }
    }
}

impl SandboxConfig {
    /// Refuses settings no HubSpot could have: zero limits, zero lifetimes, invalid apps or
    /// accounts, duplicates.
    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |message: &str| Err(SandboxError::InvalidConfig(message.to_owned()));
        if self.rate_limit_max == 0 || self.search_rate_limit_per_second == 0 {
            return invalid("rate limits must allow at least one request");
        }
        if self.rate_limit_window.is_zero() {
            return invalid("the rate-limit window must be longer than zero");
        }
        if self.access_token_lifetime.as_secs() == 0 || self.code_lifetime.as_millis() == 0 {
            return invalid("token and code lifetimes must be at least one second");
        }
        let mut client_ids = std::collections::HashSet::new();
        for app in &self.apps {
            app.validate()?;
            if !client_ids.insert(app.client_id.as_str()) {
                return invalid(&format!("client id {} is configured twice", app.client_id));
            }
        }
        let mut hub_ids = std::collections::HashSet::new();
        for account in &self.accounts {
            account.validate()?;
            if !hub_ids.insert(account.hub_id) {
                return invalid(&format!("hub id {} is configured twice", account.hub_id));
            }
        }
        Ok(())
    }
}

/// An OAuth app as registered in a HubSpot developer account.
#[derive(Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// The app's client id (public; appears in authorize URLs).
    pub client_id: String,
    /// The app's client secret (never in a URL).
    pub client_secret: String,
    /// The name the consent page shows.
    pub name: String,
    /// The redirect URIs registered on the app; the authorize request must use one exactly.
    pub redirect_uris: Vec<String>,
    /// The app's required scopes: an authorize request must ask for all of them.
    pub scopes: Vec<String>,
    /// Scopes the app may ask for in `optional_scope` (or `scope`) but need not.
    pub optional_scopes: Vec<String>,
}

impl AppConfig {
    /// An app with [`DEFAULT_SCOPES`] and no redirect URI yet.
    pub fn new(client_id: &str, client_secret: &str, name: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            name: name.to_owned(),
            redirect_uris: Vec::new(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            optional_scopes: Vec::new(),
        }
    }

    /// Registers one more redirect URI.
    #[must_use]
    pub fn redirect_uri(mut self, uri: &str) -> Self {
        self.redirect_uris.push(uri.to_owned());
        self
    }

    /// Replaces the required scopes.
    #[must_use]
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |message: String| Err(SandboxError::InvalidConfig(message));
        if self.client_id.trim().is_empty() || self.client_secret.is_empty() {
            return invalid("an app needs a client id and a client secret".into());
        }
        if self.name.trim().is_empty() {
            return invalid(format!("app {} needs a name", self.client_id));
        }
        if self.redirect_uris.is_empty() {
            return invalid(format!(
                "app {} needs at least one redirect URI",
                self.client_id
            ));
        }
        for uri in &self.redirect_uris {
            // RFC 6749 section 3.1.2: absolute URI, no fragment.
            let scheme_ok = uri.starts_with("http://") || uri.starts_with("https://");
            if !scheme_ok || uri.contains('#') || uri.chars().any(char::is_whitespace) {
                return invalid(format!(
                    "redirect URI {uri:?} of app {} must be an absolute http(s) URI without a fragment",
                    self.client_id
                ));
            }
        }
        let all = self.scopes.iter().chain(&self.optional_scopes);
        if let Some(bad) = all.into_iter().find(|s| s.is_empty() || s.contains(' ')) {
            return invalid(format!(
                "scope {bad:?} of app {} is not a scope",
                self.client_id
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for AppConfig {
    // The secret stays out of logs and panics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .field("optional_scopes", &self.optional_scopes)
            .finish()
    }
}

/// A HubSpot account ("hub", "portal") and the user who installs apps in it.
///
/// Every account has owners (HubSpot's users, `GET /crm/v3/owners`): the installing user first,
/// then, unless [`AccountConfig::sample_owners`] turns them off, four sample colleagues at the
/// account's domain (one of them deactivated), then the owners added with
/// [`AccountConfig::owner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// The hub id HubSpot returns as `hub_id` (an int32 in HubSpot's specs).
    pub hub_id: u32,
    /// The installing user's email, returned as `user` by token introspection.
    pub user_email: String,
    /// Whether the sample colleagues are seeded (on by default).
    pub sample_owners: bool,
    /// More owners, after the installing user and the sample colleagues.
    pub owners: Vec<OwnerConfig>,
}

impl AccountConfig {
    /// An account with this hub id and user, and the sample owners.
    pub fn new(hub_id: u32, user_email: &str) -> Self {
        Self {
            hub_id,
            user_email: user_email.to_owned(),
            sample_owners: true,
            owners: Vec::new(),
        }
    }

    /// Adds an owner (a HubSpot user of the account), listed after the others.
    #[must_use]
    pub fn owner(mut self, owner: OwnerConfig) -> Self {
        self.owners.push(owner);
        self
    }

    /// Seeds the sample colleagues (`true`, the default) or only the installing user and the
    /// owners added with [`AccountConfig::owner`] (`false`).
    #[must_use]
    pub fn sample_owners(mut self, seeded: bool) -> Self {
        self.sample_owners = seeded;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        if self.hub_id == 0 || self.hub_id > i32::MAX as u32 {
            return Err(SandboxError::InvalidConfig(format!(
                "hub id {} must be between 1 and {} (HubSpot's hub ids are int32)",
                self.hub_id,
                i32::MAX
            )));
        }
        if !crate::crm::is_valid_email(&self.user_email) {
            return Err(SandboxError::InvalidConfig(format!(
                "{:?} is not an email address",
                self.user_email
            )));
        }
        let mut emails = std::collections::HashSet::from([self.user_email.to_ascii_lowercase()]);
        for owner in &self.owners {
            owner.validate()?;
            if !emails.insert(owner.email.to_ascii_lowercase()) {
                return Err(SandboxError::InvalidConfig(format!(
                    "owner {} of hub {} is configured twice (or is the installing user)",
                    owner.email, self.hub_id
                )));
            }
        }
        Ok(())
    }
}

/// An owner of an account: a HubSpot user that CRM records can be assigned to
/// (HubSpot's `PublicOwner`, type `PERSON`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerConfig {
    /// The user's email (unique among the account's owners; stored lower-case).
    pub email: String,
    /// `firstName`.
    pub first_name: String,
    /// `lastName`.
    pub last_name: String,
    /// The names of the user's teams; the first is the primary one.
    pub teams: Vec<String>,
    /// A deactivated user: listed only with `archived=true`, without `userId`.
    pub archived: bool,
}

impl OwnerConfig {
    /// An active owner with no team, named after the email (`ada.lovelace@…` is Ada Lovelace,
    /// `ada@…` is Ada with an empty last name).
    pub fn new(email: &str) -> Self {
        let (first_name, last_name) = crate::crm::owners::names_from_email(email);
        Self {
            email: email.to_owned(),
            first_name,
            last_name,
            teams: Vec::new(),
            archived: false,
        }
    }

    /// Sets the first and last name.
    #[must_use]
    pub fn name(mut self, first_name: &str, last_name: &str) -> Self {
        first_name.clone_into(&mut self.first_name);
        last_name.clone_into(&mut self.last_name);
        self
    }

    /// Adds a team (the first one added is the primary team).
    #[must_use]
    pub fn team(mut self, name: &str) -> Self {
        self.teams.push(name.to_owned());
        self
    }

    /// Makes the owner a deactivated user.
    #[must_use]
    pub fn archived(mut self) -> Self {
        self.archived = true;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |message: String| Err(SandboxError::InvalidConfig(message));
        if !crate::crm::is_valid_email(&self.email) {
            return invalid(format!(
                "owner email {:?} is not an email address",
                self.email
            ));
        }
        if let Some(bad) = self.teams.iter().find(|t| t.trim().is_empty()) {
            return invalid(format!(
                "team name {bad:?} of owner {} is empty",
                self.email
            ));
        }
        Ok(())
    }
}

/// Parses `HUBID:EMAIL`, the binary's `--account` syntax.
impl FromStr for AccountConfig {
    type Err = SandboxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || SandboxError::InvalidConfig(format!("{text:?} is not HUBID:EMAIL"));
        let (hub, email) = text.split_once(':').ok_or_else(usage)?;
        let hub_id = hub.trim().parse().map_err(|_| usage())?;
        let account = Self::new(hub_id, email.trim());
        account.validate()?;
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_flag_is_a_hub_id_and_an_email() {
        let account: AccountConfig = "12345678:ada@example.com".parse().expect("valid");
        assert_eq!(account, AccountConfig::new(12_345_678, "ada@example.com"));
        for bad in [
            "ada@example.com",
            "x:ada@example.com",
            "0:ada@example.com",
            "1:nope",
        ] {
            assert!(bad.parse::<AccountConfig>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_app_needs_a_redirect_uri_without_a_fragment() {
        let app = AppConfig::new("id", "secret", "App");
        assert!(app.validate().is_err());
        assert!(
            app.clone()
                .redirect_uri("http://localhost/cb#x")
                .validate()
                .is_err()
        );
        assert!(app.redirect_uri("http://localhost/cb").validate().is_ok());
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let app = AppConfig::new("id", "very-secret", "App");
        assert!(!format!("{app:?}").contains("very-secret"));
    }
}
