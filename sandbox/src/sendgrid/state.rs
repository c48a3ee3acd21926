//! [`SendGrid`]: the state of one SendGrid stand-in, the [`World`] of accounts, API keys,
//! contacts and rate-limit periods in the [`StandIn`] shell every stand-in shares.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    AccountConfig, SendGridConfig, contacts::ContactBook, failure::ApiFailure, jobs::Job,
    keys::ApiKeys, rate_limit::RefreshPeriods,
};
use crate::{
    clock,
    error::SandboxError,
    faults::take_one,
    request_log::RequestLog,
    stand_in::{self, StandIn},
};

/// One SendGrid stand-in's state; a reset goes back to the configured accounts, without keys,
/// contacts, faults, counts or logged requests.
pub type SendGrid = StandIn<World>;

/// A SendGrid user.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The username.
    pub username: String,
    /// SendGrid's numeric user id (`GET /v3/user/username`'s `userId`, as Twilio's reference names it).
    pub user_id: u64,
    /// The profile's names.
    pub first_name: String,
    /// See `first_name`.
    pub last_name: String,
    /// The profile's company.
    pub company: String,
}

impl Account {
    /// `GET /v3/user/profile`: every field SendGrid's spec requires, `""` where the account has
    /// nothing (no address, phone or website is modelled).
    pub fn profile(&self) -> Value {
        json!({
            "address": "",
            "address2": "",
            "city": "",
            "company": self.company,
            "country": "",
            "first_name": self.first_name,
            "last_name": self.last_name,
            "phone": "",
            "state": "",
            "website": "",
            "zip": "",
        })
    }
}

/// The faults of one account (`POST /_sandbox/accounts/{username}/faults`). All zero: a
/// healthy account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// The next this-many API calls answer 429 "too many requests", whatever their allowance.
    #[serde(default)]
    pub force429: u32,
    /// The next this-many API calls answer 500 without doing anything.
    #[serde(default)]
    pub force500: u32,
}

impl Faults {
    /// The fault of this API call, if one is due; uses it up.
    pub fn draw(&mut self) -> Option<ApiFailure> {
        if take_one(&mut self.force429) {
            Some(ApiFailure::too_many_requests())
        } else if take_one(&mut self.force500) {
            Some(ApiFailure::internal())
        } else {
            None
        }
    }
}

/// What the stand-in has done (`GET /_sandbox/counters`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// API calls (`/v3/…`), whatever their outcome.
    pub api_requests: u64,
    /// API calls answered 401.
    pub unauthorized: u64,
    /// API calls answered 429, by the limit or by the fault knob.
    pub rate_limited: u64,
    /// API calls answered by an injected fault.
    pub faults_injected: u64,
    /// Contacts created or updated.
    pub contacts_upserted: u64,
    /// API keys made by the knob.
    pub keys_created: u64,
    /// API keys revoked by the knob.
    pub keys_revoked: u64,
}

/// Everything that changes while the stand-in runs.
#[derive(Debug)]
pub struct World {
    /// Accounts by username.
    pub accounts: BTreeMap<String, Account>,
    /// The last user id handed out.
    pub last_user_id: u64,
    /// Every live API key.
    pub keys: ApiKeys,
    /// Contacts by username.
    pub contacts: HashMap<String, ContactBook>,
    /// Upsert jobs by job id.
    pub jobs: HashMap<String, Job>,
    /// Faults by username.
    pub faults: HashMap<String, Faults>,
    /// Rate-limit periods.
    pub limits: RefreshPeriods,
    /// What happened.
    pub counters: Counters,
    /// Every request received.
    pub requests: RequestLog,
}

/// Why an account was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsernameTaken;

impl World {
    fn new(config: &SendGridConfig) -> Result<Self, SandboxError> {
        let mut world = Self {
            accounts: BTreeMap::new(),
            last_user_id: 0,
            keys: ApiKeys::default(),
            contacts: HashMap::new(),
            jobs: HashMap::new(),
            faults: HashMap::new(),
            limits: RefreshPeriods::new(config.rate_limit, clock::millis(config.rate_limit_period)),
            counters: Counters::default(),
            requests: RequestLog::default(),
        };
        for account in &config.accounts {
            world.open_account(account).map_err(|UsernameTaken| {
                SandboxError::InvalidConfig(format!("account {} twice", account.username))
            })?;
        }
        Ok(world)
    }

    /// Adds an account (already validated) with the next user id.
    pub fn open_account(&mut self, config: &AccountConfig) -> Result<Account, UsernameTaken> {
        if self.accounts.contains_key(&config.username) {
            return Err(UsernameTaken);
        }
        self.last_user_id += 1;
        let account = Account {
            username: config.username.clone(),
            // SendGrid's user ids are plain integers; these start high enough to look like
            // real ones and stay the same after a reset.
            user_id: 1_000_000 + self.last_user_id,
            first_name: config.first_name.clone(),
            last_name: config.last_name.clone(),
            company: config.company.clone(),
        };
        self.accounts
            .insert(account.username.clone(), account.clone());
        Ok(account)
    }
}

/// Settings fixed at start.
#[derive(Debug)]
pub struct Settings {
    /// The base URL, standing for `https://api.sendgrid.com` (`_metadata.self` links).
    pub base_url: String,
}

impl stand_in::World for World {
    type Config = SendGridConfig;
    type Settings = Settings;

    fn build(config: &SendGridConfig) -> Result<Self, SandboxError> {
        Self::new(config)
    }

    fn requests(&mut self) -> &mut RequestLog {
        &mut self.requests
    }

    fn counters(&self) -> Value {
        json!(self.counters)
    }
}
