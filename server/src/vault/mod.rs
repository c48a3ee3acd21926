//! The credential vault: OAuth tokens and client secrets are sealed with
//! XChaCha20-Poly1305 under a master key before they reach the database.
//!
//! Each ciphertext carries the id of the key that sealed it, so keys can rotate (new writes
//! use the first key; old rows still open with theirs; `paragon vault reseal` moves them all
//! to the first), and is bound by associated data to its project, row and column, and for a
//! user's credential to the user, so a ciphertext copied onto another row, column or user
//! fails to open. XChaCha20's 192-bit nonces are safe to draw at random for every seal.

mod demo;
mod keys;
pub mod reseal;

use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};

pub use demo::{DEMO_KEY_FILE, demo_keys};
pub use keys::{KeyError, MasterKeys};

/// Format version of a sealed value (the first byte). Version 2 binds the user too; version 1
/// values (sealed before it) still open, with the associated data they were sealed with, until
/// `paragon vault reseal` rewrites them as version 2.
const VERSION: u8 = 2;
const LEGACY_VERSION: u8 = 1;
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

/// Where a user's sealed value belongs (a credential's tokens): a [`Binding`] and the user, so
/// that a ciphertext moved to another user's row does not open even if the row ids agree.
#[derive(Debug, Clone, Copy)]
pub struct UserBinding<'a> {
    /// The project id.
    pub project: &'a str,
    /// The end user's id.
    pub user: &'a str,
    /// The row's id (the credential id).
    pub row: &'a str,
    /// The column, e.g. `refresh_token`.
    pub column: &'a str,
}

/// The associated data of a seal: a [`Binding`] or a [`UserBinding`].
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    binding: Binding<'a>,
    user: Option<&'a str>,
}

impl<'a> From<Binding<'a>> for Aad<'a> {
    fn from(binding: Binding<'a>) -> Self {
        Self {
            binding,
            user: None,
        }
    }
}

impl<'a> From<UserBinding<'a>> for Aad<'a> {
    fn from(b: UserBinding<'a>) -> Self {
        Self {
            binding: Binding {
                project: b.project,
                row: b.row,
                column: b.column,
            },
            user: Some(b.user),
        }
    }
}

impl Aad<'_> {
    fn bytes(&self, version: u8) -> Vec<u8> {
        // Length-prefixed so that no two different bindings encode the same bytes.
        let push = |aad: &mut Vec<u8>, part: &str| {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        };
        let b = &self.binding;
        if version == LEGACY_VERSION {
            let mut aad = b"paragon-vault-v1".to_vec();
            for part in [b.project, b.row, b.column] {
                push(&mut aad, part);
            }
            return aad;
        }
        let mut aad = b"paragon-vault-v2".to_vec();
        for part in [b.project, b.row, b.column] {
            push(&mut aad, part);
        }
        // A marker byte, so that "no user" and an empty user id differ.
        match self.user {
            None => aad.push(0),
            Some(user) => {
                aad.push(1);
                push(&mut aad, user);
            }
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
    /// Wrong key, tampered bytes, or a value copied from another row, column or user.
    #[error(
        "the sealed value does not open here: it was tampered with or belongs to another row, column or user"
    )]
    Mismatch,
}

/// The header of a sealed value: its format version and the id of the key that sealed it.
struct Header<'s> {
    version: u8,
    kid: &'s str,
    nonce: &'s [u8],
    ciphertext: &'s [u8],
}

fn header(sealed: &[u8]) -> Result<Header<'_>, VaultError> {
    let (&version, rest) = sealed.split_first().ok_or(VaultError::Format)?;
    let (&kid_len, rest) = rest.split_first().ok_or(VaultError::Format)?;
    if !matches!(version, VERSION | LEGACY_VERSION) || rest.len() < usize::from(kid_len) + NONCE_LEN
    {
        return Err(VaultError::Format);
    }
    let (kid, rest) = rest.split_at(usize::from(kid_len));
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let kid = std::str::from_utf8(kid).map_err(|_| VaultError::Format)?;
    Ok(Header {
        version,
        kid,
        nonce,
        ciphertext,
    })
}

