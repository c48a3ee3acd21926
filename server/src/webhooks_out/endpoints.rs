//! A project's webhook endpoints, as the management API and the CLI manage them: checked
//! URLs and types, the signing secret sealed by the vault and shown only when made, and the
//! disabled state (set by the worker after a long failure, cleared by enabling).

use serde_json::{Value, json};

use super::{event_types, signature};
use crate::{
    clock,
    connect::egress::EgressPolicy,
    ids::{ProjectId, WebhookEndpointId},
    storage::{EndpointUpdate, StorageError, Store, WebhookEndpoint},
    vault::{Binding, MasterKeys},
};

/// The longest URL accepted.
const MAX_URL_LEN: usize = 2048;
/// The longest description accepted.
const MAX_DESCRIPTION_LEN: usize = 500;
/// The most endpoints a project may have.
pub const MAX_ENDPOINTS: usize = 20;

/// Why an endpoint operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// Bad input: the message says what and why.
    #[error("{0}")]
    Invalid(String),
    /// No such endpoint in the project.
    #[error("no webhook endpoint {0}")]
    NotFound(String),
    /// The stored secret does not open (wrong master key, tampered row).
    #[error("the endpoint's secret does not open: {0}")]
    Vault(#[from] crate::vault::VaultError),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What may change on an endpoint (`None`: unchanged).
#[derive(Debug, Default, Clone)]
pub struct EndpointChanges {
    /// A new URL.
    pub url: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new list of types.
    pub event_types: Option<Vec<String>>,
    /// `Some(false)` disables, `Some(true)` re-enables (and forgets the failing streak).
    pub enabled: Option<bool>,
}

/// The vault binding of an endpoint's secret.
fn binding<'a>(project: &'a ProjectId, id: &'a WebhookEndpointId) -> Binding<'a> {
    Binding {
        project: project.as_str(),
        row: id.as_str(),
        column: "secret",
    }
}

/// Checks a URL against the egress policy (with a lookup of its name now; the worker's
/// resolver checks again at every connection) and the length limit.
pub async fn check_url(policy: EgressPolicy, url: &str) -> Result<String, EndpointError> {
    if url.len() > MAX_URL_LEN {
        return Err(EndpointError::Invalid(format!(
            "url must be at most {MAX_URL_LEN} characters"
        )));
    }
    let checked = policy
        .check_configured(url)
        .await
        .map_err(|refusal| EndpointError::Invalid(format!("url {refusal}")))?;
    Ok(checked.to_string())
}

fn check_description(description: String) -> Result<String, EndpointError> {
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(EndpointError::Invalid(format!(
            "description must be at most {MAX_DESCRIPTION_LEN} characters"
        )));
    }
    Ok(description)
}

