//! Project API keys: 256 random bits, shown once, stored as their SHA-256.
//!
//! A fast hash is right here (unlike passwords): the key is uniformly random, so there is
//! nothing to brute-force, and lookups by hash stay a single indexed read.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// Every key starts with this, so that secret scanners and people recognise one.
pub const PREFIX: &str = "prgn_";

/// A new key and the hash to store.
pub fn generate() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&key);
    (key, hash)
}

/// The stored form of a key.
pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_hash_to_what_is_stored() {
        let (a, hash_a) = generate();
        let (b, _) = generate();
        assert!(a.starts_with(PREFIX));
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash_a);
        assert_eq!(a.len(), PREFIX.len() + 43, "32 bytes in base64url");
    }
}
