//! Authorization codes: single-use, short-lived, bound to client, redirect URI, account,
//! scopes and PKCE challenge.

use std::collections::HashMap;

use super::{consent::Consent, tokens::GrantId};
use crate::secrets;

/// A code is remembered this long after it expires, so that a late replay is still recognised
/// as a replay (and revokes what the code granted) instead of looking unknown.
const REMEMBER_AFTER_EXPIRY_MS: u64 = 60 * 60 * 1000;

/// What an authorization code stands for.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// The app it was issued to.
    pub client_id: String,
    /// The redirect URI of the authorize request; the token request must repeat it exactly.
    pub redirect_uri: String,
    /// The account the tester chose.
    pub hub_id: u32,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The PKCE S256 challenge of the authorize request.
    pub code_challenge: Option<String>,
    /// When the code stops being exchangeable.
    pub expires_ms: u64,
    /// The grant the code was exchanged for: `Some` means it is used up.
    pub redeemed: Option<GrantId>,
}

/// Every code of one sandbox.
#[derive(Debug, Default)]
pub struct Codes {
    by_code: HashMap<String, AuthCode>,
}

impl Codes {
    /// Issues a code for a granted consent.
    pub fn issue(
        &mut self,
        consent: &Consent,
        hub_id: u32,
        now_ms: u64,
        lifetime_ms: u64,
    ) -> String {
        self.by_code
            .retain(|_, c| c.expires_ms + REMEMBER_AFTER_EXPIRY_MS > now_ms);
        let code = secrets::authorization_code();
        self.by_code.insert(
            code.clone(),
            AuthCode {
                client_id: consent.client_id.clone(),
                redirect_uri: consent.redirect_uri.clone(),
                hub_id,
                scopes: consent.scopes.clone(),
                code_challenge: consent.code_challenge.clone(),
                expires_ms: now_ms + lifetime_ms,
                redeemed: None,
            },
        );
        code
    }

    /// The code's record, for the exchange to check and mark.
    pub fn get_mut(&mut self, code: &str) -> Option<&mut AuthCode> {
        self.by_code.get_mut(code)
    }
}
