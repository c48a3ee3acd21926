//! Bodies of the SDK API (`/projects/{pid}/sdk/…`, Bearer user token), in the shapes of
//! Paragon's SDK so that clients written for it read them unchanged.
//!
//! Free-form JSON (user metadata, an event's payload, the provider's answer) is a type
//! parameter `J`: the server fills it with `serde_json`'s [`Object`] or `Value`, the SDK with a
//! JS value that serde-wasm-bindgen hands over as it is. So both sides share every named field,
//! and no JSON library of Rust is compiled into the wasm.

use serde::{Deserialize, Serialize};

/// A JSON object, the server's `J` of the free-form fields.
#[cfg(feature = "json")]
pub type Object = serde_json::Map<String, serde_json::Value>;

/// `GET /projects/{pid}/sdk/me`: the authenticated end user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkUser<J> {
    /// The `sub` of the user token.
    pub user_id: String,
    /// Per integration type (`"hubspot"`), the user's state of it: an object of
    /// [`SdkUserIntegration`]s, which the SDK hands to the app as they are.
    pub integrations: J,
    /// Metadata the app attached to the user (`PATCH /sdk/me`), an object.
    pub meta: J,
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
pub struct PatchSdkUser<J> {
    /// The keys to set, an object.
    pub meta: J,
}

/// An item of `GET /projects/{pid}/sdk/integrations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkIntegration<J> {
    /// The integration's id (UUID), used in `DELETE /sdk/integrations/{id}`.
    pub id: String,
    /// The provider type, e.g. `hubspot`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A name for people.
    pub name: String,
    /// Its icon, an SVG the platform serves (`{public URL}/ui/icons/{type}.svg`), which
    /// `getIntegrationMetadata()` hands on; absent from servers that predate it.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Whether the project has it switched on.
    pub is_active: bool,
    /// The deployed workflows of this integration.
    pub workflows: Vec<SdkWorkflow>,
    /// Whether this user has a credential for it.
    pub has_credential: bool,
    /// Paragon's portal configuration; Paragon's SDK loads only items that have one.
    pub configs: Vec<J>,
    /// How Paragon's SDK may install the integration itself (`accountTypes`, …); absent for
    /// clients that install through the platform's own flows.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub sdk_integration_config: Option<J>,
    /// What `getIntegrationConfig(type)` returns (Paragon's `IntegrationConfig`:
    /// `shortDescription`, `longDescription`, `availableUserSettings`, `availableWorkflows`,
    /// `hiddenWorkflows`), which Paragon's SDK derives from `configs[0]` itself; absent from
    /// servers that predate it.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub integration_config: Option<J>,
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
pub struct SdkUserIntegration<J> {
    /// Whether the user has a usable connection.
    pub enabled: bool,
    /// The credential's id.
    pub credential_id: Option<String>,
    /// `VALID` or `INVALID` (reconnect).
    pub credential_status: Option<String>,
    /// The provider account's id (HubSpot: the hub id).
    pub provider_id: Option<String>,
    /// What the provider says about the account, an object.
    pub provider_data: J,
    /// Every credential of the user for this integration (one at most, for now).
    pub all_credentials: Vec<SdkCredential<J>>,
    /// The user's values of the integration's shared settings (Paragon's `sharedSettings`):
    /// an object of setting id to value.
    pub shared_settings: J,
    /// Per workflow id, `{enabled, settings}` (Paragon's `workflowSettings`): an object.
    pub workflow_settings: J,
}

/// A credential as the SDK sees it: never a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkCredential<J> {
    /// Its id.
    pub id: String,
    /// The integration's id.
    pub integration_id: String,
    /// `VALID` or `INVALID`.
    pub status: String,
    /// The provider account's id.
    pub provider_id: String,
    /// What the provider says about the account, an object.
    pub provider_data: J,
    /// Creation time, Unix seconds (Paragon's `dateCreated`).
    pub date_created: i64,
    /// The credential's configurations (Paragon's `IConnectCredentialConfig`): one, the
    /// default, holding the user's workflow choices.
    // A path, not `default`: serde would then ask `J: Default` of every type holding this one.
    #[serde(default = "Vec::new")]
    pub configurations: Vec<SdkCredentialConfig<J>>,
}

