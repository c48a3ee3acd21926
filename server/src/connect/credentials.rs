//! Using a credential: its access token, refreshed before expiry or after a 401, by one caller
//! at a time across tasks and replicas; and disconnecting it.
//!
//! The refresh is claimed against the row's version (`claim_refresh`): of all callers that saw
//! version v, one wins and refreshes; the others wait for the version to move on with no
//! refresher holding the lease, then use the token it stored. A claimant that dies leaves an
//! expired lease, and the next caller claims again.

use std::time::Duration;

use super::{
    Connect, ConnectError,
    endpoints::Endpoints,
    integrations,
    provider::{ClientAuth, ProviderError},
};
use crate::{
    clock,
    ids::{CredentialId, IntegrationId, ProjectId, UserId},
    storage::{Credential, CredentialStatus, Integration, RefreshedTokens},
    vault::UserBinding,
};

/// The expiry of a token that does not say when it expires (Salesforce's, an API key): it is
/// used until the provider refuses it, then refreshed once (or, without a refresh token, the
/// credential is marked invalid).
pub const NEVER_EXPIRES: i64 = i64::MAX;

/// When a token issued at `now` (Unix ms) and living `expires_in` seconds expires.
pub fn expires_at(now: i64, expires_in: Option<i64>) -> i64 {
    expires_in.map_or(NEVER_EXPIRES, |secs| {
        now.saturating_add(clock::ms_from_secs(secs))
    })
}

/// A connection just made, to store as the user's credential for the integration.
#[derive(Debug)]
pub struct Connection<'a> {
    /// The project.
    pub project: ProjectId,
    /// The end user.
    pub user: &'a UserId,
    /// The integration.
    pub integration: &'a IntegrationId,
    /// The access token, or a key's or password's fields as JSON (see `sending`).
    pub access: &'a str,
    /// The refresh token, if any.
    pub refresh: Option<&'a str>,
    /// The access token's lifetime in seconds, if it has one.
    pub expires_in: Option<i64>,
    /// The account's id at the provider.
    pub provider_id: String,
    /// The connection's values and the account's name.
    pub provider_data: serde_json::Map<String, serde_json::Value>,
}

/// Seals and stores `connection` as the user's credential for its integration, replacing the
/// one they had (a reconnection keeps the credential's id); a new credential starts the
/// integration's `integration_enabled` workflows (`enabled`).
pub async fn save(
    connect: &Connect,
    integration: &Integration,
    connection: Connection<'_>,
) -> Result<Credential, ConnectError> {
    let existing = connect
        .store
        .credential_for(connection.project, connection.user, connection.integration)
        .await?;
    let id = existing
        .as_ref()
        .map_or_else(CredentialId::random, |c| c.id.clone());
    let now = clock::now_ms();
    let mut credential = Credential {
        access_token: Vec::new(),
        refresh_token: None,
        id,
        project_id: connection.project,
        user_id: connection.user.clone(),
        integration_id: connection.integration.clone(),
        status: CredentialStatus::Valid,
        provider_id: connection.provider_id,
        provider_data: connection.provider_data,
        access_expires_at: expires_at(now, connection.expires_in),
        version: 0,
        refreshing_until: None,
        created_at: existing.as_ref().map_or(now, |c| c.created_at),
        updated_at: now,
    };
    // The user is bound too: a credential's ciphertext moved to another user's row does not
    // open (every opening here uses the same binding).
    credential.access_token = connect.keys.seal(
        connection.access.as_bytes(),
        binding(&credential, "access_token"),
    );
    credential.refresh_token = connection.refresh.map(|r| {
        connect
            .keys
            .seal(r.as_bytes(), binding(&credential, "refresh_token"))
    });
    connect.store.save_credential(&credential).await?;
    if existing.is_none() {
        super::enabled::started(connect, integration, &credential).await;
        // Stored after the credential: a connection is reported once it stands.
        super::connection_webhooks::created(connect, integration, &credential).await;
    }
    Ok(credential)
}

/// Tokens this close to expiry are refreshed before use.
pub const REFRESH_MARGIN_SECS: i64 = 120;
/// How long a refresher holds its claim.
const LEASE_SECS: i64 = 30;
const REFRESH_MARGIN_MS: i64 = clock::ms_from_secs(REFRESH_MARGIN_SECS);
const LEASE_MS: i64 = clock::ms_from_secs(LEASE_SECS);
/// How long a caller waits for another's refresh.
const WAIT: Duration = Duration::from_secs(35);
const TICK: Duration = Duration::from_millis(50);

