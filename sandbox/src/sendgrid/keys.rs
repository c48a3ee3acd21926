//! [`ApiKeys`]: SendGrid API keys, made, checked and revoked.
//!
//! A key has SendGrid's shape, `SG.<key id>.<secret>`, 69 characters ("Twilio SendGrid API keys
//! are 69 characters long", <https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys>):
//! the 22-character key id is what SendGrid lists and deletes keys by, and the 43-character
//! secret is shown once, at creation. Only the key id and the secret's hash are kept, so nothing
//! the stand-in can print (a knob, a log, a `Debug`) holds a usable key.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::secrets::{random, same_secret};

/// "There is a limit of 100 API Keys on your account" (SendGrid's "Create API keys").
pub const MAX_KEYS_PER_ACCOUNT: usize = 100;

/// A live key, without its secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// The 22-character id, the key's middle part.
    pub api_key_id: String,
    /// The name it was given.
    pub name: String,
    /// The account it authenticates as.
    pub username: String,
    #[serde(skip)]
    secret_hash: String,
}

/// Every live key of every account, by key id.
#[derive(Debug, Default)]
pub struct ApiKeys {
    by_id: BTreeMap<String, ApiKey>,
}

/// Why a key was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyKeys;

impl ApiKeys {
    /// Makes a key for `username`; answers the key's record and the whole key, which is not
    /// kept and cannot be read again.
    pub fn create(&mut self, username: &str, name: &str) -> Result<(ApiKey, String), TooManyKeys> {
        if self.of(username).count() >= MAX_KEYS_PER_ACCOUNT {
            return Err(TooManyKeys);
        }
        let (api_key_id, secret) = loop {
            let id = URL_SAFE_NO_PAD.encode(random::<16>());
            if !self.by_id.contains_key(&id) {
                break (id, URL_SAFE_NO_PAD.encode(random::<32>()));
            }
        };
        let key = ApiKey {
            api_key_id: api_key_id.clone(),
            name: name.to_owned(),
            username: username.to_owned(),
            secret_hash: hash(&secret),
        };
        self.by_id.insert(api_key_id.clone(), key.clone());
        Ok((key, format!("SG.{api_key_id}.{secret}")))
    }

    /// The account a presented key authenticates as: `None` for anything that is not a live
    /// key of this stand-in, malformed or revoked alike.
    pub fn account_of(&self, presented: &str) -> Option<&str> {
        let (id, secret) = presented.strip_prefix("SG.")?.split_once('.')?;
        let key = self.by_id.get(id)?;
        same_secret(&hash(secret), &key.secret_hash).then_some(key.username.as_str())
    }

    /// The live keys of `username`, by key id.
    pub fn of<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a ApiKey> {
        self.by_id.values().filter(move |k| k.username == username)
    }

    /// Revokes a key of `username`; whether there was one.
    pub fn revoke(&mut self, username: &str, api_key_id: &str) -> bool {
        let owned = self
            .by_id
            .get(api_key_id)
            .is_some_and(|k| k.username == username);
        owned && self.by_id.remove(api_key_id).is_some()
    }
}

fn hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_sendgrids_shape_and_authenticate_their_account_only_until_revoked() {
        let mut keys = ApiKeys::default();
        let (record, key) = keys.create("ada", "platform").expect("room for a key");
        assert_eq!(key.len(), 69);
        assert!(key.starts_with(&format!("SG.{}.", record.api_key_id)));
        assert_eq!(record.api_key_id.len(), 22);
        assert_eq!(keys.account_of(&key), Some("ada"));
        assert_eq!(keys.account_of(&format!("{key}x")), None);
        assert_eq!(keys.account_of(&key[3..]), None);
        assert!(!keys.revoke("grace", &record.api_key_id), "not grace's key");
        assert!(keys.revoke("ada", &record.api_key_id));
        assert_eq!(keys.account_of(&key), None);
    }

    #[test]
    fn an_account_has_at_most_a_hundred_keys() {
        let mut keys = ApiKeys::default();
        for _ in 0..MAX_KEYS_PER_ACCOUNT {
            keys.create("ada", "k").expect("room for a key");
        }
        assert_eq!(keys.create("ada", "k").err(), Some(TooManyKeys));
        assert!(keys.create("grace", "k").is_ok(), "another account's count");
    }
}
