//! Projects, their API keys and signing keys, and their users: the records, the
//! [`ProjectStore`] trait and its queries, shared by both databases.

use std::fmt::Debug;

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore, from_json},
};
use crate::{
    auth::signing_key::PublicKey,
    ids::{Kid, ProjectId, UserId},
    origin::Origin,
};

/// Default maximum lifetime of a user token: a day, so that a leaked token is not good for long
/// while an app can still mint tokens for a working day.
pub const DEFAULT_MAX_TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// The largest a user's stored metadata may be, as compact JSON. The app writes metadata with
/// the user's token from the browser, so without a cap one user could grow their row (and every
/// `GET /sdk/me` answer) without end; 64 KiB is far above names, emails and a few settings.
pub const MAX_USER_META_BYTES: usize = 64 * 1024;

/// A project: one app that embeds the SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its id.
    pub id: ProjectId,
    /// A name for people.
    pub name: String,
    /// The app's origins.
    pub allowed_origins: Vec<Origin>,
    /// The longest accepted `exp - iat` of its user tokens.
    pub max_token_lifetime_secs: i64,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// A stored signing key (public half).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    /// The key.
    pub key: PublicKey,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds; `None` while active.
    pub revoked_at: Option<i64>,
}

/// An end user of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The token's `sub`.
    pub id: UserId,
    /// The app's metadata about the user.
    pub meta: Map<String, Value>,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// Applies a `PATCH /sdk/me` to stored metadata: each key replaces the stored one, `null`
/// removes it (a shallow merge; nested objects are replaced whole).
pub fn merge_meta(stored: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            stored.remove(key);
        } else {
            stored.insert(key.clone(), value.clone());
        }
    }
}

/// Projects, their keys and their users. Every method is one transaction.
#[async_trait]
pub trait ProjectStore: Send + Sync + Debug {
    /// Creates a project with its first API key (stored as a hash).
    async fn create_project(
        &self,
        project: &Project,
        api_key_hash: &[u8],
    ) -> Result<(), StorageError>;
    /// A project by id.
    async fn project(&self, id: ProjectId) -> Result<Option<Project>, StorageError>;
    /// Writes a project's name, origins and token lifetime; `false` if it does not exist.
    async fn update_project(&self, project: &Project) -> Result<bool, StorageError>;
    /// The project an API key belongs to, if the key is known and not revoked.
    async fn project_of_api_key(
        &self,
        api_key_hash: &[u8],
    ) -> Result<Option<ProjectId>, StorageError>;
    /// Adds a signing key; [`StorageError::Conflict`] if the project has that `kid` already or
    /// another project has it active.
    async fn add_signing_key(
        &self,
        project: ProjectId,
        key: &PublicKey,
        now: i64,
    ) -> Result<(), StorageError>;
    /// Every signing key of a project, revoked ones included, oldest first.
    async fn signing_keys(&self, project: ProjectId)
    -> Result<Vec<SigningKeyRecord>, StorageError>;
    /// Revokes a key at once; `false` if the project has no such active key.
    async fn revoke_signing_key(
        &self,
        project: ProjectId,
        kid: &Kid,
        now: i64,
    ) -> Result<bool, StorageError>;
    /// The user, created on first sight (the first valid token for a `sub` creates it).
    async fn ensure_user(
        &self,
        project: ProjectId,
        user: &UserId,
        now: i64,
    ) -> Result<User, StorageError>;
    /// Merges `patch` into the user's metadata ([`merge_meta`]); `None` if there is no such user,
    /// [`StorageError::TooLarge`] (nothing written) if the result would pass
    /// [`MAX_USER_META_BYTES`].
    async fn merge_user_meta(
        &self,
        project: ProjectId,
        user: &UserId,
        patch: &Map<String, Value>,
    ) -> Result<Option<User>, StorageError>;
}

/// How many times a metadata merge retries when another writer got in between.
const MERGE_ATTEMPTS: usize = 8;

/// A `projects` row.
#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: ProjectId,
    name: String,
    allowed_origins: String,
    max_token_lifetime_secs: i64,
    created_at: i64,
}

