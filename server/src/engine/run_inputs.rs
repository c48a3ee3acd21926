//! What a claimed run reads before its steps: the workflow as its version defined it, the App
//! Event, the user, the integration and the user's credential. Anything missing blocks the run
//! for good, before a step is tried.

use serde_json::{Map, Value};

use crate::{
    connect::integrations::{self, Missing},
    storage::{Credential, CredentialStatus, Integration, Run, StorageError, Store, User},
    user_settings::{self, Saved},
    workflows::{Bundle, Workflow},
};

/// Why a run cannot even start its steps: the definition, event, user or credential is gone.
pub enum Blocked {
    /// For good: the run fails with this reason.
    Permanent(String),
    /// The storage failed: the run is left to its lease.
    Storage(StorageError),
}

impl From<StorageError> for Blocked {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

/// What a run's steps read: the App Event's payload, the user, the integration and the user's
/// credential for it.
pub struct Inputs {
    /// The App Event's payload.
    pub payload: Value,
    /// The end user.
    pub user: User,
    /// The workflow's integration.
    pub integration: Integration,
    /// The user's usable credential for it.
    pub credential: Credential,
    /// What the workflow reads as `settings.*`.
    pub settings: Map<String, Value>,
}

/// The run's workflow, as its version defined it.
pub async fn workflow(store: &Store, run: &Run) -> Result<Workflow, Blocked> {
    Ok(definition(store, run).await?.1)
}

/// The run's version and its workflow in it.
pub async fn definition(store: &Store, run: &Run) -> Result<(Bundle, Workflow), Blocked> {
    let bundle_text = store
        .workflow_bundle(run.project_id, run.workflow_version)
        .await?
        .ok_or_else(|| Blocked::Permanent("the workflow version is gone".into()))?;
    let bundle: Bundle = serde_json::from_str(&bundle_text)
        .map_err(|e| Blocked::Permanent(format!("unreadable workflow version: {e}")))?;
    let deployed = store
        .workflow_any(run.project_id, &run.workflow_id)
        .await?
        .ok_or_else(|| Blocked::Permanent("the workflow is gone".into()))?;
    let workflow = bundle
        .workflows
        .iter()
        .find(|w| w.id.as_str() == deployed.slug)
        .cloned()
        .ok_or_else(|| {
            Blocked::Permanent(format!(
                "version {} has no workflow {}",
                run.workflow_version, deployed.slug
            ))
        })?;
    Ok((bundle, workflow))
}

/// The event, user, integration, usable credential and user settings the run's steps need.
pub async fn inputs(
    store: &Store,
    run: &Run,
    bundle: &Bundle,
    workflow: &Workflow,
) -> Result<Inputs, Blocked> {
    let (_, payload) = store
        .event(run.project_id, &run.event_id)
        .await?
        .ok_or_else(|| Blocked::Permanent("the event is gone".into()))?;
    let user = store
        .ensure_user(run.project_id, &run.user_id, crate::clock::now_ms())
        .await?;
    let provider = workflow.integration.as_str();
    let (integration, credential) =
        integrations::connected(store, run.project_id, &run.user_id, provider)
            .await?
            .map_err(|missing| {
                Blocked::Permanent(match missing {
                    Missing::Integration => format!("the project has no {provider} integration"),
                    Missing::Credential(name) => format!("the user has not connected {name}"),
                })
            })?;
    usable(&integration, &credential)?;
    let saved = Saved::load(store, run.project_id, &run.user_id, provider).await?;
    let missing = user_settings::missing(bundle, workflow, &run.workflow_id, &saved);
    if !missing.is_empty() {
        return Err(Blocked::Permanent(format!(
            "the user has not filled in the required settings: {}",
            missing.join(", ")
        )));
    }
    let settings = user_settings::values_for(bundle, workflow, &run.workflow_id, &saved);
    Ok(Inputs {
        payload,
        user,
        integration,
        credential,
        settings,
    })
}

/// Refuses a credential the user must reconnect.
fn usable(integration: &Integration, credential: &Credential) -> Result<(), Blocked> {
    if credential.status == CredentialStatus::Invalid {
        return Err(Blocked::Permanent(format!(
            "the user's {} credential is invalid: they must reconnect",
            integration.name
        )));
    }
    Ok(())
}
