//! Random tokens in HubSpot's shapes, PKCE's S256 transform and a constant-time comparison.
//!
//! Every secret has at least 112 random bits. The shapes copy HubSpot's so that a client which
//! makes assumptions about them (length, prefix, alphabet) meets the same tokens here.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// The data-centre prefix HubSpot puts on refresh tokens (`na1-`, `eu1-`).
const HUBLET: &str = "na1";

pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::fill(&mut bytes);
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An access token: an opaque base64url blob of varying-looking length, as HubSpot's are
/// (they start with `C` and HubSpot asks clients to allow up to 512 characters).
pub fn access_token() -> String {
    format!("C{}", URL_SAFE_NO_PAD.encode(random::<64>()))
}

/// A refresh token shaped like HubSpot's: `na1-xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn refresh_token() -> String {
    let b = hex(&random::<14>());
    format!(
        "{HUBLET}-{}-{}-{}-{}-{}",
        &b[0..4],
        &b[4..8],
        &b[8..12],
        &b[12..16],
        &b[16..28]
    )
}

/// An authorization code: a random UUID-shaped string with the hublet prefix.
pub fn authorization_code() -> String {
    format!(
        "{HUBLET}-{}",
        uuid::Uuid::from_bytes(random::<16>()).hyphenated()
    )
}

/// The opaque id of a pending consent, carried by the consent form.
pub fn consent_id() -> String {
    URL_SAFE_NO_PAD.encode(random::<32>())
}

/// A random UUID (v4), as SendGrid's contact and job ids are.
pub fn random_uuid() -> String {
    uuid::Builder::from_random_bytes(random::<16>())
        .into_uuid()
        .to_string()
}

/// A fresh `correlationId`; HubSpot's recent ones are UUID v7.
pub fn correlation_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// PKCE S256 (RFC 7636 section 4.2): `BASE64URL(SHA256(ASCII(code_verifier)))`.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares two secrets without an early exit on the first differing byte.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (given, expected) = (Sha256::digest(given), Sha256::digest(expected));
    given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_example_of_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn refresh_tokens_look_like_hubspots() {
        let token = refresh_token();
        let groups: Vec<usize> = token.split('-').map(str::len).collect();
        assert!(token.starts_with("na1-"));
        assert_eq!(groups, [3, 4, 4, 4, 4, 12]);
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("", "abc"));
    }
}