impl TryFrom<ProjectRow> for Project {
    type Error = StorageError;

    fn try_from(row: ProjectRow) -> Result<Self, StorageError> {
        let id = row.id;
        let raw: Vec<String> = from_json(&row.allowed_origins, "origins")?;
        // An origin stored before the parser became strict (one with `;`, `,` or another
        // character no browser sends) could never match a browser's `Origin`: it is left out
        // with a warning instead of making the whole project unreadable. The next origin update
        // rewrites the list.
        let allowed_origins = raw.iter().filter_map(|o| stored_origin(id, o)).collect();
        Ok(Self {
            id,
            name: row.name,
            allowed_origins,
            max_token_lifetime_secs: row.max_token_lifetime_secs,
            created_at: row.created_at,
        })
    }
}

/// A `signing_keys` row.
#[derive(sqlx::FromRow)]
struct SigningKeyRow {
    kid: Kid,
    modulus: String,
    exponent: String,
    bits: i64,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<SigningKeyRow> for SigningKeyRecord {
    type Error = StorageError;

    fn try_from(row: SigningKeyRow) -> Result<Self, StorageError> {
        let bits = u32::try_from(row.bits)
            .map_err(|_| StorageError::Corrupt(format!("bits {}", row.bits)))?;
        Ok(Self {
            key: PublicKey {
                kid: row.kid,
                n: row.modulus,
                e: row.exponent,
                bits,
            },
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// The stored part of a `users` row (the id is the caller's).
#[derive(sqlx::FromRow)]
struct UserRow {
    meta: String,
    version: i64,
    created_at: i64,
}

impl UserRow {
    fn into_user(self, id: &UserId) -> Result<User, StorageError> {
        Ok(User {
            id: id.clone(),
            meta: from_json(&self.meta, "user meta")?,
            created_at: self.created_at,
        })
    }
}

/// A stored origin; one that no longer parses is left out with a warning.
fn stored_origin(project: ProjectId, text: &str) -> Option<Origin> {
    match Origin::parse(text) {
        Ok(origin) => Some(origin),
        Err(error) => {
            tracing::warn!(%project, %error, "ignoring a stored origin no browser can send");
            None
        }
    }
}

fn origins_to_json(origins: &[Origin]) -> String {
    let list: Vec<&str> = origins.iter().map(Origin::as_str).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl<DB> ProjectStore for SqlStore<DB>
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
    async fn create_project(
        &self,
        project: &Project,
        api_key_hash: &[u8],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO projects (id, name, allowed_origins, max_token_lifetime_secs, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project.id)
        .bind(&project.name)
        .bind(origins_to_json(&project.allowed_origins))
        .bind(project.max_token_lifetime_secs)
        .bind(project.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, "a project with this id exists"))?;
        sqlx::query("INSERT INTO api_keys (key_hash, project_id, created_at) VALUES ($1, $2, $3)")
            .bind(api_key_hash)
            .bind(project.id)
            .bind(project.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::on_unique(e, "this API key exists"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn project(&self, id: ProjectId) -> Result<Option<Project>, StorageError> {
        let row: Option<ProjectRow> = sqlx::query_as(
            "SELECT id, name, allowed_origins, max_token_lifetime_secs, created_at
             FROM projects WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Project::try_from).transpose()
    }

    async fn update_project(&self, project: &Project) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE projects SET name = $2, allowed_origins = $3, max_token_lifetime_secs = $4
             WHERE id = $1",
        )
        .bind(project.id)
        .bind(&project.name)
        .bind(origins_to_json(&project.allowed_origins))
        .bind(project.max_token_lifetime_secs)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn project_of_api_key(
        &self,
        api_key_hash: &[u8],
    ) -> Result<Option<ProjectId>, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT project_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(api_key_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn add_signing_key(
        &self,
        project: ProjectId,
        key: &PublicKey,
        now: i64,
    ) -> Result<(), StorageError> {
        // A key active in two projects would make each accept the other's tokens (a token
        // names its key by thumbprint only): the insert happens only if no other project holds
        // the key unrevoked. The lock serializes registrations where two writers can run at
        // once (PostgreSQL); SQLite has one writer anyway.
        let mut tx = self.pool.begin().await?;
        if let Some(lock) = DB::KEY_REGISTRATION_LOCK {
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
        .bind(project)
        .bind(&key.kid)
        .bind(&key.n)
        .bind(&key.e)
        .bind(i64::from(key.bits))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, "the project has this key already"))?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict(
                "this public key is an active signing key of another project; a key signs for \
                 one project only: generate a new key pair for this project"
                    .into(),
            ));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn signing_keys(
        &self,
        project: ProjectId,
    ) -> Result<Vec<SigningKeyRecord>, StorageError> {
        let rows: Vec<SigningKeyRow> = sqlx::query_as(
            "SELECT kid, modulus, exponent, bits, created_at, revoked_at FROM signing_keys
             WHERE project_id = $1 ORDER BY created_at, kid",
        )
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SigningKeyRecord::try_from).collect()
    }

    async fn revoke_signing_key(
        &self,
        project: ProjectId,
        kid: &Kid,
        now: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE signing_keys SET revoked_at = $3
             WHERE project_id = $1 AND kid = $2 AND revoked_at IS NULL",
        )
        .bind(project)
        .bind(kid)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn ensure_user(
        &self,
        project: ProjectId,
        user: &UserId,
        now: i64,
    ) -> Result<User, StorageError> {
        const SELECT: &str =
            "SELECT meta, version, created_at FROM users WHERE project_id = $1 AND id = $2";
        // Read first: every authenticated request lands here, and most users exist.
        let row: Option<UserRow> = sqlx::query_as(SELECT)
            .bind(project)
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = row {
            return row.into_user(user);
        }
        sqlx::query(
            "INSERT INTO users (project_id, id, meta, version, created_at)
             VALUES ($1, $2, '{}', 0, $3)
             ON CONFLICT (project_id, id) DO NOTHING",
        )
        .bind(project)
        .bind(user)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row: UserRow = sqlx::query_as(SELECT)
            .bind(project)
            .bind(user)
            .fetch_one(&self.pool)
            .await?;
        row.into_user(user)
    }

    async fn merge_user_meta(
        &self,
        project: ProjectId,
        user: &UserId,
        patch: &Map<String, Value>,
    ) -> Result<Option<User>, StorageError> {
        // Optimistic: read, merge in Rust (the same rule on both backends), write if nobody
        // wrote in between, else try again with what they wrote.
        for _ in 0..MERGE_ATTEMPTS {
            let Some(row): Option<UserRow> = sqlx::query_as(
                "SELECT meta, version, created_at FROM users WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(user)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let version = row.version;
            let mut stored = row.into_user(user)?;
            merge_meta(&mut stored.meta, patch);
            let text = Value::Object(stored.meta.clone()).to_string();
            // The cap is on the merged result: small patches add up.
            if text.len() > MAX_USER_META_BYTES {
                return Err(StorageError::TooLarge(format!(
                    "the user's metadata would be {} bytes of JSON, over the limit of \
                     {MAX_USER_META_BYTES}: store less, or remove keys by setting them to null",
                    text.len(),
                )));
            }
            let done = sqlx::query(
                "UPDATE users SET meta = $3, version = version + 1
                 WHERE project_id = $1 AND id = $2 AND version = $4",
            )
            .bind(project)
            .bind(user)
            .bind(text)
            .bind(version)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 1 {
                return Ok(Some(stored));
            }
        }
        Err(StorageError::Conflict(
            "the user's metadata is being changed by many writers at once; try again".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_patch_replaces_adds_and_removes_top_level_keys() {
        let mut stored = json!({"Name": "Ann", "plan": {"tier": 1}, "gone": true});
        let patch = json!({"plan": {"seats": 3}, "Email": "a@x.test", "gone": null});

        merge_meta(
            stored.as_object_mut().expect("object"),
            patch.as_object().expect("object"),
        );

        assert_eq!(
            stored,
            json!({"Name": "Ann", "plan": {"seats": 3}, "Email": "a@x.test"})
        );
    }
}
