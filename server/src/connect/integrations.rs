//! A project's integrations: one per provider of the catalogue (`providers/<name>.yaml`), with
//! the provider app's client id and secret (sealed) and scopes for OAuth providers, and URLs
//! that default to the definition's and can point elsewhere (a stand-in, a regional host).

use super::{Connect, ConnectError, egress::EgressPolicy};
use crate::{
    clock,
    ids::{IntegrationId, ProjectId, UserId},
    providers::{self, Auth, template},
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

/// Creates or replaces the project's integration with `provider_type`, a provider of the
/// catalogue. An OAuth provider needs the app's client id and secret; a provider whose users
/// paste a key or a password needs neither (and refuses them, so a secret is never stored for
/// nothing).
pub async fn set(
    connect: &Connect,
    project: ProjectId,
    provider_type: &str,
    settings: IntegrationSettings,
) -> Result<Integration, ConnectError> {
    let provider = providers::find(provider_type).ok_or_else(|| {
        ConnectError::Invalid(format!(
            "unknown integration {provider_type:?}: `paragon integration list-providers` lists \
             the catalogue ({})",
            providers::names()
        ))
    })?;
    let client_id = settings.client_id.trim();
    let client_secret = settings.client_secret.expose().trim();
    let policy = connect.provider.policy();
    let (auth_url, token_url, default_scopes) = match &provider.auth {
        Auth::OAuth2(oauth) => {
            if client_id.is_empty() || client_secret.is_empty() {
                return Err(ConnectError::Invalid(format!(
                    "{} connects with OAuth: the client id and the client secret of your app \
                     at {} are required",
                    provider.display_name, provider.display_name
                )));
            }
            let auth_url = provider_url(
                policy,
                settings.auth_url,
                &oauth.authorize_url,
                "authorize URL",
            );
            let token_url = provider_url(policy, settings.token_url, &oauth.token_url, "token URL");
            (auth_url.await?, token_url.await?, oauth.scopes.join(" "))
        }
        Auth::ApiKey(_) | Auth::Basic(_) => {
            if !client_id.is_empty() || !client_secret.is_empty() {
                return Err(ConnectError::Invalid(format!(
                    "{} connects with the end user's {}: it takes no client id or secret",
                    provider.display_name,
                    provider.auth.mode()
                )));
            }
            (String::new(), String::new(), String::new())
        }
    };
    let api_base = provider_url(
        policy,
        settings.api_base,
        &provider.api.base_url,
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
    let scopes = settings.scopes.unwrap_or(default_scopes);
    let integration = Integration {
        client_secret: connect
            .keys
            .seal(client_secret.as_bytes(), secret_binding(&project, &id)),
        id,
        project_id: project,
        provider: provider_type.to_owned(),
        name: provider.display_name.clone(),
        client_id: client_id.to_owned(),
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        auth_url,
        token_url,
        api_base,
        created_at: existing.as_ref().map_or(now, |i| i.created_at),
        updated_at: now,
    };
    Ok(connect.store.upsert_integration(&integration).await?)
}

/// A provider URL as stored: the default when none is given, checked against the server's
/// egress policy (a courtesy: the provider client checks again on every connection), without
/// query or fragment (the platform appends its own), without a trailing slash.
///
/// A URL with placeholders (Salesforce's `{{connection.instance_url}}/…`) is filled per
/// connection, and checked on every call by the provider client instead.
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
    if template::has_placeholder(value) {
        return Ok(value.trim_end_matches('/').to_owned());
    }
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