/// A configuration of a credential, as Paragon's SDK reads it to turn workflows on and off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkCredentialConfig<J> {
    /// Its id (the platform keeps one configuration per credential, under the credential's id).
    pub id: String,
    /// The credential it belongs to.
    pub connect_credential_id: String,
    /// Per workflow id, `{enabled, settings}`: an object.
    pub workflow_settings: J,
    /// The user's values of the settings shared by the integration's workflows: an object.
    pub shared_settings: J,
    /// Whether it is the credential's default configuration.
    pub is_default: bool,
}

/// `PATCH /projects/{pid}/sdk/credentials/{credentialId}` (Paragon's shape): the user's values
/// of settings, merged into the saved ones (a `null` removes one), all checked before any is
/// saved. The answer is the user, as `GET /sdk/me` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateCredential<J> {
    /// What changes.
    pub config: CredentialConfigUpdate<J>,
}

/// `config` of [`UpdateCredential`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialConfigUpdate<J> {
    /// Values of the integration's shared settings: an object of setting id to value.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub shared_settings: Option<J>,
    /// Per workflow id (UUID): its own settings' values and whether it is on.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub workflow_settings: Option<std::collections::BTreeMap<String, WorkflowSettingsUpdate<J>>>,
}

/// One workflow's part of a [`CredentialConfigUpdate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSettingsUpdate<J> {
    /// Values of the workflow's own settings: an object of setting id to value.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub settings: Option<J>,
    /// Turns the workflow on or off for the user (on only once its required settings are
    /// filled in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `GET /projects/{pid}/sdk/integrations/{type}/sources/{source}?search&cursor`: a page of a
/// dynamic dropdown's options (Paragon's `getFieldOptions` answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceOptions<J> {
    /// `{value, label}` objects.
    pub data: Vec<J>,
    /// The `cursor` of the next page, when there is one.
    pub next_page_cursor: Option<String>,
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

/// What the platform answers for `GET` and `DELETE …/sdk/oauth/flows/{flowId}`: the
/// [`FlowState`] fields and, for a flow that failed because the user turned the consent down on
/// the provider's page (the provider answered `error=access_denied`), `"reason": "denied"`.
/// The status of such a flow stays `failed`, so a client that knows only `pending`, `done` and
/// `failed` ends it as a failure; a client that reads `reason` can tell a choice of the user from
/// an error. `reason` is absent otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowAnswer {
    /// The fields every client reads.
    #[serde(flatten)]
    pub state: FlowState,
    /// [`FLOW_DENIED`] when the user denied the consent; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// [`FlowAnswer::reason`] of a flow the user denied on the provider's consent page.
pub const FLOW_DENIED: &str = "denied";

/// `POST /projects/{pid}/sdk/events/trigger` (also under `/v2/`): an App Event, sent with an
/// `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTrigger<J> {
    /// The App Event's name, as deployed.
    pub name: String,
    /// The event's fields, an object (`{}` when left out).
    #[serde(default)]
    pub payload: J,
}

/// `201` to [`EventTrigger`]: the event's id and how many workflow runs it started (a repeated
/// `Idempotency-Key` answers the first receipt's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTriggered {
    /// The event's id (UUID).
    pub id: String,
    /// The runs it started: one per enabled workflow of the event.
    pub runs: i64,
}

/// `202` to `POST /projects/{pid}/sdk/triggers/{workflowId}`: the workflow did not answer
/// within its time budget and goes on in the background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerAccepted {
    /// The run's id (UUID), as Task History lists it.
    pub execution_id: String,
}

/// `500` to `POST /projects/{pid}/sdk/triggers/{workflowId}`: the run failed before it
/// answered. `code` is [`crate::ErrorCode::WorkflowFailed`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerFailed {
    /// Why: the provider's message, or the platform's reason.
    pub message: String,
    /// `WORKFLOW_FAILED`.
    pub code: crate::ErrorCode,
    /// The step that failed, when one did (`<loop>.<index>.<step>` inside a `for_each`).
    pub step: Option<String>,
    /// The run's id (UUID), as Task History lists it.
    pub execution_id: String,
}

/// The envelope of a JSON answer of the provider through
/// `/projects/{pid}/sdk/proxy/{integration}/{path}`, unless the call asked for
/// `X-Paragon-Use-Raw-Response: 1`. The status is the provider's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProxyOutput<J> {
    /// The provider's JSON answer, as it was.
    pub output: J,
}
