//! User tokens: RS256 JWTs that the app's backend signs with one of the project's keys.
//!
//! jsonwebtoken checks the signature, `exp` and `nbf`; it accepts by default any lifetime, an
//! `iat` in the future and any `sub`, so the rest of the token rules (docs/api.md, "Commands")
//! is checked here, after the signature.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::signing_key::PublicKey;
use crate::ids::{Kid, ProjectId, UserId};

/// Tolerated clock skew on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;
/// How far in the future `iat` may be.
pub const MAX_IAT_AHEAD_SECS: i64 = 60;
/// Tokens longer than this are refused before parsing (real ones are about 1 KB).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The latest `iat`/`exp` accepted: 9999-12-31T23:59:59Z. Times past it are absurd for a
/// token and, unchecked, let `exp - iat` overflow.
pub const MAX_NUMERIC_DATE: i64 = 253_402_300_799;

/// What a token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// The project of the request path.
    pub project_id: ProjectId,
    /// The project's longest allowed `exp - iat`.
    pub max_lifetime_secs: i64,
    /// An audience the operator configured, accepted besides `useparagon.com/{projectId}`.
    pub audience: Option<&'a str>,
    /// The current time, Unix seconds.
    pub now: i64,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The end user.
    pub sub: UserId,
    /// The key that signed it.
    pub kid: Kid,
    /// Expiry, Unix seconds.
    pub exp: i64,
}

/// Why a token was refused. Each is answered 401; the message tells the app's developer what
/// to fix and never echoes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // each variant's `#[error]` text is its documentation
pub enum TokenError {
    #[error("missing bearer token: send `Authorization: Bearer <user token>`")]
    Missing,
    #[error("the token is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    #[error("only RS256 tokens are accepted")]
    Algorithm,
    #[error(
        "no active signing key of this project matches the token (unknown, revoked, or another project's)"
    )]
    UnknownKey,
    #[error("invalid token signature")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token's iat is in the future")]
    IssuedInFuture,
    #[error("the token lives longer than this project allows ({0} s)")]
    LifetimeTooLong(i64),
    #[error("the token's sub must be a string of 1 to 256 characters")]
    Subject,
    #[error("the token's {0} claim is required")]
    MissingClaim(&'static str),
    #[error(
        "the token's {0} is not a valid time: it must be a JSON number of seconds since 1970 (RFC 7519 NumericDate)"
    )]
    NotANumber(&'static str),
    #[error("the token's {0} is out of range (0 to {MAX_NUMERIC_DATE}, year 9999)")]
    TimeOutOfRange(&'static str),
    #[error("the token's aud is not this project's")]
    Audience,
}

/// The claims as sent: every field a raw JSON value, so that a wrong type is reported by
/// `check_claims` in its own words instead of failing serde with the parser's internals.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Value,
    #[serde(default)]
    iat: Value,
    #[serde(default)]
    exp: Value,
    #[serde(default)]
    aud: Value,
}

/// Checks `token` against the project's active `keys`.
pub fn verify(token: &str, keys: &[PublicKey], policy: Policy<'_>) -> Result<Verified, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    // The header is parsed without trusting it: it only picks the algorithm check and the key.
    let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
        // An `alg` jsonwebtoken does not know ("none", "HS999") fails to parse.
        ErrorKind::Json(_) if token_alg_is_unsupported(token) => TokenError::Algorithm,
        other => decode_error(other),
    })?;
    if header.alg != Algorithm::RS256 {
        return Err(TokenError::Algorithm);
    }
    let candidates: Vec<&PublicKey> = match &header.kid {
        Some(kid) => keys.iter().filter(|k| k.kid.as_str() == kid).collect(),
        None => keys.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(TokenError::UnknownKey);
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation.validate_aud = false; // checked below, where an absent `aud` is allowed
    // Presence and types of exp, iat and sub are checked in `check_claims`, in words of our
    // own: jsonwebtoken reports a non-numeric `exp` as missing.
    validation.set_required_spec_claims::<&str>(&[]);
    for key in candidates {
        // A stored key that does not load is skipped: the token may be another key's.
        let Ok(decoding) = DecodingKey::from_rsa_components(&key.n, &key.e) else {
            tracing::error!(kid = %key.kid, "a stored signing key does not load");
            continue;
        };
        match jsonwebtoken::decode::<Claims>(token, &decoding, &validation) {
            Ok(data) => return check_claims(data.claims, key, policy),
            // Another active key may have signed it (rotation without a `kid`).
            Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => continue,
            Err(e) => return Err(claim_error(e.kind())),
        }
    }
    Err(TokenError::Signature)
}

