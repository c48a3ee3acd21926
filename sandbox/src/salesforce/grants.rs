//! The OAuth side of an org: pending consents, authorization codes, refresh-token grants and
//! access tokens (sessions).
//!
//! Salesforce's refresh tokens do not rotate: a refresh answers a new access token and no new
//! refresh token, and the refresh token stays valid until revoked ("Refresh tokens don't
//! expire unless revoked or the connected app's refresh token policy says so", in
//! <https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm>).
//! Revoking a refresh token revokes every access token issued from it; revoking an access token
//! ends that session only (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm>).

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::secrets;

/// An authorize request waiting for the user's decision on the consent page.
#[derive(Debug, Clone)]
pub struct Consent {
    /// Its opaque id, the only thing the consent form carries besides the choice.
    pub id: String,
    /// The connected app.
    pub client_id: String,
    /// Where to send the user back.
    pub redirect_uri: String,
    /// The client's `state`, returned untouched.
    pub state: Option<String>,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// The PKCE `code_challenge` (S256), if any.
    pub code_challenge: Option<String>,
}

/// An unredeemed authorization code.
#[derive(Debug, Clone)]
pub struct Code {
    /// What was consented to.
    pub consent: Consent,
    /// The org chosen.
    pub org_id: String,
    /// When it stops being redeemable, ms.
    pub expires_at_ms: u64,
}

/// One grant: what a refresh token stands for.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The org.
    pub org_id: String,
    /// The connected app.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

/// One access token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The org.
    pub org_id: String,
    /// The refresh token it came with or from, if any (revoking that ends this session too).
    pub refresh_token: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When it expires, ms.
    pub expires_at_ms: u64,
}

/// All OAuth state of one stand-in.
#[derive(Debug, Default)]
pub struct Grants {
    /// Pending consents by id.
    pub consents: HashMap<String, Consent>,
    /// Codes by value.
    pub codes: HashMap<String, Code>,
    /// Refresh tokens by value.
    pub refresh: HashMap<String, Grant>,
    /// Access tokens by value.
    pub sessions: HashMap<String, Session>,
}

impl Grants {
    /// Issues an access token for `org_id`, tied to `refresh_token` if any.
    pub fn open_session(
        &mut self,
        org_id: &str,
        refresh_token: Option<String>,
        scopes: Vec<String>,
        expires_at_ms: u64,
    ) -> String {
        let token = access_token(org_id);
        self.sessions.insert(
            token.clone(),
            Session {
                org_id: org_id.to_owned(),
                refresh_token,
                scopes,
                expires_at_ms,
            },
        );
        token
    }

    /// Revokes `token`, an access or a refresh token; `false` if it is neither.
    pub fn revoke(&mut self, token: &str) -> bool {
        if self.refresh.remove(token).is_some() {
            self.sessions
                .retain(|_, s| s.refresh_token.as_deref() != Some(token));
            return true;
        }
        self.sessions.remove(token).is_some()
    }

    /// Ends every access token of `org_id` now (refresh tokens stay valid).
    pub fn expire_sessions(&mut self, org_id: &str) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|_, s| s.org_id != org_id);
        before - self.sessions.len()
    }
}

/// An access token shaped like Salesforce's session ids: the 15-character org id, `!`, then an
/// opaque part (`00D5e0000001a2b!AQ8AQ…`). Clients log the part before `!` to tell orgs apart.
fn access_token(org_id: &str) -> String {
    let org15 = org_id.get(..15).unwrap_or(org_id);
    format!(
        "{org15}!AQ{}",
        URL_SAFE_NO_PAD
            .encode(secrets::random::<48>())
            .replace(['-', '_'], ".")
    )
}

/// A refresh token shaped like Salesforce's: `5Aep861…`, opaque, URL-safe.
pub fn refresh_token() -> String {
    format!(
        "5Aep861{}",
        URL_SAFE_NO_PAD
            .encode(secrets::random::<48>())
            .replace(['-', '_'], ".")
    )
}

/// An authorization code (Salesforce's are opaque base64 ending in `==`, URL-encoded when
/// sent; this one avoids characters that need encoding).
pub fn code() -> String {
    format!("aPrx{}", URL_SAFE_NO_PAD.encode(secrets::random::<32>()))
}
