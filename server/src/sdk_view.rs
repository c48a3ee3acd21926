//! What the SDK is shown of a project for one user: the project's integrations with the
//! user's credentials of each and the workflows the user has on (`/sdk/me`,
//! `/sdk/integrations`). Assembled here from the store, so that the handlers only answer it.
//!
//! The shapes are Paragon's, so that Paragon's own SDK reads them unchanged
//! (docs/paragon-compatibility.md): each integration carries a portal configuration whose
//! `workflowMeta` lists its workflows (Paragon's SDK finds a workflow's integration there), and
//! each credential one default configuration whose `workflowSettings` hold the user's choices
//! (Paragon's `enableWorkflow` refuses a workflow that is already on, `disableWorkflow` one
//! that is off) with the user's settings.
//!
//! The portal's content comes from the project's current deploy: each integration's
//! description and overview, its shared settings (`sharedMeta.inputs`), each workflow's
//! description (`infoText`) and own settings (`workflowMeta.<id>.inputs`), as inputs of
//! Paragon's shape ([`input`]), and the project's accent colour (`accentColor`).

use paragon_protocol::sdk::{
    Object, SdkCredential, SdkCredentialConfig, SdkIntegration, SdkProject, SdkUser,
    SdkUserIntegration, SdkWorkflow,
};
use serde_json::{Map, Value, json};

use crate::{
    ids::{ProjectId, UserId, WorkflowId},
    storage::{Credential, CredentialStatus, DeployedWorkflow, Project, StorageError, Store, User},
    user_settings::{self, Saved},
    workflows::{Bundle, IntegrationType, Setting, settings::Input},
};

/// Feature flags the SDK gates methods on (Paragon's `accessibleFeatures`). The platform has
/// no plans: it lists what it implements. `headless-cp` is the headless installs
/// (`installIntegration`, `uninstallIntegration`), which the platform's SDK has.
const ACCESSIBLE_FEATURES: [&str; 2] = ["user-metadata", "headless-cp"];

/// `sdkIntegrationConfig` for Paragon's SDK, whose `connect()` and `installIntegration()` open
/// Paragon's OAuth popup with the user token in its URL, synchronously, before any request the
/// platform could refuse. Both first pick an account type: with this list (two entries that are
/// no account type) that step throws, so both reject at once, before any window opens or any
/// URL carries the token. The platform's own SDK does not read this field.
/// docs/paragon-compatibility.md explains it; tests/paragon_sdk.test.mjs holds Paragon's SDK to it.
fn refused_paragon_install() -> Value {
    json!({ "accountTypes": [null, null] })
}

/// The user as `GET /sdk/me` shows them.
pub async fn sdk_user(
    store: &Store,
    project: &Project,
    user: User,
) -> Result<SdkUser<Object>, StorageError> {
    let integrations = user_integrations(store, project.id, &user).await?;
    Ok(SdkUser {
        user_id: user.id.as_str().to_owned(),
        integrations,
        meta: user.meta,
        project: SdkProject {
            id: project.id.to_string(),
            accessible_features: ACCESSIBLE_FEATURES
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
        },
    })
}

/// The project's integrations as `GET /sdk/integrations` lists them for `user_id`.
pub async fn integrations_for_user(
    store: &Store,
    project: ProjectId,
    user_id: &UserId,
) -> Result<Vec<SdkIntegration<Value>>, StorageError> {
    let integrations = store.integrations(project).await?;
    let credentials = store.user_credentials(project, user_id).await?;
    let workflows = store.workflows(project).await?;
    let choices = store.user_workflow_choices(project, user_id).await?;
    let bundle = user_settings::bundle_of(store, project, &workflows).await?;
    Ok(integrations
        .into_iter()
        .map(|i| {
            let own: Vec<&DeployedWorkflow> = workflows
                .iter()
                .filter(|w| w.integration == i.provider)
                .collect();
            let config = portal_config(&own, bundle.as_ref(), &i.provider);
            SdkIntegration {
                has_credential: credentials.iter().any(|c| c.integration_id == i.id),
                workflows: own
                    .iter()
                    .map(|w| SdkWorkflow {
                        id: w.id.to_string(),
                        description: w.name.clone(),
                        enabled: workflow_enabled(w, &choices),
                    })
                    .collect(),
                configs: vec![config.0],
                integration_config: Some(config.1),
                sdk_integration_config: Some(refused_paragon_install()),
                id: i.id.to_string(),
                kind: i.provider,
                name: i.name,
                // The platform's address is the HTTP layer's to add.
                icon: None,
                is_active: true,
            }
        })
        .collect())
}

