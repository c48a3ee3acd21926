//! The Connect queries both backends share (see `sql_projects.rs` for why they are written
//! once): integrations, credentials with their refresh claims, and OAuth flows.

use serde_json::{Map, Value};

use super::{CredentialStatus, FlowStatus, StorageError};

pub(super) const INTEGRATION_COLUMNS: &str = "id, project_id, provider, name, client_id, client_secret, scopes, auth_url, token_url, api_base, created_at, updated_at";
pub(super) const CREDENTIAL_COLUMNS: &str = "id, project_id, user_id, integration_id, status, provider_id, provider_data, access_token, refresh_token, access_expires_at, version, refreshing_until, created_at, updated_at";
pub(super) const FLOW_COLUMNS: &str = "id, project_id, user_id, integration_id, origin, status, start_secret_hash, browser_hash, pkce_verifier, credential_id, error, created_at, expires_at";

pub(super) fn scopes_from_text(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

pub(super) fn provider_data_from_text(text: &str) -> Result<Map<String, Value>, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("provider data: {e}")))
}

pub(super) fn credential_status(text: &str) -> Result<CredentialStatus, StorageError> {
    CredentialStatus::parse(text)
        .ok_or_else(|| StorageError::Corrupt(format!("credential status {text:?}")))
}

pub(super) fn flow_status(text: &str) -> Result<FlowStatus, StorageError> {
    FlowStatus::parse(text).ok_or_else(|| StorageError::Corrupt(format!("flow status {text:?}")))
}