fn check_claims(
    claims: Claims,
    key: &PublicKey,
    policy: Policy<'_>,
) -> Result<Verified, TokenError> {
    let iat = numeric_date(&claims.iat, "iat")?;
    let exp = numeric_date(&claims.exp, "exp")?;
    // jsonwebtoken checked exp already; checked again here so that no claim it skipped
    // (absent or unparsable to it) is taken as "never expires".
    if exp.saturating_add(LEEWAY_SECS as i64) < policy.now {
        return Err(TokenError::Expired);
    }
    if iat > policy.now.saturating_add(MAX_IAT_AHEAD_SECS) {
        return Err(TokenError::IssuedInFuture);
    }
    // Both lie in 0..=MAX_NUMERIC_DATE, so this cannot overflow; checked all the same.
    match exp.checked_sub(iat) {
        Some(lifetime) if lifetime <= policy.max_lifetime_secs => {}
        _ => return Err(TokenError::LifetimeTooLong(policy.max_lifetime_secs)),
    }
    check_audience(&claims.aud, policy)?;
    let sub = match &claims.sub {
        Value::String(sub) => UserId::parse(sub).ok_or(TokenError::Subject)?,
        _ => return Err(TokenError::Subject),
    };
    Ok(Verified {
        sub,
        kid: key.kid.clone(),
        exp,
    })
}

/// An RFC 7519 NumericDate: a JSON number of seconds, fractions allowed (section 2) and
/// dropped; negative, huge and non-numeric values are refused.
fn numeric_date(value: &Value, claim: &'static str) -> Result<i64, TokenError> {
    let seconds = match value {
        Value::Null => return Err(TokenError::MissingClaim(claim)),
        Value::Number(n) => n.as_f64().ok_or(TokenError::NotANumber(claim))?,
        _ => return Err(TokenError::NotANumber(claim)),
    };
    if !(0.0..=MAX_NUMERIC_DATE as f64).contains(&seconds) {
        return Err(TokenError::TimeOutOfRange(claim));
    }
    // In range, so the conversion is exact up to the dropped fraction.
    Ok(seconds.trunc() as i64)
}

fn check_audience(aud: &Value, policy: Policy<'_>) -> Result<(), TokenError> {
    let ours = format!("useparagon.com/{}", policy.project_id);
    let accepted = |a: &Value| {
        a.as_str()
            .is_some_and(|a| a == ours || policy.audience == Some(a))
    };
    let ok = match aud {
        Value::Null => true,
        Value::Array(list) => list.iter().any(accepted),
        one => accepted(one),
    };
    if ok {
        Ok(())
    } else {
        Err(TokenError::Audience)
    }
}

/// jsonwebtoken's failures in words for the app's developer: never the JSON parser's text
/// ("invalid type: … at line 1 column 53"), which describes our types, not the token.
fn claim_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::MissingRequiredClaim(claim) if claim == "sub" => TokenError::Subject,
        ErrorKind::MissingRequiredClaim(claim) => TokenError::MissingClaim(claim_name(claim)),
        // exp or nbf that is not a non-negative number.
        ErrorKind::InvalidClaimFormat(claim) => TokenError::NotANumber(claim_name(claim)),
        other => decode_error(other),
    }
}

fn claim_name(claim: &str) -> &'static str {
    match claim {
        "exp" => "exp",
        "nbf" => "nbf",
        "iat" => "iat",
        "sub" => "sub",
        "aud" => "aud",
        _ => "registered",
    }
}

fn decode_error(kind: &ErrorKind) -> TokenError {
    TokenError::Malformed(match kind {
        ErrorKind::Base64(_) => "a part of the token is not base64url",
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            "the token's header or claims are not a JSON object"
        }
        ErrorKind::InvalidToken => "expected three base64url parts: header.claims.signature",
        _ => "the token could not be decoded",
    })
}

/// Whether the header's `alg` is a string jsonwebtoken does not know (`none` among them).
fn token_alg_is_unsupported(token: &str) -> bool {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let Some(header) = token.split('.').next() else {
        return false;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(header) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("alg").map(serde_json::Value::is_string))
        .unwrap_or(false)
}

/// What `paragon token sign` (the guide's "JWT generator") puts in a token.
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    /// The end user.
    pub sub: &'a str,
    /// Lifetime in seconds.
    pub ttl_secs: i64,
    /// The `kid` header; `None` leaves it out.
    pub kid: Option<&'a str>,
    /// An `aud` claim, if any.
    pub audience: Option<&'a str>,
    /// `iat`, Unix seconds.
    pub now: i64,
}

#[derive(Serialize)]
struct SignedClaims<'a> {
    sub: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

/// Signs an RS256 user token with a PKCS#8 (or PKCS#1) PEM private key.
pub fn sign(private_pem: &str, request: &TokenRequest<'_>) -> Result<String, String> {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes())
        .map_err(|e| format!("not an RSA private key in PEM: {e}"))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = request.kid.map(str::to_owned);
    let claims = SignedClaims {
        sub: request.sub,
        iat: request.now,
        exp: request.now + request.ttl_secs,
        aud: request.audience,
    };
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| format!("signing failed: {e}"))
}