impl MasterKeys {
    /// Seals `plaintext` for `binding` with the current key.
    /// Layout: version, key-id length, key id, 24-byte nonce, ciphertext with its tag.
    pub fn seal<'a>(&self, plaintext: &[u8], binding: impl Into<Aad<'a>>) -> Vec<u8> {
        let (kid, key) = self.current();
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let cipher = XChaCha20Poly1305::new(key.into());
        let aad = binding.into().bytes(VERSION);
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
    pub fn open<'a>(
        &self,
        sealed: &[u8],
        binding: impl Into<Aad<'a>>,
    ) -> Result<Vec<u8>, VaultError> {
        let header = header(sealed)?;
        let key = self
            .get(header.kid)
            .ok_or_else(|| VaultError::UnknownKey(header.kid.to_owned()))?;
        let aad = binding.into().bytes(header.version);
        let nonce = XNonce::try_from(header.nonce).map_err(|_| VaultError::Format)?;
        XChaCha20Poly1305::new(key.into())
            .decrypt(
                &nonce,
                Payload {
                    msg: header.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Mismatch)
    }

    /// Opens a sealed UTF-8 string.
    pub fn open_string<'a>(
        &self,
        sealed: &[u8],
        binding: impl Into<Aad<'a>>,
    ) -> Result<String, VaultError> {
        String::from_utf8(self.open(sealed, binding)?).map_err(|_| VaultError::Format)
    }

    /// Whether `sealed` is already in the current format under the current key, so that
    /// `vault reseal` leaves it alone (and a second run rewrites nothing).
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        header(sealed).is_ok_and(|h| h.version == VERSION && h.kid == self.current_id())
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

    fn user_binding<'a>(user: &'a str) -> UserBinding<'a> {
        UserBinding {
            project: "p1",
            user,
            row: "cred-1",
            column: "refresh_token",
        }
    }

    #[test]
    fn a_users_value_opens_for_that_user_only() {
        let keys = MasterKeys::generate();
        let sealed = keys.seal(b"refresh-token", user_binding("ann"));

        assert_eq!(
            keys.open(&sealed, user_binding("ann")).as_deref(),
            Ok(&b"refresh-token"[..])
        );
        assert_eq!(
            keys.open(&sealed, user_binding("bob")),
            Err(VaultError::Mismatch)
        );
        assert_eq!(
            keys.open(&sealed, binding("cred-1", "refresh_token")),
            Err(VaultError::Mismatch),
            "nor without a user"
        );
        assert_eq!(
            keys.open(&sealed, user_binding("")),
            Err(VaultError::Mismatch)
        );
    }

    /// A version-1 value as the vault sealed it before users were bound: still opens.
    fn legacy_seal(keys: &MasterKeys, plaintext: &[u8], binding: Binding<'_>) -> Vec<u8> {
        let (kid, key) = keys.current();
        let nonce = [7u8; NONCE_LEN];
        let aad = Aad::from(binding).bytes(LEGACY_VERSION);
        let sealed = XChaCha20Poly1305::new(key.into())
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("encrypts");
        let mut out = vec![LEGACY_VERSION, kid.len() as u8];
        out.extend_from_slice(kid.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    #[test]
    fn values_sealed_before_user_binding_still_open_and_are_not_current() {
        let keys = MasterKeys::generate();
        let legacy = legacy_seal(&keys, b"old-token", binding("cred-1", "refresh_token"));

        assert_eq!(
            keys.open(&legacy, user_binding("ann")).as_deref(),
            Ok(&b"old-token"[..])
        );
        assert!(!keys.is_current(&legacy), "reseal upgrades it");
        assert!(keys.is_current(&keys.seal(b"x", user_binding("ann"))));
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
