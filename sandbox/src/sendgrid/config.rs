//! [`SendGridConfig`]: what a SendGrid stand-in starts with; `POST /_sandbox/reset` returns to
//! it.

use std::{
    net::{Ipv4Addr, SocketAddr},
    time::Duration,
};

use crate::error::SandboxError;

/// How a SendGrid stand-in is set up.
#[derive(Debug, Clone)]
pub struct SendGridConfig {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Accounts known from the start. They have no API keys: SendGrid's keys are made by the
    /// account's owner and shown once, so a test makes its own with the knob.
    pub accounts: Vec<AccountConfig>,
    /// Requests each account may make to each endpoint per [`Self::rate_limit_period`].
    /// SendGrid publishes no numbers (its limits vary by endpoint and plan); 600 per minute is
    /// what its 2019 changelog named as the default for the endpoints it limited then.
    pub rate_limit: u32,
    /// SendGrid's "refresh period": a fixed window, reset all at once.
    pub rate_limit_period: Duration,
}

impl Default for SendGridConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            accounts: Vec::new(),
            rate_limit: 600,
            rate_limit_period: Duration::from_secs(60),
        }
    }
}

impl SendGridConfig {
    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |message: String| Err(SandboxError::InvalidConfig(message));
        if self.rate_limit == 0 {
            return invalid("the rate limit must allow at least one request".into());
        }
        if self.rate_limit_period.as_secs() == 0 {
            return invalid("the rate-limit period must be at least one second".into());
        }
        let mut usernames = std::collections::HashSet::new();
        for account in &self.accounts {
            account.validate()?;
            if !usernames.insert(account.username.as_str()) {
                return invalid(format!("account {} is configured twice", account.username));
            }
        }
        Ok(())
    }
}

/// A SendGrid account (a user), known by its username, with its profile's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// The username (`GET /v3/user/username`).
    pub username: String,
    /// The profile's `first_name`.
    pub first_name: String,
    /// The profile's `last_name`.
    pub last_name: String,
    /// The profile's `company`.
    pub company: String,
}

impl AccountConfig {
    /// An account whose profile is empty, as one that never filled it in.
    pub fn new(username: &str) -> Self {
        Self {
            username: username.to_owned(),
            first_name: String::new(),
            last_name: String::new(),
            company: String::new(),
        }
    }

    /// The profile's first and last name.
    #[must_use]
    pub fn name(mut self, first: &str, last: &str) -> Self {
        first.clone_into(&mut self.first_name);
        last.clone_into(&mut self.last_name);
        self
    }

    /// The profile's company.
    #[must_use]
    pub fn company(mut self, company: &str) -> Self {
        company.clone_into(&mut self.company);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        if is_username(&self.username) {
            Ok(())
        } else {
            Err(SandboxError::InvalidConfig(format!(
                "a username is 1 to 64 letters, digits and . _ - @ +, not {:?}",
                self.username
            )))
        }
    }
}

/// SendGrid does not publish its username rules; these keep a username safe in a URL path
/// segment (the knobs address accounts by it) and cover the usernames its docs show.
fn is_username(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@+".contains(&b))
}
