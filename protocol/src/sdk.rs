//! Bodies of the SDK API (`/projects/{pid}/sdk/…`, Bearer user token), in the shapes of
//! Paragon's SDK so that clients written for it read them unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `GET /projects/{pid}/sdk/me`: the authenticated end user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkUser {
    /// The `sub` of the user token.
    pub user_id: String,
    /// Per integration type (`"hubspot"`), the user's state of it. Empty until integrations exist.
    pub integrations: Map<String, Value>,
    /// Metadata the app attached to the user (`PATCH /sdk/me`).
    pub meta: Map<String, Value>,
    /// The project the user belongs to.
    pub project: SdkProject,
}

/// The project as the SDK sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkProject {
    /// The project id (UUID).
    pub id: String,
    /// Feature flags the SDK gates methods on (Paragon's `headless-cp`, `user-metadata`, …).
    pub accessible_features: Vec<String>,
}

/// `PATCH /projects/{pid}/sdk/me`: keys of `meta` replace the stored ones (a shallow merge,
/// as Paragon's SDK does); a key set to `null` is removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSdkUser {
    /// The keys to set.
    pub meta: Map<String, Value>,
}
