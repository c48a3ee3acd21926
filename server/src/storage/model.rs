//! The records the storage keeps, in checked types.

use serde_json::{Map, Value};

use crate::{
    auth::signing_key::PublicKey,
    ids::{ProjectId, UserId},
    origin::Origin,
};

/// Default maximum lifetime of a user token (DESIGN.md section 3).
pub const DEFAULT_MAX_TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// The largest a user's stored metadata may be, as compact JSON. The app writes metadata with
/// the user's token from the browser, so without a cap one user could grow their row (and every
/// `GET /sdk/me` answer) without end; 64 KiB is far above names, emails and a few settings.
pub const MAX_USER_META_BYTES: usize = 64 * 1024;

/// A project: one app that embeds the SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its id.
    pub id: ProjectId,
    /// A name for people.
    pub name: String,
    /// The app's origins.
    pub allowed_origins: Vec<Origin>,
    /// The longest accepted `exp - iat` of its user tokens.
    pub max_token_lifetime_secs: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// A stored signing key (public half).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    /// The key.
    pub key: PublicKey,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; `None` while active.
    pub revoked_at: Option<i64>,
}

/// An end user of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The token's `sub`.
    pub id: UserId,
    /// The app's metadata about the user.
    pub meta: Map<String, Value>,
    /// Unix seconds.
    pub created_at: i64,
}

/// Applies a `PATCH /sdk/me` to stored metadata: each key replaces the stored one, `null`
/// removes it (a shallow merge; nested objects are replaced whole).
pub fn merge_meta(stored: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            stored.remove(key);
        } else {
            stored.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_patch_replaces_adds_and_removes_top_level_keys() {
        let mut stored = json!({"Name": "Ann", "plan": {"tier": 1}, "gone": true});
        let patch = json!({"plan": {"seats": 3}, "Email": "a@x.test", "gone": null});

        merge_meta(
            stored.as_object_mut().expect("object"),
            patch.as_object().expect("object"),
        );

        assert_eq!(
            stored,
            json!({"Name": "Ann", "plan": {"seats": 3}, "Email": "a@x.test"})
        );
    }
}
