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

/// An item of `GET /projects/{pid}/sdk/integrations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkIntegration {
    /// The integration's id (UUID), used in `DELETE /sdk/integrations/{id}`.
    pub id: String,
    /// The provider type, e.g. `hubspot`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A name for people.
    pub name: String,
    /// Whether the project has it switched on.
    pub is_active: bool,
    /// The deployed workflows of this integration.
    pub workflows: Vec<SdkWorkflow>,
    /// Whether this user has a credential for it.
    pub has_credential: bool,
    /// Paragon's portal configuration; Paragon's SDK loads only items that have one.
    pub configs: Vec<Value>,
    /// How Paragon's SDK may install the integration itself (`accountTypes`, …); absent for
    /// clients that install through the platform's own flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_integration_config: Option<Value>,
}

/// A workflow as the SDK lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkWorkflow {
    /// The workflow's id (UUID).
    pub id: String,
    /// What it does, for people.
    pub description: String,
    /// Whether it is on for this user (their choice, or the workflow's default).
    pub enabled: bool,
}

/// `integrations.<type>` of `/sdk/me`: the user's state of one integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkUserIntegration {
    /// Whether the user has a usable connection.
    pub enabled: bool,
    /// The credential's id.
    pub credential_id: Option<String>,
    /// `VALID` or `INVALID` (reconnect).
    pub credential_status: Option<String>,
    /// The provider account's id (HubSpot: the hub id).
    pub provider_id: Option<String>,
    /// What the provider says about the account.
    pub provider_data: Map<String, Value>,
    /// Every credential of the user for this integration (one at most, for now).
    pub all_credentials: Vec<SdkCredential>,
}

/// A credential as the SDK sees it: never a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkCredential {
    /// Its id.
    pub id: String,
    /// The integration's id.
    pub integration_id: String,
    /// `VALID` or `INVALID`.
    pub status: String,
    /// The provider account's id.
    pub provider_id: String,
    /// What the provider says about the account.
    pub provider_data: Map<String, Value>,
    /// Creation time, Unix seconds (Paragon's `dateCreated`).
    pub date_created: i64,
    /// The credential's configurations (Paragon's `IConnectCredentialConfig`): one, the
    /// default, holding the user's workflow choices.
    #[serde(default)]
    pub configurations: Vec<SdkCredentialConfig>,
}

/// A configuration of a credential, as Paragon's SDK reads it to turn workflows on and off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkCredentialConfig {
    /// Its id (the platform keeps one configuration per credential, under the credential's id).
    pub id: String,
    /// The credential it belongs to.
    pub connect_credential_id: String,
    /// Per workflow id, `{enabled, settings}`.
    pub workflow_settings: Map<String, Value>,
    /// Settings shared by the integration's workflows (none yet).
    pub shared_settings: Map<String, Value>,
    /// Whether it is the credential's default configuration.
    pub is_default: bool,
}

/// `POST /projects/{pid}/sdk/oauth/flows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFlow {
    /// The integration type, e.g. `hubspot`.
    pub integration: String,
    /// The app's origin the flow is for (one of the project's allowed origins).
    pub origin: String,
}

/// The answer to `POST …/sdk/oauth/flows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedFlow {
    /// The flow's id.
    pub flow_id: String,
    /// Where the popup's first navigation goes: a form `POST` of `flow` (the id) and `secret`
    /// from the app's page or the portal (the browser's `Origin` is checked). Opening it with
    /// `GET` only shows an error: the consent must start in the browser that created the flow.
    pub start_url: String,
    /// The one-time secret of that form post. Only in a request body, never in a URL; useless
    /// once the flow has started.
    pub start_secret: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// `GET …/sdk/oauth/flows/{flowId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowState {
    /// The flow's id.
    pub flow_id: String,
    /// `pending`, `done` or `failed`.
    pub status: String,
    /// The credential, once done.
    pub credential_id: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}