/// An access token and the credential version it belongs to (give the version back to
/// [`refresh`] after a 401, so that a token already replaced is not refreshed again).
#[derive(Clone)]
pub struct UsableToken {
    /// The bearer token for the provider's API.
    pub token: String,
    /// The credential's version when it was read.
    pub version: i64,
}

impl std::fmt::Debug for UsableToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsableToken")
            .field("token", &"[redacted]")
            .field("version", &self.version)
            .finish()
    }
}

/// A token for `credential`, refreshed first when it is about to expire.
pub async fn access_token(
    connect: &Connect,
    credential: &Credential,
) -> Result<UsableToken, ConnectError> {
    if credential.status == CredentialStatus::Invalid {
        return Err(ConnectError::CredentialInvalid(
            credential.integration_id.clone(),
        ));
    }
    if credential.access_expires_at - clock::now_ms() > REFRESH_MARGIN_MS {
        return Ok(UsableToken {
            token: open_access(connect, credential)?,
            version: credential.version,
        });
    }
    refresh(
        connect,
        credential.project_id,
        &credential.id,
        credential.version,
    )
    .await
}

/// Refreshes the credential unless someone already replaced the token of `seen_version`.
pub async fn refresh(
    connect: &Connect,
    project: ProjectId,
    id: &CredentialId,
    seen_version: i64,
) -> Result<UsableToken, ConnectError> {
    let mut version = seen_version;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if connect
            .store
            .claim_refresh(id, version, clock::now_ms(), LEASE_MS)
            .await?
        {
            return refresh_claimed(connect, project, id, version + 1).await;
        }
        let current = load(connect, project, id).await?;
        if current.status == CredentialStatus::Invalid {
            return Err(ConnectError::CredentialInvalid(current.integration_id));
        }
        let leased = current
            .refreshing_until
            .is_some_and(|until| until >= clock::now_ms());
        if current.version != seen_version && current.refreshing_until.is_none() {
            // Someone refreshed (or the user reconnected) since we read the token.
            return Ok(UsableToken {
                token: open_access(connect, &current)?,
                version: current.version,
            });
        }
        if !leased {
            // The version moved under an expired lease: its refresher died. Claim again.
            version = current.version;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ConnectError::Provider(ProviderError::Transient(
                "timed out waiting for another refresh".into(),
            )));
        }
        tokio::time::sleep(TICK).await;
    }
}

async fn refresh_claimed(
    connect: &Connect,
    project: ProjectId,
    id: &CredentialId,
    claimed: i64,
) -> Result<UsableToken, ConnectError> {
    let credential = load(connect, project, id).await?;
    let integration = integration_of(connect, &credential).await?;
    let result = call_refresh(connect, &credential, &integration).await;
    let now = clock::now_ms();
    match result {
        Ok(tokens) => {
            let seal = |value: &str, column: &str| {
                connect
                    .keys
                    .seal(value.as_bytes(), binding(&credential, column))
            };
            let access = seal(&tokens.access_token, "access_token");
            let rotated = tokens
                .refresh_token
                .as_deref()
                .map(|r| seal(r, "refresh_token"));
            let stored = connect
                .store
                .store_refreshed(
                    id,
                    &RefreshedTokens {
                        claimed_version: claimed,
                        access,
                        refresh: rotated,
                        expires_at: expires_at(now, tokens.expires_in),
                        now,
                    },
                )
                .await?;
            if !stored {
                // The user reconnected meanwhile: their new credential wins.
                let current = load(connect, project, id).await?;
                return Ok(UsableToken {
                    token: open_access(connect, &current)?,
                    version: current.version,
                });
            }
            tracing::info!(credential = %id, "access token refreshed");
            Ok(UsableToken {
                token: tokens.access_token,
                version: claimed + 1,
            })
        }
        Err(ConnectError::Provider(ProviderError::InvalidGrant(reason))) => {
            tracing::warn!(credential = %id, %reason, "refresh token refused: credential marked INVALID");
            connect
                .store
                .release_refresh(id, claimed, CredentialStatus::Invalid, now)
                .await?;
            // Only the refresh's claimant gets here, so the change is reported once.
            super::connection_webhooks::invalid(connect, &integration, &credential).await;
            Err(ConnectError::CredentialInvalid(credential.integration_id))
        }
        Err(other) => {
            connect
                .store
                .release_refresh(id, claimed, CredentialStatus::Valid, now)
                .await?;
            Err(other)
        }
    }
}

