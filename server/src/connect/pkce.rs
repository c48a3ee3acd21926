//! Random values of the OAuth flow: flow ids, `state`, and PKCE verifiers with their S256
//! challenge (RFC 7636 section 4.2).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// `n` random bytes in base64url: 24 bytes give 192 bits in 32 characters.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(bytes.as_mut_slice());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A PKCE verifier: 32 random bytes, 43 characters of the unreserved alphabet.
pub fn verifier() -> String {
    random_token(32)
}

/// `BASE64URL(SHA256(verifier))`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What is stored of a `state`: its SHA-256, so that reading the database does not give a
/// usable state.
pub fn state_hash(state: &str) -> Vec<u8> {
    Sha256::digest(state.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_have_the_length_rfc_7636_asks_for() {
        let v = verifier();
        assert!((43..=128).contains(&v.len()));
        assert_ne!(v, verifier());
    }
}
