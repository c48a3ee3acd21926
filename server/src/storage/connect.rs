//! Connect's storage: integrations, credentials with their refresh claims, and OAuth flows
//! (secrets sealed by the vault before they get here), with the [`ConnectStore`] trait and its
//! queries, shared by both databases.

use std::fmt::Debug;

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore, from_json},
};
use crate::ids::{CredentialId, FlowId, IntegrationId, ProjectId, UserId};

/// A project's integration with a provider: the provider app's credentials and URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// UUID v4.
    pub id: IntegrationId,
    /// The project.
    pub project_id: ProjectId,
    /// The provider's type name, e.g. `hubspot`.
    pub provider: String,
    /// A name for people, e.g. `HubSpot`.
    pub name: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret, sealed (column `client_secret`).
    pub client_secret: Vec<u8>,
    /// The scopes requested at authorization.
    pub scopes: Vec<String>,
    /// The provider's authorize page.
    pub auth_url: String,
    /// The provider's token endpoint (`…/revoke` and `…/introspect` hang below it).
    pub token_url: String,
    /// The provider's API base.
    pub api_base: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// Whether a credential can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Tokens work (as far as the platform knows).
    Valid,
    /// The provider refused the refresh token (`invalid_grant`): the user must reconnect.
    Invalid,
}

impl CredentialStatus {
    /// The stored and wire form, Paragon's `VALID` / `INVALID`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Invalid => "INVALID",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "VALID" => Some(Self::Valid),
            "INVALID" => Some(Self::Invalid),
            _ => None,
        }
    }
}

/// An end user's connection to an integration.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// UUID v4.
    pub id: CredentialId,
    /// The project.
    pub project_id: ProjectId,
    /// The end user (token `sub`).
    pub user_id: UserId,
    /// The integration.
    pub integration_id: IntegrationId,
    /// Usable or not.
    pub status: CredentialStatus,
    /// The provider account's id (HubSpot: the hub id).
    pub provider_id: String,
    /// What the provider says about the account (HubSpot: hub id, user email, domain).
    pub provider_data: Map<String, Value>,
    /// Sealed access token (column `access_token`).
    pub access_token: Vec<u8>,
    /// Sealed refresh token (column `refresh_token`).
    pub refresh_token: Option<Vec<u8>>,
    /// When the access token expires, Unix milliseconds.
    pub access_expires_at: i64,
    /// Bumped on every change of the tokens; refreshes are claimed against it.
    pub version: i64,
    /// Until when a refresher holds the refresh lease, Unix milliseconds.
    pub refreshing_until: Option<i64>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// Where an OAuth flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStatus {
    /// Created by the portal or the SDK; `/oauth/start` not visited yet.
    Created,
    /// Redirected to the provider with a state and a PKCE challenge.
    Started,
    /// The callback consumed the state and is exchanging the code.
    Exchanging,
    /// A credential was stored.
    Done,
    /// The user pressed Deny (or Cancel) on the provider's consent page: the provider
    /// answered `error=access_denied`.
    Denied,
    /// The provider answered another error, the exchange failed, or the app ended the flow.
    Failed,
}

impl FlowStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Started => "started",
            Self::Exchanging => "exchanging",
            Self::Done => "done",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    /// Whether the flow has ended (a waiting reader stops here).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Denied | Self::Failed)
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "created" => Self::Created,
            "started" => Self::Started,
            "exchanging" => Self::Exchanging,
            "done" => Self::Done,
            "denied" => Self::Denied,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// An OAuth connect flow: created for a user, started by their browser, finished by the
