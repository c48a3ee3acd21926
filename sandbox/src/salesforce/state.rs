//! [`Salesforce`]: the state of one Salesforce stand-in, the [`World`] of orgs, grants and
//! records in the [`StandIn`] shell every stand-in shares.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{SalesforceConfig, faults::Faults, grants::Grants, ids, records::Records};
use crate::{
    apps::Apps,
    clock,
    error::SandboxError,
    request_log::RequestLog,
    stand_in::{self, StandIn},
};

/// An org and its one user.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    /// The 18-character org id (`00D…`).
    pub org_id: String,
    /// The user's 18-character id (`005…`).
    pub user_id: String,
    /// The user's username and email.
    pub username: String,
    /// API requests made so far (the first number of `Sforce-Limit-Info`).
    pub api_usage: u64,
    /// The org's API request limit (the second number).
    pub api_limit: u64,
}

impl Org {
    /// The user's display name, from the username's local part (`ada.lovelace@` is Ada
    /// Lovelace).
    pub fn display_name(&self) -> (String, String) {
        let local = self.username.split('@').next().unwrap_or_default();
        let mut parts = local.split(['.', '_']).map(capitalize);
        let first = parts.next().unwrap_or_default();
        let last = parts.collect::<Vec<_>>().join(" ");
        (first, last)
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// What the stand-in has done (`GET /_sandbox/counters`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Requests to the token endpoint, whatever their outcome.
    pub token_requests: u64,
    /// Access tokens issued (code exchange or refresh).
    pub tokens_issued: u64,
    /// Successful refreshes.
    pub refreshes: u64,
    /// Revocation requests that revoked something.
    pub revocations: u64,
    /// REST calls, whatever their outcome.
    pub api_requests: u64,
    /// REST calls answered `REQUEST_LIMIT_EXCEEDED`.
    pub limit_exceeded: u64,
    /// REST calls answered by an injected fault (a lost answer included).
    pub faults_injected: u64,
    /// Writes made whose answer was lost (`loseAnswers`).
    pub answers_lost: u64,
}

/// Everything that changes while the stand-in runs.
#[derive(Debug)]
pub struct World {
    /// Connected apps.
    pub apps: Apps,
    /// Orgs by id.
    pub orgs: BTreeMap<String, Org>,
    /// The last org number handed out (org and user ids share it).
    pub last_org: u64,
    /// OAuth state.
    pub grants: Grants,
    /// Contacts and Leads of every org.
    pub records: Records,
    /// Faults by org id.
    pub faults: HashMap<String, Faults>,
    /// What happened.
    pub counters: Counters,
    /// Every request received.
    pub requests: RequestLog,
}

impl World {
    fn new(config: &SalesforceConfig) -> Result<Self, SandboxError> {
        let mut world = Self {
            apps: Apps::default(),
            orgs: BTreeMap::new(),
            last_org: 0,
            grants: Grants::default(),
            records: Records::default(),
            faults: HashMap::new(),
            counters: Counters::default(),
            requests: RequestLog::default(),
        };
        for app in &config.apps {
            world.apps.register(app.clone())?;
        }
        for org in &config.orgs {
            world.open_org(&org.username, config.api_request_limit);
        }
        Ok(world)
    }

    /// Adds an org whose one user is `username` (already validated).
    pub fn open_org(&mut self, username: &str, api_limit: u64) -> Org {
        self.last_org += 1;
        let org = Org {
            org_id: ids::make("00D", self.last_org),
            user_id: ids::make("005", self.last_org),
            username: username.to_owned(),
            api_usage: 0,
            api_limit,
        };
        self.orgs.insert(org.org_id.clone(), org.clone());
        org
    }
}

/// Settings fixed at start.
#[derive(Debug)]
pub struct Settings {
    /// Whether authorize requests need a PKCE challenge.
    pub require_pkce: bool,
    /// Access-token lifetime, ms.
    pub access_token_lifetime_ms: u64,
    /// Code lifetime, ms.
    pub code_lifetime_ms: u64,
    /// A new org's API request limit.
    pub api_request_limit: u64,
    /// The base URL: login host and `instance_url` alike.
    pub base_url: String,
}

impl Settings {
    /// The settings of `config` for a stand-in at `base_url`.
    pub fn new(config: &SalesforceConfig, base_url: String) -> Self {
        Self {
            require_pkce: config.require_pkce,
            access_token_lifetime_ms: clock::millis(config.access_token_lifetime),
            code_lifetime_ms: clock::millis(config.code_lifetime),
            api_request_limit: config.api_request_limit,
            base_url,
        }
    }
}

/// One Salesforce stand-in's state; a reset goes back to the configured apps and orgs.
pub type Salesforce = StandIn<World>;

impl stand_in::World for World {
    type Config = SalesforceConfig;
    type Settings = Settings;

    fn build(config: &SalesforceConfig) -> Result<Self, SandboxError> {
        Self::new(config)
    }

    fn requests(&mut self) -> &mut RequestLog {
        &mut self.requests
    }

    fn counters(&self) -> serde_json::Value {
        serde_json::json!(self.counters)
    }
}
