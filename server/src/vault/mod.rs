//! The credential vault (DESIGN.md section 9): OAuth tokens and client secrets are sealed with
//! XChaCha20-Poly1305 under a master key before they reach the database.
//!
//! Each ciphertext carries the id of the key that sealed it, so keys can rotate (new writes
//! use the first key; old rows still open with theirs), and is bound by associated data to its
//! project, row and column, so a ciphertext copied onto another row or column fails to open.
//! XChaCha20's 192-bit nonces are safe to draw at random for every seal.

mod keys;

use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};

pub use keys::{KeyError, MasterKeys};

/// Format version of a sealed value (the first byte).
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

/// Where a sealed value belongs: opening it anywhere else fails.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    /// The project id.
    pub project: &'a str,
    /// The row's id (credential id, integration id, flow id).
    pub row: &'a str,
    /// The column, e.g. `access_token`.
    pub column: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        // Length-prefixed so that no two different bindings encode the same bytes.
        let mut aad = b"paragon-vault-v1".to_vec();
        for part in [self.project, self.row, self.column] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The bytes are not a sealed value of this format.
    #[error("not a sealed value (unknown format)")]
    Format,
    /// The key that sealed it is not configured (rotated out too early?).
    #[error("sealed with master key {0:?}, which is not configured in PARAGON_MASTER_KEY")]
    UnknownKey(String),
    /// Wrong key, tampered bytes, or a value copied from another row or column.
    #[error(
        "the sealed value does not open here: it was tampered with or belongs to another row or column"
    )]
    Mismatch,
}

impl MasterKeys {
    /// Seals `plaintext` for `binding` with the current key.
    /// Layout: version, key-id length, key id, 24-byte nonce, ciphertext with its tag.
    pub fn seal(&self, plaintext: &[u8], binding: Binding<'_>) -> Vec<u8> {
        let (kid, key) = self.current();
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let cipher = XChaCha20Poly1305::new(key.into());
        let aad = binding.associated_data();
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // Encryption fails only for messages over 256 GB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(2 + kid.len() + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.push(kid.len() as u8);
        out.extend_from_slice(kid.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`MasterKeys::seal`] made for the same binding.
    pub fn open(&self, sealed: &[u8], binding: Binding<'_>) -> Result<Vec<u8>, VaultError> {
        let (&version, rest) = sealed.split_first().ok_or(VaultError::Format)?;
        let (&kid_len, rest) = rest.split_first().ok_or(VaultError::Format)?;
        if version != VERSION || rest.len() < usize::from(kid_len) + NONCE_LEN {
            return Err(VaultError::Format);
        }
        let (kid, rest) = rest.split_at(usize::from(kid_len));
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let kid = std::str::from_utf8(kid).map_err(|_| VaultError::Format)?;
        let key = self
            .get(kid)
            .ok_or_else(|| VaultError::UnknownKey(kid.to_owned()))?;
        let aad = binding.associated_data();
        let nonce = XNonce::try_from(nonce).map_err(|_| VaultError::Format)?;
        XChaCha20Poly1305::new(key.into())
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Mismatch)
    }

    /// Opens a sealed UTF-8 string.
    pub fn open_string(&self, sealed: &[u8], binding: Binding<'_>) -> Result<String, VaultError> {
        String::from_utf8(self.open(sealed, binding)?).map_err(|_| VaultError::Format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding<'a>(row: &'a str, column: &'a str) -> Binding<'a> {
        Binding {
            project: "p1",
            row,
            column,
        }
    }

    #[test]
    fn a_sealed_value_opens_for_its_own_binding_only() {
        let keys = MasterKeys::generate();
        let sealed = keys.seal(b"refresh-token", binding("cred-1", "refresh_token"));

        assert_eq!(
            keys.open(&sealed, binding("cred-1", "refresh_token"))
                .as_deref(),
            Ok(&b"refresh-token"[..])
        );
        assert_eq!(
            keys.open(&sealed, binding("cred-2", "refresh_token")),
            Err(VaultError::Mismatch)
        );
        assert_eq!(
            keys.open(&sealed, binding("cred-1", "access_token")),
            Err(VaultError::Mismatch)
        );
        let other_project = Binding {
            project: "p2",
            row: "cred-1",
            column: "refresh_token",
        };
        assert_eq!(keys.open(&sealed, other_project), Err(VaultError::Mismatch));
    }

    #[test]
    fn the_plaintext_is_not_in_the_ciphertext_and_nonces_differ() {
        let keys = MasterKeys::generate();
        let a = keys.seal(b"secret-value-123", binding("r", "c"));
        let b = keys.seal(b"secret-value-123", binding("r", "c"));

        assert_ne!(a, b);
        assert!(!a.windows(16).any(|w| w == b"secret-value-123"));
    }

    #[test]
    fn tampering_and_garbage_are_refused() {
        let keys = MasterKeys::generate();
        let mut sealed = keys.seal(b"x", binding("r", "c"));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;

        assert_eq!(
            keys.open(&sealed, binding("r", "c")),
            Err(VaultError::Mismatch)
        );
        assert_eq!(keys.open(b"", binding("r", "c")), Err(VaultError::Format));
        assert_eq!(
            keys.open(&[1, 200, 1, 2], binding("r", "c")),
            Err(VaultError::Format)
        );
    }

    #[test]
    fn rotation_opens_old_values_and_seals_with_the_new_key() {
        let old =
            MasterKeys::parse(&format!("k1:{}", MasterKeys::generate_encoded())).expect("one key");
        let sealed = old.seal(b"x", binding("r", "c"));
        let rotated = MasterKeys::parse(&format!(
            "k2:{},k1:{}",
            MasterKeys::generate_encoded(),
            old.encoded_current()
        ))
        .expect("two keys");

        assert_eq!(
            rotated.open(&sealed, binding("r", "c")).as_deref(),
            Ok(&b"x"[..])
        );
        let resealed = rotated.seal(b"x", binding("r", "c"));
        assert_eq!(
            old.open(&resealed, binding("r", "c")),
            Err(VaultError::UnknownKey("k2".into()))
        );
    }
}
