//! HubSpot accounts ("hubs"): each has a hub id, one installing user and its own contacts.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::AccountConfig;

/// One HubSpot account as the sandbox knows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// HubSpot's `hub_id` (also called portal id).
    pub hub_id: u32,
    /// The installing user's id, returned as `user_id` with tokens.
    pub user_id: u32,
    /// The installing user's email, returned as `user` by introspection.
    pub user_email: String,
    /// The account's domain, returned as `hub_domain`.
    pub hub_domain: String,
}

/// Why an account could not be added.
#[derive(Debug)]
pub enum AccountRefused {
    /// The hub id is taken.
    Exists(u32),
    /// The hub id or email is not valid.
    Invalid(String),
}

/// Every account of one sandbox.
#[derive(Debug, Default)]
pub struct Accounts {
    by_hub: BTreeMap<u32, Account>,
}

impl Accounts {
    /// Adds an account; without a hub id a fresh 8-digit one is drawn, as new HubSpot test
    /// accounts get.
    pub fn add(
        &mut self,
        hub_id: Option<u32>,
        user_email: &str,
    ) -> Result<Account, AccountRefused> {
        let hub_id = match hub_id {
            Some(id) if self.by_hub.contains_key(&id) => return Err(AccountRefused::Exists(id)),
            Some(id) => id,
            None => self.fresh_hub_id(),
        };
        let config = AccountConfig::new(hub_id, user_email);
        config
            .validate()
            .map_err(|error| AccountRefused::Invalid(error.to_string()))?;
        let user_email = user_email.to_ascii_lowercase();
        let hub_domain = user_email
            .rsplit_once('@')
            .map_or_else(|| "example.com".to_owned(), |(_, domain)| domain.to_owned());
        let account = Account {
            hub_id,
            user_id: rand::random_range(1_000_000..100_000_000),
            user_email,
            hub_domain,
        };
        self.by_hub.insert(hub_id, account.clone());
        Ok(account)
    }

    /// The account with this hub id.
    pub fn get(&self, hub_id: u32) -> Option<&Account> {
        self.by_hub.get(&hub_id)
    }

    /// Every account, by hub id.
    pub fn all(&self) -> impl Iterator<Item = &Account> {
        self.by_hub.values()
    }

    fn fresh_hub_id(&self) -> u32 {
        loop {
            let id = rand::random_range(10_000_000..100_000_000);
            if !self.by_hub.contains_key(&id) {
                return id;
            }
        }
    }
}