/// provider's callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Random, at least 128 bits, base64url.
    pub id: FlowId,
    /// The project.
    pub project_id: ProjectId,
    /// The end user who created it.
    pub user_id: UserId,
    /// The integration.
    pub integration_id: IntegrationId,
    /// The app origin it is bound to.
    pub origin: String,
    /// Where it is.
    pub status: FlowStatus,
    /// SHA-256 of the one-time start secret handed to the flow's creator.
    pub start_secret_hash: Option<Vec<u8>>,
    /// SHA-256 of the binding cookie of the browser that started it, set by `/oauth/start`.
    pub browser_hash: Option<Vec<u8>>,
    /// Sealed PKCE verifier (column `pkce_verifier`), set by `/oauth/start`.
    pub pkce_verifier: Option<Vec<u8>>,
    /// The credential it made.
    pub credential_id: Option<CredentialId>,
    /// Why it failed.
    pub error: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// What `/oauth/start` records on a flow; every field is a hash or a ciphertext.
#[derive(Debug, Clone, Copy)]
pub struct FlowStart<'a> {
    /// SHA-256 of the start secret the browser presented (must be the flow's).
    pub secret_hash: &'a [u8],
    /// SHA-256 of the OAuth `state` sent to the provider.
    pub state_hash: &'a [u8],
    /// The sealed PKCE verifier.
    pub sealed_verifier: &'a [u8],
    /// SHA-256 of the binding cookie given to this browser.
    pub browser_hash: &'a [u8],
}

/// Tokens a refresh got, sealed, to store under the refresher's claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshedTokens {
    /// The version the refresher claimed (`claim_refresh` bumped it to this).
    pub claimed_version: i64,
    /// The sealed access token.
    pub access: Vec<u8>,
    /// The sealed new refresh token, if the provider rotated it (else the old one is kept).
    pub refresh: Option<Vec<u8>>,
    /// When the access token expires, Unix milliseconds.
    pub expires_at: i64,
    /// When it was refreshed, Unix milliseconds.
    pub now: i64,
}

/// Integrations, credentials and OAuth flows.
#[async_trait]
pub trait ConnectStore: Send + Sync + Debug {
    /// Inserts the project's integration for its provider, or updates it when it has this id.
    async fn upsert_integration(
        &self,
        integration: &Integration,
    ) -> Result<Integration, StorageError>;
    /// The project's integrations, oldest first.
    async fn integrations(&self, project: ProjectId) -> Result<Vec<Integration>, StorageError>;
    /// One integration of the project.
    async fn integration(
        &self,
        project: ProjectId,
        id: &IntegrationId,
    ) -> Result<Option<Integration>, StorageError>;
    /// The project's integration with a provider.
    async fn integration_by_provider(
        &self,
        project: ProjectId,
        provider: &str,
    ) -> Result<Option<Integration>, StorageError>;