async fn call_refresh(
    connect: &Connect,
    credential: &Credential,
    integration: &Integration,
) -> Result<super::provider::Tokens, ConnectError> {
    let sealed = credential.refresh_token.as_deref().ok_or_else(|| {
        ConnectError::Provider(ProviderError::InvalidGrant("no refresh token".into()))
    })?;
    let refresh_token = connect
        .keys
        .open_string(sealed, binding(credential, "refresh_token"))?;
    let oauth = Endpoints::of(integration)?.oauth()?;
    let secret = integrations::client_secret(&connect.keys, integration)?;
    let auth = client_auth(integration, &secret, oauth);
    Ok(connect
        .provider
        .refresh(&auth, &refresh_token, &oauth.expires_in)
        .await?)
}

/// The OAuth app's authentication at the token endpoint.
pub fn client_auth<'a>(
    integration: &'a Integration,
    secret: &'a str,
    oauth: &crate::providers::OAuth2,
) -> ClientAuth<'a> {
    ClientAuth {
        token_url: &integration.token_url,
        client_id: &integration.client_id,
        client_secret: secret,
        via: oauth.client_auth,
    }
}

/// Revokes the credential at the provider where its definition says how (best effort: a
/// provider that is down must not keep the user from disconnecting) and deletes it.
pub async fn disconnect(connect: &Connect, credential: &Credential) -> Result<(), ConnectError> {
    let integration = integration_of(connect, credential).await?;
    if let Err(error) = revoke(connect, &integration, credential).await {
        tracing::warn!(credential = %credential.id, %error, "revocation at the provider failed; deleting anyway");
    }
    // Reported by the caller that deleted it: two disconnects at once report it once.
    if connect
        .store
        .delete_credential(credential.project_id, &credential.id)
        .await?
    {
        super::connection_webhooks::deleted(connect, &integration, credential).await;
    }
    Ok(())
}

/// Revokes the token the definition's `revoke` names; nothing for a provider without one (an
/// API key is the user's to delete at the provider).
async fn revoke(
    connect: &Connect,
    integration: &Integration,
    credential: &Credential,
) -> Result<(), ConnectError> {
    let endpoints = Endpoints::of(integration)?;
    let Ok(oauth) = endpoints.oauth() else {
        return Ok(());
    };
    let Some(revoke) = &oauth.revoke else {
        return Ok(());
    };
    let token = match revoke.token {
        crate::providers::TokenKind::Refresh => match credential.refresh_token.as_deref() {
            Some(sealed) => connect
                .keys
                .open_string(sealed, binding(credential, "refresh_token"))?,
            None => return Ok(()),
        },
        crate::providers::TokenKind::Access => open_access(connect, credential)?,
    };
    let secret = integrations::client_secret(&connect.keys, integration)?;
    let auth = client_auth(integration, &secret, oauth);
    let url = endpoints.revoke_url(revoke, &token)?;
    connect
        .provider
        .revoke(&auth, &url, &revoke.method, &token, revoke.token)
        .await?;
    Ok(())
}

fn open_access(connect: &Connect, credential: &Credential) -> Result<String, ConnectError> {
    Ok(connect.keys.open_string(
        &credential.access_token,
        binding(credential, "access_token"),
    )?)
}

fn binding<'a>(credential: &'a Credential, column: &'a str) -> UserBinding<'a> {
    UserBinding {
        project: credential.project_id.as_str(),
        user: credential.user_id.as_str(),
        row: credential.id.as_str(),
        column,
    }
}

async fn load(
    connect: &Connect,
    project: ProjectId,
    id: &CredentialId,
) -> Result<Credential, ConnectError> {
    connect
        .store
        .credential(project, id)
        .await?
        .ok_or_else(|| ConnectError::NotFound("the credential was deleted".into()))
}

async fn integration_of(
    connect: &Connect,
    credential: &Credential,
) -> Result<Integration, ConnectError> {
    connect
        .store
        .integration(credential.project_id, &credential.integration_id)
        .await?
        .ok_or_else(|| ConnectError::NotFound("the credential's integration was removed".into()))
}