/// Creates an endpoint; returns it with its secret, which is shown this once.
pub async fn create(
    store: &Store,
    keys: &MasterKeys,
    policy: EgressPolicy,
    project: ProjectId,
    url: &str,
    description: Option<String>,
    types: Option<Vec<String>>,
) -> Result<(WebhookEndpoint, String), EndpointError> {
    let url = check_url(policy, url).await?;
    let description = check_description(description.unwrap_or_default())?;
    let event_types = match types {
        Some(types) => event_types::check(&types).map_err(EndpointError::Invalid)?,
        None => event_types::DEFAULT
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
    };
    if store.webhook_endpoints(project).await?.len() >= MAX_ENDPOINTS {
        return Err(EndpointError::Invalid(format!(
            "a project may have at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let id = WebhookEndpointId::generate();
    let secret = signature::new_secret();
    let now = clock::now_ms();
    let endpoint = WebhookEndpoint {
        secret: keys.seal(secret.as_bytes(), binding(&project, &id)),
        id,
        project_id: project,
        url,
        description,
        event_types,
        failing_since_ms: None,
        disabled_ms: None,
        disabled_reason: None,
        created_ms: now,
        updated_ms: now,
    };
    store.create_webhook_endpoint(&endpoint).await?;
    Ok((endpoint, secret))
}

/// One endpoint of the project.
pub async fn get(
    store: &Store,
    project: ProjectId,
    id: &str,
) -> Result<WebhookEndpoint, EndpointError> {
    let not_found = || EndpointError::NotFound(id.to_owned());
    let parsed = WebhookEndpointId::parse(id).ok_or_else(not_found)?;
    store
        .webhook_endpoint(project, &parsed)
        .await?
        .ok_or_else(not_found)
}

/// Applies `changes` to an endpoint of the project. Each change is its own targeted write
/// (the given fields; enabling; disabling), never the whole row read before: a change racing
/// the worker's disabling, its failing streak or a rotation leaves theirs in place.
pub async fn update(
    store: &Store,
    policy: EgressPolicy,
    project: ProjectId,
    id: &str,
    changes: EndpointChanges,
) -> Result<WebhookEndpoint, EndpointError> {
    let endpoint = get(store, project, id).await?;
    let url = match changes.url {
        Some(url) => Some(check_url(policy, &url).await?),
        None => None,
    };
    let description = changes.description.map(check_description).transpose()?;
    let event_types = changes
        .event_types
        .map(|types| event_types::check(&types).map_err(EndpointError::Invalid))
        .transpose()?;
    let now = clock::now_ms();
    let gone = || EndpointError::NotFound(id.to_owned());
    if url.is_some() || description.is_some() || event_types.is_some() {
        let written = store
            .update_webhook_endpoint(
                project,
                &endpoint.id,
                &EndpointUpdate {
                    url: url.as_deref(),
                    description: description.as_deref(),
                    event_types: event_types.as_deref(),
                },
                now,
            )
            .await?;
        if !written {
            return Err(gone());
        }
    }
    let still_there = match changes.enabled {
        Some(true) => {
            store
                .enable_webhook_endpoint(project, &endpoint.id, now)
                .await?
        }
        // A no-op when it is disabled already (its first reason stays).
        Some(false) => {
            store
                .disable_webhook_endpoint(&endpoint.id, "disabled by the project", now)
                .await?;
            true
        }
        None => true,
    };
    if !still_there {
        return Err(gone());
    }
    get(store, project, id).await
}

/// Replaces an endpoint's secret; returns the new one, shown this once. The old one stops
/// signing at once (the app should accept both while it switches: verify with the new one,
/// then the old). Only the secret is written.
pub async fn rotate_secret(
    store: &Store,
    keys: &MasterKeys,
    project: ProjectId,
    id: &str,
) -> Result<String, EndpointError> {
    let endpoint = get(store, project, id).await?;
    let secret = signature::new_secret();
    let sealed = keys.seal(secret.as_bytes(), binding(&project, &endpoint.id));
    if !store
        .set_webhook_endpoint_secret(project, &endpoint.id, &sealed, clock::now_ms())
        .await?
    {
        return Err(EndpointError::NotFound(id.to_owned()));
    }
    Ok(secret)
}

/// Deletes an endpoint of the project and its delivery log.
pub async fn delete(store: &Store, project: ProjectId, id: &str) -> Result<(), EndpointError> {
    let endpoint = get(store, project, id).await?;
    if !store.delete_webhook_endpoint(project, &endpoint.id).await? {
        return Err(EndpointError::NotFound(id.to_owned()));
    }
    Ok(())
}

/// The endpoint's signing secret, opened for a delivery.
pub fn open_secret(keys: &MasterKeys, endpoint: &WebhookEndpoint) -> Result<String, EndpointError> {
    Ok(keys.open_string(
        &endpoint.secret,
        binding(&endpoint.project_id, &endpoint.id),
    )?)
}

/// The endpoint as the API shows it: never its secret.
pub fn view(endpoint: &WebhookEndpoint) -> Value {
    json!({
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": endpoint.event_types,
        "disabled": endpoint.disabled_ms.is_some(),
        "disabledReason": endpoint.disabled_reason,
        "disabledAt": endpoint.disabled_ms,
        "failingSince": endpoint.failing_since_ms,
        "createdAt": endpoint.created_ms,
        "updatedAt": endpoint.updated_ms,
    })
}
