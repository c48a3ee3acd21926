//! The queries both backends share, written once.
//!
//! The schema keeps to types both databases read the same way through sqlx (TEXT, BIGINT,
//! BLOB/BYTEA) and the SQL to what both speak (`$N` parameters, which sqlx maps by number on
//! SQLite too, `ON CONFLICT`, `RETURNING`). `project_storage!` expands this one implementation for
//! each backend's pool type; what differs (connection setup, migrations, and later the run
//! queue's locking) lives in `sqlite.rs` and `postgres.rs`.

use serde_json::{Map, Value};

use super::{Project, StorageError};
use crate::{ids::ProjectId, origin::Origin};

/// How many times a metadata merge retries when another writer got in between.
pub(super) const MERGE_ATTEMPTS: usize = 8;

pub(super) fn origins_to_json(origins: &[Origin]) -> String {
    let list: Vec<&str> = origins.iter().map(Origin::as_str).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

pub(super) fn project_from_parts(
    id: &str,
    name: String,
    origins: &str,
    max_token_lifetime_secs: i64,
    created_at: i64,
) -> Result<Project, StorageError> {
    let id =
        ProjectId::parse(id).ok_or_else(|| StorageError::Corrupt(format!("project id {id:?}")))?;
    let raw: Vec<String> = serde_json::from_str(origins)
        .map_err(|e| StorageError::Corrupt(format!("origins: {e}")))?;
    // An origin stored before the parser became strict (one with `;`, `,` or another character
    // no browser sends) could never match a browser's `Origin`: it is left out with a warning
    // instead of making the whole project unreadable. The next origin update rewrites the list.
    let allowed_origins = raw
        .iter()
        .filter_map(|o| match Origin::parse(o) {
            Ok(origin) => Some(origin),
            Err(error) => {
                tracing::warn!(project = %id, %error, "ignoring a stored origin no browser can send");
                None
            }
        })
        .collect();
    Ok(Project {
        id,
        name,
        allowed_origins,
        max_token_lifetime_secs,
        created_at,
    })
}

pub(super) fn meta_from_json(text: &str) -> Result<Map<String, Value>, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("user meta: {e}")))
}