    /// Stores a new flow.
    async fn create_flow(&self, flow: &Flow) -> Result<(), StorageError>;
    /// A flow by id.
    async fn flow(&self, id: &FlowId) -> Result<Option<Flow>, StorageError>;
    /// Moves a `created`, unexpired flow to `started` with its state hash, sealed PKCE verifier
    /// and browser binding, if `start.secret_hash` is the flow's start secret; `None` if the
    /// secret is wrong or the flow was used or expired (single use).
    async fn start_flow(
        &self,
        id: &FlowId,
        start: &FlowStart<'_>,
        now: i64,
    ) -> Result<Option<Flow>, StorageError>;
    /// The flow a state was issued for, whatever its status (read only).
    async fn flow_by_state(&self, state_hash: &[u8]) -> Result<Option<Flow>, StorageError>;
    /// Consumes the `started`, unexpired flow of a state, if `browser_hash` is the binding of
    /// the browser that started it: `None` for a missing, wrong, reused or expired state or
    /// another browser.
    async fn take_flow_by_state(
        &self,
        state_hash: &[u8],
        browser_hash: &[u8],
        now: i64,
    ) -> Result<Option<Flow>, StorageError>;
    /// Fails a flow that has not reached the callback yet (`created` or `started`) with why,
    /// dropping its verifier; false when it had already moved on.
    async fn cancel_flow(&self, id: &FlowId, error: &str, now: i64) -> Result<bool, StorageError>;
    /// Ends a flow (`done` with its credential, or `failed` with why), dropping its verifier.
    async fn finish_flow(
        &self,
        id: &FlowId,
        status: FlowStatus,
        credential_id: Option<&CredentialId>,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StorageError>;

    /// Inserts the user's credential for the integration, or replaces its tokens (same id).
    async fn save_credential(&self, credential: &Credential) -> Result<(), StorageError>;
    /// A credential of the project.
    async fn credential(
        &self,
        project: ProjectId,
        id: &CredentialId,
    ) -> Result<Option<Credential>, StorageError>;
    /// The user's credential for an integration.
    async fn credential_for(
        &self,
        project: ProjectId,
        user: &UserId,
        integration: &IntegrationId,
    ) -> Result<Option<Credential>, StorageError>;
    /// The credentials of an integration connected to the provider account `provider_id` (the
    /// users a provider's webhook event about that account is for).
    async fn account_credentials(
        &self,
        project: ProjectId,
        integration: &IntegrationId,
        provider_id: &str,
    ) -> Result<Vec<Credential>, StorageError>;
    /// Every credential of the user.
    async fn user_credentials(
        &self,
        project: ProjectId,
        user: &UserId,
    ) -> Result<Vec<Credential>, StorageError>;
    /// Claims the right to refresh (bumps the version, takes a lease); `false` if the version
    /// moved or another refresher holds an unexpired lease.
    async fn claim_refresh(
        &self,
        id: &CredentialId,
        version: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Stores refreshed tokens under a claim; `false` if the claim was lost.
    async fn store_refreshed(
        &self,
        id: &CredentialId,
        tokens: &RefreshedTokens,
    ) -> Result<bool, StorageError>;
    /// Gives a claim up after a failed refresh, with the credential's new status.
    async fn release_refresh(
        &self,
        id: &CredentialId,
        claimed_version: i64,
        status: CredentialStatus,
        now: i64,
    ) -> Result<(), StorageError>;
    /// Deletes a credential; `false` if there was none.
    async fn delete_credential(
        &self,
        project: ProjectId,
        id: &CredentialId,
    ) -> Result<bool, StorageError>;
}

/// An `integrations` row.
#[derive(sqlx::FromRow)]
struct IntegrationRow {
    id: IntegrationId,
    project_id: ProjectId,
    provider: String,
    name: String,
    client_id: String,
    client_secret: Vec<u8>,
    scopes: String,
    auth_url: String,
    token_url: String,
    api_base: String,
    created_at: i64,
    updated_at: i64,
}

impl From<IntegrationRow> for Integration {
    fn from(row: IntegrationRow) -> Self {
        Self {
            id: row.id,
            project_id: row.project_id,
            provider: row.provider,
            name: row.name,
            client_id: row.client_id,
            client_secret: row.client_secret,
            scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
            auth_url: row.auth_url,
            token_url: row.token_url,
            api_base: row.api_base,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A `credentials` row.
#[derive(sqlx::FromRow)]
struct CredentialRow {
    id: CredentialId,
    project_id: ProjectId,
    user_id: UserId,
    integration_id: IntegrationId,
    status: String,
    provider_id: String,
    provider_data: String,
    access_token: Vec<u8>,
    refresh_token: Option<Vec<u8>>,
    access_expires_at: i64,
    version: i64,
    refreshing_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CredentialRow> for Credential {
    type Error = StorageError;

    fn try_from(row: CredentialRow) -> Result<Self, StorageError> {
        Ok(Self {
            status: CredentialStatus::parse(&row.status).ok_or_else(|| {
                StorageError::Corrupt(format!("credential status {:?}", row.status))
            })?,
            provider_data: from_json(&row.provider_data, "provider data")?,
            id: row.id,
            project_id: row.project_id,
            user_id: row.user_id,
            integration_id: row.integration_id,
            provider_id: row.provider_id,
            access_token: row.access_token,
            refresh_token: row.refresh_token,
            access_expires_at: row.access_expires_at,
            version: row.version,
            refreshing_until: row.refreshing_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// An `oauth_flows` row.
#[derive(sqlx::FromRow)]
struct FlowRow {
    id: FlowId,
    project_id: ProjectId,
    user_id: UserId,
    integration_id: IntegrationId,
    origin: String,
    status: String,
    start_secret_hash: Option<Vec<u8>>,
    browser_hash: Option<Vec<u8>>,
    pkce_verifier: Option<Vec<u8>>,
    credential_id: Option<CredentialId>,
    error: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<FlowRow> for Flow {
    type Error = StorageError;

    fn try_from(row: FlowRow) -> Result<Self, StorageError> {
        Ok(Self {
            status: FlowStatus::parse(&row.status)
                .ok_or_else(|| StorageError::Corrupt(format!("flow status {:?}", row.status)))?,
            id: row.id,
            project_id: row.project_id,
            user_id: row.user_id,
            integration_id: row.integration_id,
            origin: row.origin,
            start_secret_hash: row.start_secret_hash,
            browser_hash: row.browser_hash,
            pkce_verifier: row.pkce_verifier,
            credential_id: row.credential_id,
            error: row.error,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

const INTEGRATION_COLUMNS: &str = "id, project_id, provider, name, client_id, \
     client_secret, scopes, auth_url, token_url, api_base, created_at, updated_at";
const CREDENTIAL_COLUMNS: &str = "id, project_id, user_id, integration_id, status, \
     provider_id, provider_data, access_token, refresh_token, access_expires_at, version, \
     refreshing_until, created_at, updated_at";
const FLOW_COLUMNS: &str = "id, project_id, user_id, integration_id, origin, status, \
     start_secret_hash, browser_hash, pkce_verifier, credential_id, error, created_at, expires_at";

#[async_trait]
impl<DB> ConnectStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    for<'b> &'b [u8]: Param<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
    Option<Vec<u8>>: Column<DB>,
{
    async fn upsert_integration(&self, i: &Integration) -> Result<Integration, StorageError> {
        let done = sqlx::query(
            "INSERT INTO integrations (id, project_id, provider, name, client_id, client_secret,
               scopes, auth_url, token_url, api_base, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (project_id, provider) DO UPDATE SET name = excluded.name,
               client_id = excluded.client_id, client_secret = excluded.client_secret,
               scopes = excluded.scopes, auth_url = excluded.auth_url,
               token_url = excluded.token_url, api_base = excluded.api_base,
               updated_at = excluded.updated_at
             WHERE integrations.id = excluded.id",
        )
        .bind(&i.id)
        .bind(i.project_id)
        .bind(&i.provider)
        .bind(&i.name)
        .bind(&i.client_id)
        .bind(&i.client_secret)
        .bind(i.scopes.join(" "))
        .bind(&i.auth_url)
        .bind(&i.token_url)
        .bind(&i.api_base)
        .bind(i.created_at)
        .bind(i.updated_at)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            // The sealed secret is bound to the row id: a different id must not overwrite.
            return Err(StorageError::Conflict(
                "the project has this provider under another id".into(),
            ));
        }
        self.integration(i.project_id, &i.id)
            .await?
            .ok_or_else(|| StorageError::Corrupt("integration vanished".into()))
    }

    async fn integrations(&self, project: ProjectId) -> Result<Vec<Integration>, StorageError> {
        let rows: Vec<IntegrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations
             WHERE project_id = $1 ORDER BY created_at, id"
        )))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Integration::from).collect())
    }

    async fn integration(
        &self,
        project: ProjectId,
        id: &IntegrationId,
    ) -> Result<Option<Integration>, StorageError> {
        let row: Option<IntegrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE project_id = $1 AND id = $2"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Integration::from))
    }

    async fn integration_by_provider(
        &self,
        project: ProjectId,
        provider: &str,
    ) -> Result<Option<Integration>, StorageError> {
        let row: Option<IntegrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE project_id = $1 AND provider = $2"
        )))
        .bind(project)
        .bind(provider)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Integration::from))
    }

    async fn create_flow(&self, f: &Flow) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO oauth_flows (id, project_id, user_id, integration_id, origin, status,
               created_at, expires_at, updated_at, start_secret_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $9)",
        )
        .bind(&f.id)
        .bind(f.project_id)
        .bind(&f.user_id)
        .bind(&f.integration_id)
        .bind(&f.origin)
        .bind(f.status.as_str())
        .bind(f.created_at)
        .bind(f.expires_at)
        .bind(&f.start_secret_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn flow(&self, id: &FlowId) -> Result<Option<Flow>, StorageError> {
        let row: Option<FlowRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {FLOW_COLUMNS} FROM oauth_flows WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Flow::try_from).transpose()
    }

    async fn start_flow(
        &self,
        id: &FlowId,
        start: &FlowStart<'_>,
        now: i64,
    ) -> Result<Option<Flow>, StorageError> {
        // Single use, and only with the flow's start secret: a `created`, unexpired flow moves
        // to `started`, bound to the browser that presented the secret.
        let done = sqlx::query(
            "UPDATE oauth_flows SET status = 'started', state_hash = $3, pkce_verifier = $4,
               browser_hash = $5, updated_at = $6
             WHERE id = $1 AND start_secret_hash = $2 AND status = 'created' AND expires_at > $6",
        )
        .bind(id)
        .bind(start.secret_hash)
        .bind(start.state_hash)
        .bind(start.sealed_verifier)
        .bind(start.browser_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            self.flow(id).await
        } else {
            Ok(None)
        }
    }

    async fn flow_by_state(&self, state_hash: &[u8]) -> Result<Option<Flow>, StorageError> {
        let row: Option<FlowRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {FLOW_COLUMNS} FROM oauth_flows WHERE state_hash = $1"
        )))
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Flow::try_from).transpose()
    }

    async fn take_flow_by_state(
        &self,
        state_hash: &[u8],
        browser_hash: &[u8],
        now: i64,
    ) -> Result<Option<Flow>, StorageError> {
        // Consumed atomically, and only by the browser that started the flow: of two callbacks
        // with one state, one moves the flow on; another browser's moves nothing.
        let id: Option<FlowId> = sqlx::query_scalar(
            "UPDATE oauth_flows SET status = 'exchanging', updated_at = $3
             WHERE state_hash = $1 AND browser_hash = $2 AND status = 'started'
               AND expires_at > $3
             RETURNING id",
        )
        .bind(state_hash)
        .bind(browser_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.flow(&id).await,
            None => Ok(None),
        }
    }

    async fn cancel_flow(&self, id: &FlowId, error: &str, now: i64) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE oauth_flows SET status = 'failed', error = $2, pkce_verifier = NULL,
               updated_at = $3
             WHERE id = $1 AND status IN ('created', 'started')",
        )
        .bind(id)
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_flow(
        &self,
        id: &FlowId,
        status: FlowStatus,
        credential_id: Option<&CredentialId>,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE oauth_flows SET status = $2, credential_id = $3, error = $4,
               pkce_verifier = NULL, updated_at = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(credential_id.map(CredentialId::to_string))
        .bind(error.map(str::to_owned))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn save_credential(&self, c: &Credential) -> Result<(), StorageError> {
        let done = sqlx::query(
            "INSERT INTO credentials (id, project_id, user_id, integration_id, status,
               provider_id, provider_data, access_token, refresh_token, access_expires_at,
               version, refreshing_until, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (project_id, user_id, integration_id) DO UPDATE SET
               status = excluded.status, provider_id = excluded.provider_id,
               provider_data = excluded.provider_data, access_token = excluded.access_token,
               refresh_token = excluded.refresh_token,
               access_expires_at = excluded.access_expires_at,
               version = credentials.version + 1, refreshing_until = NULL,
               refresh_failures = 0, updated_at = excluded.updated_at
             WHERE credentials.id = excluded.id",
        )
        .bind(&c.id)
        .bind(c.project_id)
        .bind(&c.user_id)
        .bind(&c.integration_id)
        .bind(c.status.as_str())
        .bind(&c.provider_id)
        .bind(Value::Object(c.provider_data.clone()).to_string())
        .bind(&c.access_token)
        .bind(&c.refresh_token)
        .bind(c.access_expires_at)
        .bind(c.version)
        .bind(c.refreshing_until)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StorageError::Conflict(
                "the user's credential for this integration has another id".into(),
            ))
        }
    }

    async fn credential(
        &self,
        project: ProjectId,
        id: &CredentialId,
    ) -> Result<Option<Credential>, StorageError> {
        let row: Option<CredentialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE project_id = $1 AND id = $2"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Credential::try_from).transpose()
    }

    async fn credential_for(
        &self,
        project: ProjectId,
        user: &UserId,
        integration: &IntegrationId,
    ) -> Result<Option<Credential>, StorageError> {
        let row: Option<CredentialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials
             WHERE project_id = $1 AND user_id = $2 AND integration_id = $3"
        )))
        .bind(project)
        .bind(user)
        .bind(integration)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Credential::try_from).transpose()
    }

    async fn account_credentials(
        &self,
        project: ProjectId,
        integration: &IntegrationId,
        provider_id: &str,
    ) -> Result<Vec<Credential>, StorageError> {
        let rows: Vec<CredentialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials
             WHERE project_id = $1 AND integration_id = $2 AND provider_id = $3
             ORDER BY user_id"
        )))
        .bind(project)
        .bind(integration)
        .bind(provider_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Credential::try_from).collect()
    }

    async fn user_credentials(
        &self,
        project: ProjectId,
        user: &UserId,
    ) -> Result<Vec<Credential>, StorageError> {
        let rows: Vec<CredentialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials
             WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, id"
        )))
        .bind(project)
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Credential::try_from).collect()
    }

    async fn claim_refresh(
        &self,
        id: &CredentialId,
        version: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE credentials SET version = version + 1, refreshing_until = $3
             WHERE id = $1 AND version = $2
               AND (refreshing_until IS NULL OR refreshing_until < $4)",
        )
        .bind(id)
        .bind(version)
        .bind(now + lease_ms)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn store_refreshed(
        &self,
        id: &CredentialId,
        tokens: &RefreshedTokens,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE credentials SET access_token = $3, refresh_token = COALESCE($4, refresh_token),
               access_expires_at = $5, version = version + 1, refreshing_until = NULL,
               refresh_failures = 0, status = 'VALID', refreshed_at = $6, updated_at = $6
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(tokens.claimed_version)
        .bind(&tokens.access)
        .bind(&tokens.refresh)
        .bind(tokens.expires_at)
        .bind(tokens.now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_refresh(
        &self,
        id: &CredentialId,
        claimed_version: i64,
        status: CredentialStatus,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE credentials SET version = version + 1, refreshing_until = NULL, status = $3,
               refresh_failures = refresh_failures + 1, updated_at = $4
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(claimed_version)
        .bind(status.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_credential(
        &self,
        project: ProjectId,
        id: &CredentialId,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        // Disconnecting forgets the user's settings of the integration too (as Paragon does):
        // they were choices about that account (its owners, its pipelines).
        sqlx::query(
            "DELETE FROM user_settings WHERE project_id = $1 AND (user_id, integration) IN
               (SELECT c.user_id, i.provider FROM credentials c
                JOIN integrations i ON i.id = c.integration_id
                WHERE c.project_id = $1 AND c.id = $2)",
        )
        .bind(project)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM credentials WHERE project_id = $1 AND id = $2")
            .bind(project)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}