macro_rules! connect_storage {
    ($store:ty, $row:ty) => {
        impl $store {
            fn integration_row(r: &$row) -> Result<$crate::storage::Integration, $crate::storage::StorageError> {
                use sqlx::Row;
                Ok($crate::storage::Integration {
                    id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    provider: r.try_get("provider")?,
                    name: r.try_get("name")?,
                    client_id: r.try_get("client_id")?,
                    client_secret: r.try_get("client_secret")?,
                    scopes: $crate::storage::sql_connect::scopes_from_text(&r.try_get::<String, _>("scopes")?),
                    auth_url: r.try_get("auth_url")?,
                    token_url: r.try_get("token_url")?,
                    api_base: r.try_get("api_base")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn credential_row(r: &$row) -> Result<$crate::storage::Credential, $crate::storage::StorageError> {
                use sqlx::Row;
                Ok($crate::storage::Credential {
                    id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    user_id: r.try_get("user_id")?,
                    integration_id: r.try_get("integration_id")?,
                    status: $crate::storage::sql_connect::credential_status(&r.try_get::<String, _>("status")?)?,
                    provider_id: r.try_get("provider_id")?,
                    provider_data: $crate::storage::sql_connect::provider_data_from_text(&r.try_get::<String, _>("provider_data")?)?,
                    access_token: r.try_get("access_token")?,
                    refresh_token: r.try_get("refresh_token")?,
                    access_expires_at: r.try_get("access_expires_at")?,
                    version: r.try_get("version")?,
                    refreshing_until: r.try_get("refreshing_until")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn flow_row(r: &$row) -> Result<$crate::storage::Flow, $crate::storage::StorageError> {
                use sqlx::Row;
                Ok($crate::storage::Flow {
                    id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    user_id: r.try_get("user_id")?,
                    integration_id: r.try_get("integration_id")?,
                    origin: r.try_get("origin")?,
                    status: $crate::storage::sql_connect::flow_status(&r.try_get::<String, _>("status")?)?,
                    start_secret_hash: r.try_get("start_secret_hash")?,
                    browser_hash: r.try_get("browser_hash")?,
                    pkce_verifier: r.try_get("pkce_verifier")?,
                    credential_id: r.try_get("credential_id")?,
                    error: r.try_get("error")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::ConnectStore for $store {
            async fn upsert_integration(&self, i: &$crate::storage::Integration) -> Result<$crate::storage::Integration, $crate::storage::StorageError> {
                let sql = format!(
                    "INSERT INTO integrations ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                     ON CONFLICT (project_id, provider) DO UPDATE SET name = excluded.name, client_id = excluded.client_id,
                       client_secret = excluded.client_secret, scopes = excluded.scopes, auth_url = excluded.auth_url,
                       token_url = excluded.token_url, api_base = excluded.api_base, updated_at = excluded.updated_at
                     WHERE integrations.id = excluded.id",
                    $crate::storage::sql_connect::INTEGRATION_COLUMNS
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&i.id).bind(&i.project_id).bind(&i.provider).bind(&i.name).bind(&i.client_id)
                    .bind(&i.client_secret).bind(i.scopes.join(" ")).bind(&i.auth_url).bind(&i.token_url)
                    .bind(&i.api_base).bind(i.created_at).bind(i.updated_at)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() != 1 {
                    // The sealed secret is bound to the row id: a different id must not overwrite.
                    return Err($crate::storage::StorageError::Conflict("the project has this provider under another id".into()));
                }
                self.integration(&i.project_id, &i.id)
                    .await?
                    .ok_or_else(|| $crate::storage::StorageError::Corrupt("integration vanished".into()))
            }

            async fn integrations(&self, project: &str) -> Result<Vec<$crate::storage::Integration>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM integrations WHERE project_id = $1 ORDER BY created_at, id", $crate::storage::sql_connect::INTEGRATION_COLUMNS);
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).fetch_all(&self.pool).await?;
                rows.iter().map(Self::integration_row).collect()
            }

            async fn integration(&self, project: &str, id: &str) -> Result<Option<$crate::storage::Integration>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM integrations WHERE project_id = $1 AND id = $2", $crate::storage::sql_connect::INTEGRATION_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::integration_row).transpose()
            }

            async fn integration_by_provider(&self, project: &str, provider: &str) -> Result<Option<$crate::storage::Integration>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM integrations WHERE project_id = $1 AND provider = $2", $crate::storage::sql_connect::INTEGRATION_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(provider).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::integration_row).transpose()
            }

            async fn create_flow(&self, f: &$crate::storage::Flow) -> Result<(), $crate::storage::StorageError> {
                sqlx::query(
                    "INSERT INTO oauth_flows (id, project_id, user_id, integration_id, origin, status, created_at, expires_at, updated_at, start_secret_hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $9)",
                )
                .bind(&f.id).bind(&f.project_id).bind(&f.user_id).bind(&f.integration_id).bind(&f.origin)
                .bind(f.status.as_str()).bind(f.created_at).bind(f.expires_at).bind(&f.start_secret_hash)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn flow(&self, id: &str) -> Result<Option<$crate::storage::Flow>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM oauth_flows WHERE id = $1", $crate::storage::sql_connect::FLOW_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::flow_row).transpose()
            }

            async fn start_flow(&self, id: &str, start: &$crate::storage::FlowStart<'_>, now: i64) -> Result<Option<$crate::storage::Flow>, $crate::storage::StorageError> {
                // Single use, and only with the flow's start secret: a `created`, unexpired flow
                // moves to `started`, bound to the browser that presented the secret.
                let done = sqlx::query(
                    "UPDATE oauth_flows SET status = 'started', state_hash = $3, pkce_verifier = $4, browser_hash = $5, updated_at = $6
                     WHERE id = $1 AND start_secret_hash = $2 AND status = 'created' AND expires_at > $6",
                )
                .bind(id).bind(start.secret_hash).bind(start.state_hash).bind(start.sealed_verifier).bind(start.browser_hash).bind(now)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 1 { self.flow(id).await } else { Ok(None) }
            }

            async fn flow_by_state(&self, state_hash: &[u8]) -> Result<Option<$crate::storage::Flow>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM oauth_flows WHERE state_hash = $1", $crate::storage::sql_connect::FLOW_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(state_hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::flow_row).transpose()
            }

            async fn take_flow_by_state(&self, state_hash: &[u8], browser_hash: &[u8], now: i64) -> Result<Option<$crate::storage::Flow>, $crate::storage::StorageError> {
                // Consumed atomically, and only by the browser that started the flow: of two
                // callbacks with one state, one moves the flow on; another browser's moves nothing.
                let id: Option<String> = sqlx::query_scalar(
                    "UPDATE oauth_flows SET status = 'exchanging', updated_at = $3
                     WHERE state_hash = $1 AND browser_hash = $2 AND status = 'started' AND expires_at > $3
                     RETURNING id",
                )
                .bind(state_hash).bind(browser_hash).bind(now)
                .fetch_optional(&self.pool)
                .await?;
                match id {
                    Some(id) => self.flow(&id).await,
                    None => Ok(None),
                }
            }

            async fn cancel_flow(&self, id: &str, error: &str, now: i64) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "UPDATE oauth_flows SET status = 'failed', error = $2, pkce_verifier = NULL, updated_at = $3
                     WHERE id = $1 AND status IN ('created', 'started')",
                )
                .bind(id).bind(error).bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_flow(&self, id: &str, status: $crate::storage::FlowStatus, credential_id: Option<&str>, error: Option<&str>, now: i64) -> Result<(), $crate::storage::StorageError> {
                sqlx::query("UPDATE oauth_flows SET status = $2, credential_id = $3, error = $4, pkce_verifier = NULL, updated_at = $5 WHERE id = $1")
                    .bind(id).bind(status.as_str()).bind(credential_id).bind(error).bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn save_credential(&self, c: &$crate::storage::Credential) -> Result<(), $crate::storage::StorageError> {
                let sql = format!(
                    "INSERT INTO credentials ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                     ON CONFLICT (project_id, user_id, integration_id) DO UPDATE SET status = excluded.status,
                       provider_id = excluded.provider_id, provider_data = excluded.provider_data,
                       access_token = excluded.access_token, refresh_token = excluded.refresh_token,
                       access_expires_at = excluded.access_expires_at, version = credentials.version + 1,
                       refreshing_until = NULL, refresh_failures = 0, updated_at = excluded.updated_at
                     WHERE credentials.id = excluded.id",
                    $crate::storage::sql_connect::CREDENTIAL_COLUMNS
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&c.id).bind(&c.project_id).bind(&c.user_id).bind(&c.integration_id).bind(c.status.as_str())
                    .bind(&c.provider_id).bind(serde_json::Value::Object(c.provider_data.clone()).to_string())
                    .bind(&c.access_token).bind(&c.refresh_token).bind(c.access_expires_at).bind(c.version)
                    .bind(c.refreshing_until).bind(c.created_at).bind(c.updated_at)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 1 {
                    Ok(())
                } else {
                    Err($crate::storage::StorageError::Conflict("the user's credential for this integration has another id".into()))
                }
            }

            async fn credential(&self, project: &str, id: &str) -> Result<Option<$crate::storage::Credential>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM credentials WHERE project_id = $1 AND id = $2", $crate::storage::sql_connect::CREDENTIAL_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::credential_row).transpose()
            }

            async fn credential_for(&self, project: &str, user: &str, integration: &str) -> Result<Option<$crate::storage::Credential>, $crate::storage::StorageError> {
                let sql = format!(
                    "SELECT {} FROM credentials WHERE project_id = $1 AND user_id = $2 AND integration_id = $3",
                    $crate::storage::sql_connect::CREDENTIAL_COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(user).bind(integration).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::credential_row).transpose()
            }

            async fn user_credentials(&self, project: &str, user: &str) -> Result<Vec<$crate::storage::Credential>, $crate::storage::StorageError> {
                let sql = format!(
                    "SELECT {} FROM credentials WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, id",
                    $crate::storage::sql_connect::CREDENTIAL_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(user).fetch_all(&self.pool).await?;
                rows.iter().map(Self::credential_row).collect()
            }

            async fn claim_refresh(&self, id: &str, version: i64, now: i64, lease_secs: i64) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "UPDATE credentials SET version = version + 1, refreshing_until = $3
                     WHERE id = $1 AND version = $2 AND (refreshing_until IS NULL OR refreshing_until < $4)",
                )
                .bind(id).bind(version).bind(now + lease_secs).bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn store_refreshed(&self, id: &str, claimed_version: i64, access: &[u8], refresh: Option<&[u8]>, expires_at: i64, now: i64) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "UPDATE credentials SET access_token = $3, refresh_token = COALESCE($4, refresh_token),
                       access_expires_at = $5, version = version + 1, refreshing_until = NULL, refresh_failures = 0,
                       status = 'VALID', refreshed_at = $6, updated_at = $6
                     WHERE id = $1 AND version = $2",
                )
                .bind(id).bind(claimed_version).bind(access).bind(refresh).bind(expires_at).bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_refresh(&self, id: &str, claimed_version: i64, status: $crate::storage::CredentialStatus, now: i64) -> Result<(), $crate::storage::StorageError> {
                sqlx::query(
                    "UPDATE credentials SET version = version + 1, refreshing_until = NULL, status = $3,
                       refresh_failures = refresh_failures + 1, updated_at = $4
                     WHERE id = $1 AND version = $2",
                )
                .bind(id).bind(claimed_version).bind(status.as_str()).bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delete_credential(&self, project: &str, id: &str) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query("DELETE FROM credentials WHERE project_id = $1 AND id = $2")
                    .bind(project).bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(super) use connect_storage;
