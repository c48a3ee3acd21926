//! The token endpoint's logic, free of HTTP: client authentication, then the
//! `authorization_code` or `refresh_token` grant. No path through here issues a token unless
//! every check passed.

use serde::Deserialize;

use super::{
    OAuthState,
    consent::is_pkce_string,
    failure::OAuthFailure,
    tokens::{Grant, Issued},
};
use crate::{
    accounts::Accounts,
    apps::{App, Apps},
    secrets,
};

/// The form fields of `POST /oauth/{v1,v3,2026-03}/token` this sandbox reads.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: Option<String>,
    /// The app's client id.
    pub client_id: Option<String>,
    /// The app's client secret.
    pub client_secret: Option<String>,
    /// The authorization code.
    pub code: Option<String>,
    /// The redirect URI of the authorize request.
    pub redirect_uri: Option<String>,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
    /// The refresh token.
    pub refresh_token: Option<String>,
}

/// Which grant produced the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    /// A code was exchanged.
    AuthorizationCode,
    /// A refresh token was rotated.
    RefreshToken,
}

/// A successful exchange.
#[derive(Debug)]
pub struct Exchanged {
    /// The new tokens.
    pub issued: Issued,
    /// Which grant type issued them.
    pub grant_type: GrantType,
    /// The grant's account, user and scopes.
    pub grant: Grant,
}

/// A refused exchange, with the account it concerned when the request named a known code or
/// refresh token (for the per-account counters).
#[derive(Debug)]
pub struct Refused {
    /// Why.
    pub failure: OAuthFailure,
    /// The account of the code or refresh token, if known.
    pub hub_id: Option<u32>,
}

impl From<OAuthFailure> for Refused {
    fn from(failure: OAuthFailure) -> Self {
        Self {
            failure,
            hub_id: None,
        }
    }
}

/// Checks `client_id` and then `client_secret` (HubSpot's order) and returns the app.
pub fn authenticate_client<'a>(
    apps: &'a Apps,
    client_id: Option<&str>,
    client_secret: Option<&str>,
) -> Result<&'a App, OAuthFailure> {
    let app = apps
        .get(client_id.unwrap_or_default())
        .ok_or(OAuthFailure::BadClientId)?;
    let secret = client_secret.unwrap_or_default();
    if secret.is_empty() || !secrets::same_secret(secret, &app.config.client_secret) {
        return Err(OAuthFailure::BadClientSecret);
    }
    Ok(app)
}

impl OAuthState {
    /// Runs a token request to the end: tokens, or the reason for refusing them.
    pub fn exchange(
        &mut self,
        apps: &Apps,
        accounts: &Accounts,
        form: &TokenForm,
        now_ms: u64,
        lifetime_ms: u64,
    ) -> Result<Exchanged, Refused> {
        let app = authenticate_client(
            apps,
            form.client_id.as_deref(),
            form.client_secret.as_deref(),
        )?;
        match form.grant_type.as_deref() {
            Some("authorization_code") => {
                self.redeem_code(app, accounts, form, now_ms, lifetime_ms)
            }
            Some("refresh_token") => self.rotate_refresh(app, form, now_ms, lifetime_ms),
            _ => Err(OAuthFailure::BadGrantType.into()),
        }
    }

    fn redeem_code(
        &mut self,
        app: &App,
        accounts: &Accounts,
        form: &TokenForm,
        now_ms: u64,
        lifetime_ms: u64,
    ) -> Result<Exchanged, Refused> {
        let code_text = form.code.as_deref().unwrap_or_default();
        let Some(code) = self.codes.get_mut(code_text) else {
            return Err(OAuthFailure::BadAuthCode.into());
        };
        // A code of another app looks unknown: nothing about it is revealed.
        if code.client_id != app.config.client_id {
            return Err(OAuthFailure::BadAuthCode.into());
        }
        let refused = |failure| Refused {
            failure,
            hub_id: Some(code.hub_id),
        };
        if let Some(grant) = code.redeemed {
            // RFC 6749 section 4.1.2: a replayed code may mean it was stolen; revoke what it
            // granted so that neither party keeps tokens from it.
            let hub_id = code.hub_id;
            self.tokens.revoke_grant(grant);
            return Err(Refused {
                failure: OAuthFailure::BadAuthCode,
                hub_id: Some(hub_id),
            });
        }
        if code.expires_ms <= now_ms {
            return Err(refused(OAuthFailure::ExpiredAuthCode));
        }
        if form.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
            return Err(refused(OAuthFailure::BadRedirectUri));
        }
        // RFC 7636 section 4.6, and RFC 9700 section 2.1.1: a verifier for a code issued
        // without a challenge is refused too (PKCE downgrade).
        let verified = match (&code.code_challenge, form.code_verifier.as_deref()) {
            (None, None) => true,
            (Some(challenge), Some(verifier)) => {
                is_pkce_string(verifier)
                    && secrets::same_secret(&secrets::s256(verifier), challenge)
            }
            _ => false,
        };
        if !verified {
            // The code stays usable: a failed attempt must not let anyone burn a victim's code.
            return Err(refused(OAuthFailure::BadCodeVerifier));
        }
        let Some(account) = accounts.get(code.hub_id) else {
            return Err(refused(OAuthFailure::BadAuthCode));
        };
        let grant = Grant {
            client_id: app.config.client_id.clone(),
            app_id: app.app_id,
            hub_id: account.hub_id,
            user_id: account.user_id,
            scopes: code.scopes.clone(),
            revoked: false,
        };
        let grant_id = self.tokens.open_grant(grant.clone());
        code.redeemed = Some(grant_id);
        let issued = self.tokens.mint(grant_id, now_ms, lifetime_ms);
        Ok(Exchanged {
            issued,
            grant_type: GrantType::AuthorizationCode,
            grant,
        })
    }

    fn rotate_refresh(
        &mut self,
        app: &App,
        form: &TokenForm,
        now_ms: u64,
        lifetime_ms: u64,
    ) -> Result<Exchanged, Refused> {
        let token = form.refresh_token.as_deref().unwrap_or_default();
        let Some((record, grant)) = self.tokens.live_refresh(token) else {
            let hub_id = self
                .tokens
                .refresh_grant(token)
                .and_then(|id| self.tokens.grant(id))
                .map(|grant| grant.hub_id);
            return Err(Refused {
                failure: OAuthFailure::BadRefreshToken,
                hub_id,
            });
        };
        if grant.client_id != app.config.client_id {
            return Err(OAuthFailure::BadRefreshToken.into());
        }
        let (grant_id, grant) = (record.grant, grant.clone());
        self.tokens.retire_refresh(token);
        let issued = self.tokens.mint(grant_id, now_ms, lifetime_ms);
        Ok(Exchanged {
            issued,
            grant_type: GrantType::RefreshToken,
            grant,
        })
    }
}
