//! Grants and the tokens minted from them.
//!
//! A grant is one authorization (one exchanged code); every access and refresh token belongs to
//! one. Revoking a grant kills all of its tokens at once, which is how RFC 7009 section 2.1
//! (revoking a refresh token revokes the access tokens of the same grant) and RFC 6749
//! section 4.1.2 (a replayed code revokes what it granted) are both served.

use std::collections::HashMap;

use crate::secrets;

/// Identifies a grant within one sandbox.
pub type GrantId = u64;

/// One authorization of an app by an account.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The app's client id.
    pub client_id: String,
    /// The app's numeric id.
    pub app_id: u32,
    /// The account.
    pub hub_id: u32,
    /// The installing user.
    pub user_id: u32,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// Set by revocation or code replay; no token of a revoked grant works.
    pub revoked: bool,
}

/// An access token's record.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The grant it was minted for.
    pub grant: GrantId,
    /// When it stops working (moved to "now" by the expire-tokens knob).
    pub expires_ms: u64,
    /// Set by `POST /oauth/v3/token/revoke` with the access token itself.
    pub revoked: bool,
}

/// A refresh token's record.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// The grant it was minted for.
    pub grant: GrantId,
    /// Cleared when the token is rotated out by a refresh.
    pub active: bool,
}

/// A freshly minted token pair.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerRefused {
    /// No token, or one the sandbox never issued, or a revoked one.
    Invalid,
    /// A token past its expiry.
    Expired {
        /// When it expired.
        expired_ms: u64,
    },
}

/// Every grant and token of one sandbox.
#[derive(Debug, Default)]
pub struct Tokens {
    grants: HashMap<GrantId, Grant>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    next_grant: GrantId,
}

impl Tokens {
    /// Records a new authorization.
    pub fn open_grant(&mut self, grant: Grant) -> GrantId {
        self.next_grant += 1;
        self.grants.insert(self.next_grant, grant);
        self.next_grant
    }

    /// Mints an access token and a refresh token for the grant.
    pub fn mint(&mut self, grant: GrantId, now_ms: u64, lifetime_ms: u64) -> Issued {
        let access_token = secrets::access_token();
        let refresh_token = secrets::refresh_token();
        let expires_ms = now_ms + lifetime_ms;
        self.access.insert(
            access_token.clone(),
            AccessToken {
                grant,
                expires_ms,
                revoked: false,
            },
        );
        self.refresh.insert(
            refresh_token.clone(),
            RefreshToken {
                grant,
                active: true,
            },
        );
        Issued {
            access_token,
            refresh_token,
            expires_in: lifetime_ms / 1000,
        }
    }

    /// The grant.
    pub fn grant(&self, id: GrantId) -> Option<&Grant> {
        self.grants.get(&id)
    }

    /// Kills every token of the grant.
    pub fn revoke_grant(&mut self, id: GrantId) {
        if let Some(grant) = self.grants.get_mut(&id) {
            grant.revoked = true;
        }
    }

    /// A refresh token that still works, with its grant.
    pub fn live_refresh(&self, token: &str) -> Option<(&RefreshToken, &Grant)> {
        let record = self.refresh.get(token)?;
        let grant = self.grants.get(&record.grant)?;
        (record.active && !grant.revoked).then_some((record, grant))
    }

    /// Rotation: the refresh token stops working (its successor is minted by the caller).
    pub fn retire_refresh(&mut self, token: &str) {
        if let Some(record) = self.refresh.get_mut(token) {
            record.active = false;
        }
    }

    /// An access token's record and grant, whether or not it still works.
    pub fn access(&self, token: &str) -> Option<(&AccessToken, &Grant)> {
        let record = self.access.get(token)?;
        Some((record, self.grants.get(&record.grant)?))
    }

    /// Marks one access token revoked; true if it was known.
    pub fn revoke_access(&mut self, token: &str) -> bool {
        self.access
            .get_mut(token)
            .map(|record| record.revoked = true)
            .is_some()
    }

    /// The refresh token's grant, whether or not the token still works.
    pub fn refresh_grant(&self, token: &str) -> Option<GrantId> {
        self.refresh.get(token).map(|record| record.grant)
    }

    /// Whether the account installed the app: it has a grant of the app that is not revoked
    /// (revoking a refresh token revokes its grant, which here stands for uninstalling).
    pub fn installed(&self, client_id: &str, hub_id: u32) -> bool {
        self.grants
            .values()
            .any(|g| g.client_id == client_id && g.hub_id == hub_id && !g.revoked)
    }

    /// Checks a bearer token for a CRM call and returns its grant.
    pub fn authenticate(&self, token: &str, now_ms: u64) -> Result<&Grant, BearerRefused> {
        let (record, grant) = self.access(token).ok_or(BearerRefused::Invalid)?;
        if record.revoked || grant.revoked {
            return Err(BearerRefused::Invalid);
        }
        if record.expires_ms <= now_ms {
            return Err(BearerRefused::Expired {
                expired_ms: record.expires_ms,
            });
        }
        Ok(grant)
    }

    /// Every access and refresh token ever issued for the account, live or not (the tokens
    /// knob: tests search URLs and logs for them).
    pub fn of_hub(&self, hub_id: u32) -> (Vec<String>, Vec<String>) {
        let of_hub = |grant: &GrantId| self.grants.get(grant).is_some_and(|g| g.hub_id == hub_id);
        let mut access: Vec<String> = self
            .access
            .iter()
            .filter(|(_, record)| of_hub(&record.grant))
            .map(|(token, _)| token.clone())
            .collect();
        let mut refresh: Vec<String> = self
            .refresh
            .iter()
            .filter(|(_, record)| of_hub(&record.grant))
            .map(|(token, _)| token.clone())
            .collect();
        access.sort_unstable();
        refresh.sort_unstable();
        (access, refresh)
    }

    /// The expire-tokens knob: every access token of the account expires now. Returns how many
    /// were still live.
    pub fn expire_hub(&mut self, hub_id: u32, now_ms: u64) -> usize {
        let grants = &self.grants;
        let mut expired = 0;
        for record in self.access.values_mut() {
            let of_hub = grants
                .get(&record.grant)
                .is_some_and(|g| g.hub_id == hub_id);
            if of_hub && record.expires_ms > now_ms {
                record.expires_ms = now_ms;
                expired += 1;
            }
        }
        expired
    }
}
