//! Using a credential: its access token, refreshed before expiry or after a 401, by one caller
//! at a time across tasks and replicas; and disconnecting it.
//!
//! The refresh is claimed against the row's version (`claim_refresh`): of all callers that saw
//! version v, one wins and refreshes; the others wait for the version to move on with no
//! refresher holding the lease, then use the token it stored. A claimant that dies leaves an
//! expired lease, and the next caller claims again.

use std::time::Duration;

use super::{
    Connect, ConnectError, integrations,
    provider::{ClientAuth, ProviderError},
};
use crate::{
    clock,
    ids::{CredentialId, ProjectId},
    storage::{Credential, CredentialStatus, Integration, RefreshedTokens},
    vault::UserBinding,
};

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
                        expires_at: now.saturating_add(clock::ms_from_secs(tokens.expires_in)),
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
    let secret = integrations::client_secret(&connect.keys, integration)?;
    let auth = ClientAuth {
        token_url: &integration.token_url,
        client_id: &integration.client_id,
        client_secret: &secret,
    };
    Ok(connect.provider.refresh(&auth, &refresh_token).await?)
}

/// Revokes the credential at the provider where it can (best effort: a provider that is down
/// must not keep the user from disconnecting) and deletes it.
pub async fn disconnect(connect: &Connect, credential: &Credential) -> Result<(), ConnectError> {
    let integration = integration_of(connect, credential).await?;
    if let Some(sealed) = credential.refresh_token.as_deref() {
        let revoked = async {
            let refresh_token = connect
                .keys
                .open_string(sealed, binding(credential, "refresh_token"))?;
            let secret = integrations::client_secret(&connect.keys, &integration)?;
            let auth = ClientAuth {
                token_url: &integration.token_url,
                client_id: &integration.client_id,
                client_secret: &secret,
            };
            connect.provider.revoke(&auth, &refresh_token).await?;
            Ok::<(), ConnectError>(())
        };
        if let Err(error) = revoked.await {
            tracing::warn!(credential = %credential.id, %error, "revocation at the provider failed; deleting anyway");
        }
    }
    connect
        .store
        .delete_credential(credential.project_id, &credential.id)
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