macro_rules! project_storage {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::ProjectStore for $store {
            async fn create_project(
                &self,
                project: &$crate::storage::Project,
                api_key_hash: &[u8],
            ) -> Result<(), $crate::storage::StorageError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO projects (id, name, allowed_origins, max_token_lifetime_secs, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(project.id.to_string())
                .bind(&project.name)
                .bind($crate::storage::sql_projects::origins_to_json(&project.allowed_origins))
                .bind(project.max_token_lifetime_secs)
                .bind(project.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| $crate::storage::StorageError::on_unique(e, "a project with this id exists"))?;
                sqlx::query("INSERT INTO api_keys (key_hash, project_id, created_at) VALUES ($1, $2, $3)")
                    .bind(api_key_hash)
                    .bind(project.id.to_string())
                    .bind(project.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| $crate::storage::StorageError::on_unique(e, "this API key exists"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn project(
                &self,
                id: $crate::ids::ProjectId,
            ) -> Result<Option<$crate::storage::Project>, $crate::storage::StorageError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, name, allowed_origins, max_token_lifetime_secs, created_at
                     FROM projects WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    $crate::storage::sql_projects::project_from_parts(
                        &r.try_get::<String, _>("id")?,
                        r.try_get("name")?,
                        &r.try_get::<String, _>("allowed_origins")?,
                        r.try_get("max_token_lifetime_secs")?,
                        r.try_get("created_at")?,
                    )
                })
                .transpose()
            }

            async fn update_project(
                &self,
                project: &$crate::storage::Project,
            ) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "UPDATE projects SET name = $2, allowed_origins = $3, max_token_lifetime_secs = $4
                     WHERE id = $1",
                )
                .bind(project.id.to_string())
                .bind(&project.name)
                .bind($crate::storage::sql_projects::origins_to_json(&project.allowed_origins))
                .bind(project.max_token_lifetime_secs)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn project_of_api_key(
                &self,
                api_key_hash: &[u8],
            ) -> Result<Option<$crate::ids::ProjectId>, $crate::storage::StorageError> {
                let id: Option<String> = sqlx::query_scalar(
                    "SELECT project_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                )
                .bind(api_key_hash)
                .fetch_optional(&self.pool)
                .await?;
                id.map(|id| {
                    $crate::ids::ProjectId::parse(&id)
                        .ok_or_else(|| $crate::storage::StorageError::Corrupt(format!("project id {id:?}")))
                })
                .transpose()
            }

            async fn add_signing_key(
                &self,
                project: $crate::ids::ProjectId,
                key: &$crate::auth::signing_key::PublicKey,
                now: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                // A key active in two projects would make each accept the other's tokens (a
                // token names its key by thumbprint only): the insert happens only if no other
                // project holds the key unrevoked. The lock serializes registrations where two
                // writers can run at once (PostgreSQL); SQLite has one writer anyway.
                let mut tx = self.pool.begin().await?;
                if let Some(lock) = Self::KEY_REGISTRATION_LOCK {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                let done = sqlx::query(
                    "INSERT INTO signing_keys (project_id, kid, modulus, exponent, bits, created_at)
                     SELECT $1, $2, $3, $4, $5, $6
                     WHERE NOT EXISTS (
                         SELECT 1 FROM signing_keys
                         WHERE kid = $2 AND project_id <> $1 AND revoked_at IS NULL
                     )",
                )
                .bind(project.to_string())
                .bind(key.kid.as_str())
                .bind(&key.n)
                .bind(&key.e)
                .bind(i64::from(key.bits))
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| $crate::storage::StorageError::on_unique(e, "the project has this key already"))?;
                if done.rows_affected() == 0 {
                    return Err($crate::storage::StorageError::Conflict(
                        "this public key is an active signing key of another project; a key signs for one \
                         project only: generate a new key pair for this project"
                            .into(),
                    ));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn signing_keys(
                &self,
                project: $crate::ids::ProjectId,
            ) -> Result<Vec<$crate::storage::SigningKeyRecord>, $crate::storage::StorageError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT kid, modulus, exponent, bits, created_at, revoked_at FROM signing_keys
                     WHERE project_id = $1 ORDER BY created_at, kid",
                )
                .bind(project.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let kid: String = r.try_get("kid")?;
                        let kid = $crate::ids::Kid::parse(&kid)
                            .ok_or_else(|| $crate::storage::StorageError::Corrupt(format!("kid {kid:?}")))?;
                        let bits: i64 = r.try_get("bits")?;
                        Ok($crate::storage::SigningKeyRecord {
                            key: $crate::auth::signing_key::PublicKey {
                                kid,
                                n: r.try_get("modulus")?,
                                e: r.try_get("exponent")?,
                                bits: u32::try_from(bits)
                                    .map_err(|_| $crate::storage::StorageError::Corrupt(format!("bits {bits}")))?,
                            },
                            created_at: r.try_get("created_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                        })
                    })
                    .collect()
            }

            async fn revoke_signing_key(
                &self,
                project: $crate::ids::ProjectId,
                kid: &$crate::ids::Kid,
                now: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "UPDATE signing_keys SET revoked_at = $3
                     WHERE project_id = $1 AND kid = $2 AND revoked_at IS NULL",
                )
                .bind(project.to_string())
                .bind(kid.as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn ensure_user(
                &self,
                project: $crate::ids::ProjectId,
                user: &$crate::ids::UserId,
                now: i64,
            ) -> Result<$crate::storage::User, $crate::storage::StorageError> {
                use sqlx::Row;
                const SELECT: &str = "SELECT meta, created_at FROM users WHERE project_id = $1 AND id = $2";
                // Read first: every authenticated request lands here, and most users exist.
                let mut row = sqlx::query(SELECT)
                    .bind(project.to_string())
                    .bind(user.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                if row.is_none() {
                    sqlx::query(
                        "INSERT INTO users (project_id, id, meta, version, created_at) VALUES ($1, $2, '{}', 0, $3)
                         ON CONFLICT (project_id, id) DO NOTHING",
                    )
                    .bind(project.to_string())
                    .bind(user.as_str())
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    row = Some(
                        sqlx::query(SELECT)
                            .bind(project.to_string())
                            .bind(user.as_str())
                            .fetch_one(&self.pool)
                            .await?,
                    );
                }
                let row = row.ok_or_else(|| $crate::storage::StorageError::Corrupt("user row".into()))?;
                Ok($crate::storage::User {
                    id: user.clone(),
                    meta: $crate::storage::sql_projects::meta_from_json(&row.try_get::<String, _>("meta")?)?,
                    created_at: row.try_get("created_at")?,
                })
            }

            async fn merge_user_meta(
                &self,
                project: $crate::ids::ProjectId,
                user: &$crate::ids::UserId,
                patch: &serde_json::Map<String, serde_json::Value>,
            ) -> Result<Option<$crate::storage::User>, $crate::storage::StorageError> {
                use sqlx::Row;
                // Optimistic: read, merge in Rust (the same rule on both backends), write if
                // nobody wrote in between, else try again with what they wrote.
                for _ in 0..$crate::storage::sql_projects::MERGE_ATTEMPTS {
                    let Some(row) = sqlx::query(
                        "SELECT meta, version, created_at FROM users WHERE project_id = $1 AND id = $2",
                    )
                    .bind(project.to_string())
                    .bind(user.as_str())
                    .fetch_optional(&self.pool)
                    .await?
                    else {
                        return Ok(None);
                    };
                    let mut meta = $crate::storage::sql_projects::meta_from_json(&row.try_get::<String, _>("meta")?)?;
                    let version: i64 = row.try_get("version")?;
                    $crate::storage::merge_meta(&mut meta, patch);
                    let text = serde_json::Value::Object(meta.clone()).to_string();
                    // The cap is on the merged result: small patches add up.
                    if text.len() > $crate::storage::MAX_USER_META_BYTES {
                        return Err($crate::storage::StorageError::TooLarge(format!(
                            "the user's metadata would be {} bytes of JSON, over the limit of {}: store less, or remove keys by setting them to null",
                            text.len(),
                            $crate::storage::MAX_USER_META_BYTES
                        )));
                    }
                    let done = sqlx::query(
                        "UPDATE users SET meta = $3, version = version + 1
                         WHERE project_id = $1 AND id = $2 AND version = $4",
                    )
                    .bind(project.to_string())
                    .bind(user.as_str())
                    .bind(text)
                    .bind(version)
                    .execute(&self.pool)
                    .await?;
                    if done.rows_affected() == 1 {
                        return Ok(Some($crate::storage::User {
                            id: user.clone(),
                            meta,
                            created_at: row.try_get("created_at")?,
                        }));
                    }
                }
                Err($crate::storage::StorageError::Conflict(
                    "the user's metadata is being changed by many writers at once; try again".into(),
                ))
            }
        }
    };
}

pub(super) use project_storage;
