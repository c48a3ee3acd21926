//! [`Sandbox`]: the state of one HubSpot sandbox, the [`World`] of accounts, apps, tokens and
//! contacts in the [`StandIn`] shell every stand-in shares.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::sync::Notify;

use crate::{
    accounts::{Account, AccountRefused, Accounts},
    apps::Apps,
    clock,
    config::{OwnerConfig, SandboxConfig},
    counters::Counters,
    crm::{ContactBook, owners::Owners},
    error::SandboxError,
    faults::Faults,
    oauth::OAuthState,
    rate_limit::RollingWindow,
    request_log::RequestLog,
    stand_in::{self, StandIn},
    webhooks::{ChangeSource, Webhooks},
};

/// Everything that changes while the sandbox runs.
#[derive(Debug)]
pub struct World {
    /// The accounts.
    pub accounts: Accounts,
    /// The OAuth apps.
    pub apps: Apps,
    /// Consents, codes, grants and tokens.
    pub oauth: OAuthState,
    /// Contacts per account.
    pub contacts: HashMap<u32, ContactBook>,
    /// The last contact id handed out (ids are unique across accounts, as HubSpot's look).
    pub last_contact_id: u64,
    /// Owners per account.
    pub owners: Owners,
    /// Fault injection per account.
    pub faults: HashMap<u32, Faults>,
    /// The ten-secondly window of CRM calls.
    pub ten_secondly: RollingWindow,
    /// The per-second window of CRM search.
    pub search_window: RollingWindow,
    /// Webhook settings, queued events and deliveries.
    pub webhooks: Webhooks,
    /// What happened.
    pub counters: Counters,
    /// Every request received.
    pub requests: RequestLog,
}

impl World {
    fn new(config: &SandboxConfig) -> Result<Self, SandboxError> {
        let mut world = Self {
            accounts: Accounts::default(),
            apps: Apps::default(),
            oauth: OAuthState::default(),
            contacts: HashMap::new(),
            last_contact_id: 100_000,
            owners: Owners::default(),
            faults: HashMap::new(),
            ten_secondly: RollingWindow::new(config.rate_limit_max, config.rate_limit_window),
            search_window: RollingWindow::new(
                config.search_rate_limit_per_second,
                Duration::from_secs(1),
            ),
            webhooks: Webhooks::default(),
            counters: Counters::default(),
            requests: RequestLog::default(),
        };
        for app in &config.apps {
            world.apps.register(app.clone())?;
        }
        for account in &config.accounts {
            world
                .open_account(
                    Some(account.hub_id),
                    &account.user_email,
                    account.sample_owners,
                    &account.owners,
                )
                .map_err(|refused| SandboxError::InvalidConfig(format!("{refused:?}")))?;
        }
        Ok(world)
    }

    /// Adds an account (a fresh hub id when `hub_id` is `None`) with its owners: the
    /// installing user, the sample colleagues if `sample_owners`, then `owners`.
    pub fn open_account(
        &mut self,
        hub_id: Option<u32>,
        user_email: &str,
        sample_owners: bool,
        owners: &[OwnerConfig],
    ) -> Result<Account, AccountRefused> {
        let account = self.accounts.add(hub_id, user_email)?;
        self.owners
            .seed(&account, sample_owners, owners, clock::now_ms());
        Ok(account)
    }

    /// Queues the webhook events of what the last writes did to the account's contacts. Every
    /// handler that writes contacts calls it before it answers, then wakes the sender.
    pub fn publish_contact_changes(&mut self, hub_id: u32, source: ChangeSource) {
        let Some(book) = self.contacts.get_mut(&hub_id) else {
            return;
        };
        let changes = book.take_changes();
        if !changes.is_empty() {
            self.webhooks
                .contact_changed(&self.apps, &self.oauth.tokens, hub_id, &changes, source);
        }
    }
}

/// Settings fixed at start.
#[derive(Debug)]
pub struct Settings {
    /// Whether authorize requests need a PKCE challenge.
    pub require_pkce: bool,
    /// Access-token lifetime, ms.
    pub access_token_lifetime_ms: u64,
    /// Authorization-code lifetime, ms.
    pub code_lifetime_ms: u64,
    /// The base URL clients reach the sandbox at (for paging links).
    pub base_url: String,
    /// Wakes the webhook sender: kept here, not in the world, because a reset replaces the
    /// world while the sender keeps waiting on this.
    pub webhooks_wake: Arc<Notify>,
}

impl Settings {
    /// The settings of `config` for a sandbox at `base_url`.
    pub fn new(config: &SandboxConfig, base_url: String) -> Self {
        Self {
            require_pkce: config.require_pkce,
            access_token_lifetime_ms: clock::millis(config.access_token_lifetime),
            code_lifetime_ms: clock::millis(config.code_lifetime),
            base_url,
            webhooks_wake: Arc::new(Notify::new()),
        }
    }
}

/// One HubSpot sandbox's state. A reset goes back to the configured apps and accounts with
/// nothing else: no contacts, tokens, faults, counts or logged requests; owners as configured
/// (same ids).
pub type Sandbox = StandIn<World>;

impl stand_in::World for World {
    type Config = SandboxConfig;
    type Settings = Settings;

    fn build(config: &SandboxConfig) -> Result<Self, SandboxError> {
        Self::new(config)
    }

    fn requests(&mut self) -> &mut RequestLog {
        &mut self.requests
    }

    fn counters(&self) -> serde_json::Value {
        serde_json::json!(self.counters)
    }
}
