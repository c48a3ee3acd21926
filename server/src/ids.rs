//! Identifiers, parsed at the edge so that the core never handles an unchecked string.

use std::fmt;

use uuid::Uuid;

/// A project's id: a UUID (v4 when the platform makes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectId(Uuid);

impl ProjectId {
    /// A new random id.
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// Parses the hyphenated form; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        Uuid::try_parse(value).ok().map(Self)
    }
}

impl Default for ProjectId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// An end user of a project: the user token's `sub`, 1 to 256 characters (DESIGN.md section 3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    /// The longest `sub` accepted, in characters.
    pub const MAX_CHARS: usize = 256;

    /// Checks the length rule.
    pub fn parse(value: &str) -> Option<Self> {
        let chars = value.chars().count();
        (1..=Self::MAX_CHARS)
            .contains(&chars)
            .then(|| Self(value.to_owned()))
    }

    /// The id as the app gave it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A signing key's id: the base64url RFC 7638 thumbprint for keys the platform knows, and any
/// short URL-safe string in a token header (looked up, never trusted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kid(String);

impl Kid {
    /// Accepts 1 to 128 characters of the base64url alphabet.
    pub fn parse(value: &str) -> Option<Self> {
        let ok = (1..=128).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(value.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_one_to_256_characters() {
        assert!(UserId::parse("").is_none());
        assert!(
            UserId::parse(&"é".repeat(256)).is_some(),
            "characters, not bytes"
        );
        assert!(UserId::parse(&"a".repeat(257)).is_none());
    }

    #[test]
    fn kids_are_short_and_url_safe() {
        assert!(Kid::parse("abc_DEF-123").is_some());
        assert!(Kid::parse("../etc").is_none());
        assert!(Kid::parse("").is_none());
        assert!(Kid::parse(&"a".repeat(129)).is_none());
    }

    #[test]
    fn project_ids_round_trip_and_garbage_is_refused() {
        let id = ProjectId::new();
        assert_eq!(ProjectId::parse(&id.to_string()), Some(id));
        assert!(ProjectId::parse("not-a-uuid").is_none());
    }
}
