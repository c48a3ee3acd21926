//! Paragon's headers that pick which of the user's credentials a call is for:
//! `X-Paragon-Credential` (a credential id) and `X-Paragon-Configuration-Id` (one of its
//! configurations; the platform keeps one per credential, under the credential's id).
//!
//! The platform keeps one credential per user and integration, so the headers choose nothing:
//! when present they must name that credential, and anything else (another user's credential,
//! an id of another integration, Paragon's `ext:` external ids) is a 404 that says so, before
//! the call is made. A 404 and not a 403: Paragon's SDK logs the user out on a 403.

use axum::http::HeaderMap;

use super::ApiError;
use crate::storage::Credential;

/// The credential header.
pub const CREDENTIAL: &str = "x-paragon-credential";
/// The configuration header.
pub const CONFIGURATION: &str = "x-paragon-configuration-id";

/// Whether the request names a credential or configuration at all.
pub fn selects(headers: &HeaderMap) -> bool {
    headers.contains_key(CREDENTIAL) || headers.contains_key(CONFIGURATION)
}

/// Checks that the headers, where present, name `credential` (the user's own for the
/// integration of the call).
pub fn check(headers: &HeaderMap, credential: &Credential) -> Result<(), ApiError> {
    check_among(headers, std::slice::from_ref(credential))
}

/// Checks that the headers, where present, name the same one of `credentials` (the user's own,
/// for a call that is not for one integration, like an App Event).
pub fn check_among(headers: &HeaderMap, credentials: &[Credential]) -> Result<(), ApiError> {
    let mut named = None;
    for name in [CREDENTIAL, CONFIGURATION] {
        let Some(value) = headers.get(name) else {
            continue;
        };
        let value = value.to_str().map(str::trim).unwrap_or_default();
        let found = credentials.iter().find(|c| c.id.as_str() == value);
        match (found, named) {
            (Some(credential), None) => named = Some(credential),
            (Some(credential), Some(first)) if first.id == credential.id => {}
            _ => {
                return Err(ApiError::NotFound(format!(
                    "{name} names no credential of this user for this call (a user has one per \
                     integration, used when the header is left out)"
                )));
            }
        }
    }
    Ok(())
}
