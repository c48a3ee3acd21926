//! Master keys from `PARAGON_MASTER_KEY`: one or more `id:base64` entries separated by commas,
//! the first sealing new values, all of them opening old ones. A bare base64 value is the key
//! with id `k1`. Each key is 32 random bytes (`paragon vault new-key` prints one).

use std::fmt;

use base64::{Engine, engine::general_purpose::STANDARD};

/// The configured keys, current first.
#[derive(Clone)]
pub struct MasterKeys {
    keys: Vec<(String, [u8; 32])>,
}

impl fmt::Debug for MasterKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("MasterKeys").field("ids", &ids).finish()
    }
}

/// Why `PARAGON_MASTER_KEY` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No key at all.
    #[error("PARAGON_MASTER_KEY is empty")]
    Empty,
    /// A key is not 32 bytes of base64, or its id is not usable.
    #[error(
        "PARAGON_MASTER_KEY entry {0:?}: {1} (expected id:base64 of 32 bytes; `paragon vault new-key` prints one)"
    )]
    Invalid(String, &'static str),
}

impl MasterKeys {
    /// Parses the `PARAGON_MASTER_KEY` syntax.
    pub fn parse(value: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for (index, entry) in value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let (id, encoded) = match entry.split_once(':') {
                Some((id, encoded)) => (id.trim().to_owned(), encoded.trim()),
                None => (format!("k{}", index + 1), entry),
            };
            // Shown in error messages: the id only, never the key.
            let invalid = |reason| KeyError::Invalid(id.clone(), reason);
            if id.is_empty()
                || id.len() > 32
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(
                    "the id must be 1 to 32 characters of [A-Za-z0-9_-]",
                ));
            }
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| invalid("not base64"))?;
            let key: [u8; 32] = bytes.try_into().map_err(|_| invalid("not 32 bytes"))?;
            if keys.iter().any(|(existing, _)| *existing == id) {
                return Err(invalid("the id appears twice"));
            }
            keys.push((id, key));
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self { keys })
    }

    /// A fresh random key (demo mode, tests), id `k1`.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        Self {
            keys: vec![("k1".into(), key)],
        }
    }

    /// 32 random bytes in base64, the value `paragon vault new-key` prints.
    pub fn generate_encoded() -> String {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        STANDARD.encode(key)
    }

    /// The current key in `id:base64` form, to write a generated key to the demo's data folder.
    pub fn encoded_current(&self) -> String {
        let (_, key) = self.current();
        STANDARD.encode(key)
    }

    /// The id of the current key.
    pub fn current_id(&self) -> &str {
        self.current().0
    }

    pub(super) fn current(&self) -> (&str, &[u8; 32]) {
        // `parse` and `generate` guarantee at least one key.
        let (id, key) = &self.keys[0];
        (id, key)
    }

    pub(super) fn get(&self, id: &str) -> Option<&[u8; 32]> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_key_gets_id_k1_and_lists_keep_their_ids() {
        let a = MasterKeys::generate_encoded();
        let b = MasterKeys::generate_encoded();
        assert_eq!(MasterKeys::parse(&a).expect("bare").current_id(), "k1");
        assert_eq!(
            MasterKeys::parse(&format!("new:{a}, old:{b}"))
                .expect("list")
                .current_id(),
            "new"
        );
    }

    #[test]
    fn bad_values_are_refused_without_echoing_the_key() {
        for bad in [
            "",
            "  ",
            "k1:notbase64!!",
            "k1:AAAA",
            "bad id:AAAA",
            &format!("a:{0},a:{0}", MasterKeys::generate_encoded()),
        ] {
            let error = MasterKeys::parse(bad).expect_err(bad);
            if let KeyError::Invalid(id, _) = &error {
                assert!(!id.contains("AAAA") || id == "k1", "{error}");
            }
        }
    }

    #[test]
    fn debug_output_shows_ids_only() {
        let encoded = MasterKeys::generate_encoded();
        let keys = MasterKeys::parse(&format!("main:{encoded}")).expect("valid");
        let shown = format!("{keys:?}");
        assert!(shown.contains("main") && !shown.contains(&encoded));
    }
}
