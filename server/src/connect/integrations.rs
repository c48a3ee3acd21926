//! A project's integrations: the provider app's client id and secret (sealed), scopes and URLs,
//! defaulting to the real HubSpot and pointable at the sandbox.

use super::{Connect, ConnectError, egress::EgressPolicy, provider};
use crate::{
    clock,
    ids::{IntegrationId, ProjectId, UserId},
    storage::{Credential, Integration, StorageError, Store},
    vault::{Binding, MasterKeys},
};

/// Why a user cannot call a provider: what [`connected`] did not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The project has no integration with the provider.
    Integration,
    /// The user never connected the integration of this name.
    Credential(String),
}

/// What a user's calls to `provider` need: the project's integration with it and the user's
/// credential for it (whatever the credential's status: callers judge it). The one lookup the
/// proxy and the engine share; each words [`Missing`] for its own audience.
pub async fn connected(
    store: &Store,
    project: ProjectId,
    user: &UserId,
    provider: &str,
) -> Result<Result<(Integration, Credential), Missing>, StorageError> {
    let Some(integration) = store.integration_by_provider(project, provider).await? else {
        return Ok(Err(Missing::Integration));
    };
    Ok(
        match store.credential_for(project, user, &integration.id).await? {
            Some(credential) => Ok((integration, credential)),
            None => Err(Missing::Credential(integration.name)),
        },
    )
}

/// What `paragon integration set` and `PUT /projects/{pid}/integrations/{type}` take.
#[derive(Debug, Clone, Default)]
pub struct IntegrationSettings {
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret (plaintext only on its way into the vault; redacted in Debug).
    pub client_secret: crate::secret::Secret,
    /// Space-separated scopes; defaults to the provider's.
    pub scopes: Option<String>,
    /// Authorize page URL; defaults to the provider's.
    pub auth_url: Option<String>,
    /// Token endpoint URL; defaults to the provider's.
    pub token_url: Option<String>,
    /// API base URL; defaults to the provider's.
    pub api_base: Option<String>,
}

/// Creates or replaces the project's integration with `provider_type`.
pub async fn set(
    connect: &Connect,
    project: ProjectId,
    provider_type: &str,
    settings: IntegrationSettings,
) -> Result<Integration, ConnectError> {
    if provider_type != provider::hubspot::TYPE {
        return Err(ConnectError::Invalid(format!(
            "unknown integration {provider_type:?}: this platform has \"hubspot\""
        )));
    }
    if settings.client_id.trim().is_empty() || settings.client_secret.expose().trim().is_empty() {
        return Err(ConnectError::Invalid(
            "the client id and the client secret are required".into(),
        ));
    }
    let policy = connect.provider.policy();
    let auth_url = provider_url(
        policy,
        settings.auth_url,
        provider::hubspot::AUTH_URL,
        "authorize URL",
    )
    .await?;
    let token_url = provider_url(
        policy,
        settings.token_url,
        provider::hubspot::TOKEN_URL,
        "token URL",
    )
    .await?;
    let api_base = provider_url(
        policy,
        settings.api_base,
        provider::hubspot::API_BASE,
        "API base",
    )
    .await?;
    let existing = connect
        .store
        .integration_by_provider(project, provider_type)
        .await?;
    let id = existing
        .as_ref()
        .map_or_else(IntegrationId::random, |i| i.id.clone());
    let now = clock::now_ms();
    let scopes = settings
        .scopes
        .unwrap_or_else(|| provider::hubspot::SCOPES.to_owned());
    let integration = Integration {
        client_secret: connect.keys.seal(
            settings.client_secret.expose().trim().as_bytes(),
            secret_binding(&project, &id),
        ),
        id,
        project_id: project,
        provider: provider_type.to_owned(),
        name: provider::hubspot::NAME.to_owned(),
        client_id: settings.client_id.trim().to_owned(),
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        auth_url,
        token_url,
        api_base,
        created_at: existing.as_ref().map_or(now, |i| i.created_at),
        updated_at: now,
    };
    if integration.scopes.is_empty() {
        return Err(ConnectError::Invalid(
            "at least one scope is required".into(),
        ));
    }
    Ok(connect.store.upsert_integration(&integration).await?)
}

/// A provider URL as stored: the default when none is given, checked against the server's
/// egress policy (a courtesy: the provider client checks again on every connection), without
/// query or fragment (the platform appends its own), without a trailing slash.
async fn provider_url(
    policy: EgressPolicy,
    value: Option<String>,
    default: &str,
    what: &str,
) -> Result<String, ConnectError> {
    let value = value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned());
    let value = value.trim();
    let parsed = policy
        .check_configured(value)
        .await
        .map_err(|refusal| ConnectError::Invalid(format!("the {what} {refusal}: {value:?}")))?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(ConnectError::Invalid(format!(
            "the {what} must be a URL without a query or fragment: {value:?}"
        )));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

fn secret_binding<'a>(project: &'a ProjectId, integration: &'a IntegrationId) -> Binding<'a> {
    Binding {
        project: project.as_str(),
        row: integration.as_str(),
        column: "client_secret",
    }
}

/// Opens the integration's client secret for one provider call.
pub fn client_secret(keys: &MasterKeys, integration: &Integration) -> Result<String, ConnectError> {
    Ok(keys.open_string(
        &integration.client_secret,
        secret_binding(&integration.project_id, &integration.id),
    )?)
}
