//! The authorize request and the consents waiting for the tester's decision.
//!
//! The consent form carries only an opaque random id; client, redirect URI, scopes, state and
//! code challenge stay here, so a forged POST cannot change what is granted or where the code
//! goes.

use std::collections::HashMap;

use serde::Deserialize;

use crate::{apps::App, secrets};

/// How long a consent page may stay open before its decision is refused.
const CONSENT_LIFETIME_MS: u64 = 10 * 60 * 1000;

/// HubSpot's words when the install URL's scopes do not match the app's.
pub const SCOPE_MISMATCH: &str = "Authorization failed because there is a mismatch between \
    the scopes in the install URL and the app's configured scopes.";

/// The query of `GET /oauth/authorize`, as HubSpot documents it.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    optional_scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    response_type: Option<String>,
}

impl AuthorizeQuery {
    /// The `client_id` parameter.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }
}

/// An authorize request that passed every check, waiting for Grant or Deny.
#[derive(Debug, Clone)]
pub struct Consent {
    /// The opaque id the form carries.
    pub id: String,
    /// The requesting app's client id.
    pub client_id: String,
    /// The registered redirect URI the request named.
    pub redirect_uri: String,
    /// The scopes that Grant gives: `scope` plus `optional_scope`.
    pub scopes: Vec<String>,
    /// The client's `state`, echoed on the redirect.
    pub state: Option<String>,
    /// The PKCE S256 challenge, if the client sent one.
    pub code_challenge: Option<String>,
    /// The hub of `/oauth/{hubId}/authorize`: only that account may be chosen.
    pub pinned_hub: Option<u32>,
    expires_ms: u64,
}

/// Checks an authorize request in RFC 6749 section 4.1.2.1's order: client, then redirect URI
/// (neither may lead to a redirect), then the rest. Every refusal is a message for the error
/// page, as HubSpot shows its errors on its own page rather than at the redirect URI.
pub fn check(
    app: Option<&App>,
    query: AuthorizeQuery,
    require_pkce: bool,
    pinned_hub: Option<u32>,
    now_ms: u64,
) -> Result<Consent, String> {
    let Some(app) = app else {
        return Err("The client_id in the install URL does not belong to any app.".into());
    };
    let redirect_uri = query.redirect_uri.unwrap_or_default();
    if !app.has_redirect_uri(&redirect_uri) {
        return Err(format!(
            "The redirect_uri {redirect_uri:?} does not exactly match a redirect URL of the app \"{}\".",
            app.config.name
        ));
    }
    if query.response_type.as_deref().is_some_and(|t| t != "code") {
        return Err("response_type must be code.".into());
    }
    let scopes = words(query.scope.as_deref());
    let optional = words(query.optional_scope.as_deref());
    let requested_all_required = app.config.scopes.iter().all(|s| scopes.contains(s));
    let all_allowed = scopes.iter().chain(&optional).all(|s| app.allows_scope(s));
    if scopes.is_empty() || !requested_all_required || !all_allowed {
        return Err(SCOPE_MISMATCH.into());
    }
    let code_challenge = check_pkce(
        query.code_challenge,
        query.code_challenge_method.as_deref(),
        require_pkce,
    )?;
    let mut granted = scopes;
    for scope in optional {
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    Ok(Consent {
        id: secrets::consent_id(),
        client_id: app.config.client_id.clone(),
        redirect_uri,
        scopes: granted,
        state: query.state,
        code_challenge,
        pinned_hub,
        expires_ms: now_ms + CONSENT_LIFETIME_MS,
    })
}

/// RFC 7636 section 4.3: only S256 is offered (`plain` defeats the purpose), and a challenge
/// is BASE64URL of 32 bytes, 43 characters of the unreserved set (the RFC allows up to 128).
fn check_pkce(
    challenge: Option<String>,
    method: Option<&str>,
    require_pkce: bool,
) -> Result<Option<String>, String> {
    match (challenge, method) {
        (None, None) if require_pkce => Err("Authorization failed because the code challenge \
            parameter is missing. PKCE is required for this authorization request."
            .into()),
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge_method was sent without a code_challenge.".into()),
        (Some(_), method) if method != Some("S256") => {
            Err("code_challenge_method must be S256.".into())
        }
        (Some(challenge), _) if !is_pkce_string(&challenge) => Err(
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).".into(),
        ),
        (Some(challenge), _) => Ok(Some(challenge)),
    }
}

/// RFC 7636 sections 4.1 and 4.2: the alphabet and length of verifiers and challenges.
pub fn is_pkce_string(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn words(text: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.unwrap_or_default().split(' ') {
        if !word.is_empty() && !out.iter().any(|w| w == word) {
            out.push(word.to_owned());
        }
    }
    out
}

/// Consents waiting for a decision, each usable once.
#[derive(Debug, Default)]
pub struct Consents {
    pending: HashMap<String, Consent>,
}

impl Consents {
    /// Keeps a consent until its decision (or its expiry).
    pub fn insert(&mut self, consent: Consent, now_ms: u64) {
        self.pending.retain(|_, c| c.expires_ms > now_ms);
        self.pending.insert(consent.id.clone(), consent);
    }

    /// Removes and returns the consent, unless it is unknown, used or expired.
    pub fn take(&mut self, id: &str, now_ms: u64) -> Option<Consent> {
        self.pending.remove(id).filter(|c| c.expires_ms > now_ms)
    }

    /// The consent, without using it up (the page renders from it).
    pub fn peek(&self, id: &str) -> Option<&Consent> {
        self.pending.get(id)
    }
}