/// Paragon's `configs[0]`: `{values: {description, overview, sharedMeta, workflowMeta,
/// accentColor?}}`, one `workflowMeta` entry per workflow, from the current deploy `bundle`;
/// and what Paragon's SDK derives from it for `getIntegrationConfig(type)`, the workflows in
/// deploy order.
fn portal_config(
    workflows: &[&DeployedWorkflow],
    bundle: Option<&Bundle>,
    provider: &str,
) -> (Value, Value) {
    let page =
        IntegrationType::parse(provider).and_then(|kind| bundle.and_then(|b| b.integration(kind)));
    let listed: Vec<(String, Value)> = workflows
        .iter()
        .map(|w| {
            let id = w.id.to_string();
            let defined = bundle.and_then(|b| b.workflow(&w.slug));
            let entry = json!({
                "id": id,
                "description": w.name,
                "infoText": defined.and_then(|d| d.description.clone()),
                "defaultEnabled": w.default_enabled,
                "inputs": inputs(defined.map(|d| &d.settings[..]).unwrap_or_default()),
            });
            (id, entry)
        })
        .collect();
    let description = page.and_then(|p| p.description.clone());
    let overview = page.and_then(|p| p.overview.clone());
    let shared = inputs(page.map(|p| &p.settings[..]).unwrap_or_default());
    let config = json!({
        "shortDescription": description,
        "longDescription": overview,
        "availableUserSettings": shared,
        "availableWorkflows": listed.iter().map(|(_, entry)| entry).collect::<Vec<_>>(),
        // The platform has no workflows hidden from users.
        "hiddenWorkflows": [],
    });
    let meta: Map<String, Value> = listed.into_iter().collect();
    let mut values = json!({
        "description": description,
        "overview": overview,
        "sharedMeta": { "inputs": shared },
        "workflowMeta": meta,
    });
    // Paragon's `ModalConfig.accentColor`, only when the project chose one (appearance.yaml).
    let accent = bundle.and_then(|b| b.appearance.as_ref()?.accent);
    if let Some(accent) = accent {
        values["accentColor"] = accent.to_string().into();
    }
    (json!({ "values": values }), config)
}

fn inputs(settings: &[Setting]) -> Vec<Value> {
    settings.iter().map(input).collect()
}

/// A setting as an input of Paragon's portal configuration: its `type` is Paragon's
/// `SidebarInputType` wire value, a dropdown's choices are `values`, a dynamic dropdown's
/// source is `sourceType` (its options: `GET /sdk/integrations/{type}/sources/{source}`), and a
/// field mapping's app `fields` each map to one of the properties its `sourceType` lists.
pub fn input(setting: &Setting) -> Value {
    let mut input = json!({
        "id": setting.id.as_str(),
        "title": setting.title,
        "tooltip": setting.tooltip,
        "required": setting.required,
        "defaultValue": setting.default,
    });
    input["type"] = match &setting.input {
        Input::Text => "TEXT_NO_VARS",
        Input::Number => "NUMBER",
        Input::Boolean => "BOOLEAN_INPUT",
        Input::Dropdown { .. } => "ENUM",
        Input::DynamicDropdown { .. } => "DYNAMIC_ENUM",
        Input::FieldMapping { .. } => "FIELD_MAPPER",
    }
    .into();
    match &setting.input {
        Input::Dropdown { options } => {
            input["values"] = options
                .iter()
                .map(|o| json!({ "value": o.value, "label": o.label }))
                .collect();
        }
        Input::DynamicDropdown { source } => input["sourceType"] = source.as_str().into(),
        Input::FieldMapping { object, fields } => {
            input["sourceType"] = object.source().as_str().into();
            input["fields"] = fields
                .iter()
                .map(|f| json!({ "id": f.value, "label": f.label }))
                .collect();
        }
        Input::Text | Input::Number | Input::Boolean => {}
    }
    input
}

/// `integrations` of `/sdk/me`: for each of the project's integrations, the user's state.
async fn user_integrations(
    store: &Store,
    project: ProjectId,
    user: &User,
) -> Result<Object, StorageError> {
    let integrations = store.integrations(project).await?;
    let credentials = store.user_credentials(project, &user.id).await?;
    let workflows = store.workflows(project).await?;
    let choices = store.user_workflow_choices(project, &user.id).await?;
    let mut map = Object::new();
    for integration in integrations {
        let own: Vec<&Credential> = credentials
            .iter()
            .filter(|c| c.integration_id == integration.id)
            .collect();
        let first = own.first();
        let saved = Saved::load(store, project, &user.id, &integration.provider).await?;
        let settings: Map<String, Value> = workflows
            .iter()
            .filter(|w| w.integration == integration.provider)
            .map(|w| {
                let on = workflow_enabled(w, &choices);
                let values = saved.of_workflow(&w.id);
                (
                    w.id.to_string(),
                    json!({ "enabled": on, "settings": values }),
                )
            })
            .collect();
        let entry = SdkUserIntegration {
            enabled: first.is_some_and(|c| c.status == CredentialStatus::Valid),
            credential_id: first.map(|c| c.id.to_string()),
            credential_status: first.map(|c| c.status.as_str().to_owned()),
            provider_id: first.map(|c| c.provider_id.clone()),
            provider_data: first.map(|c| c.provider_data.clone()).unwrap_or_default(),
            all_credentials: own
                .iter()
                .map(|c| SdkCredential {
                    id: c.id.to_string(),
                    integration_id: c.integration_id.to_string(),
                    status: c.status.as_str().to_owned(),
                    provider_id: c.provider_id.clone(),
                    provider_data: c.provider_data.clone(),
                    date_created: crate::clock::secs(c.created_at),
                    configurations: vec![SdkCredentialConfig {
                        id: c.id.to_string(),
                        connect_credential_id: c.id.to_string(),
                        workflow_settings: settings.clone(),
                        shared_settings: saved.shared.clone(),
                        is_default: true,
                    }],
                })
                .collect(),
            shared_settings: saved.shared.clone(),
            workflow_settings: settings,
        };
        // Strings and JSON maps read from the store: only a corrupt value could fail here.
        let value =
            serde_json::to_value(entry).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        map.insert(integration.provider, value);
    }
    Ok(map)
}

/// Whether `workflow` is on for a user with these choices (users who never chose get the
/// workflow's `default_enabled`).
pub fn workflow_enabled(workflow: &DeployedWorkflow, choices: &[(WorkflowId, bool)]) -> bool {
    choices
        .iter()
        .find(|(id, _)| *id == workflow.id)
        .map_or(workflow.default_enabled, |(_, on)| *on)
}
