//! Operator console sessions ([`ConsoleStore`]), shared by both databases: created at sign-in,
//! read and touched on every console request, deleted at sign-out. Stored by the SHA-256 of
//! the session id (the cookie's value never reaches the database), so every replica can check
//! a cookie another one issued.

use std::fmt::Debug;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore},
};
use crate::ids::ProjectId;

/// A stored console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// SHA-256 of the session id.
    pub id_hash: Vec<u8>,
    /// The project it may see; `None` for the operator (every project).
    pub project_id: Option<ProjectId>,
    /// Unix ms.
    pub created_ms: i64,
    /// The last request it made, Unix ms (idle expiry counts from here).
    pub last_seen_ms: i64,
    /// Its absolute end, Unix ms.
    pub expires_ms: i64,
}

/// A project as the console's project list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    /// Its id.
    pub id: ProjectId,
    /// Its name.
    pub name: String,
}

/// Console sessions, and the project list operators pick from.
#[async_trait]
pub trait ConsoleStore: Send + Sync + Debug {
    /// Stores a new session.
    async fn create_console_session(&self, session: &ConsoleSession) -> Result<(), StorageError>;
    /// The session with this id hash, if it exists (expired or not: the caller decides).
    async fn console_session(&self, id_hash: &[u8])
    -> Result<Option<ConsoleSession>, StorageError>;
    /// Records a request of the session at `now_ms`.
    async fn touch_console_session(&self, id_hash: &[u8], now_ms: i64) -> Result<(), StorageError>;
    /// Deletes the session; `false` when there was none.
    async fn delete_console_session(&self, id_hash: &[u8]) -> Result<bool, StorageError>;
    /// Deletes sessions that ended before `now_ms` (absolute) or were idle since before
    /// `idle_before_ms`; returns how many.
    async fn purge_console_sessions(
        &self,
        now_ms: i64,
        idle_before_ms: i64,
    ) -> Result<u64, StorageError>;
    /// Every project, by name.
    async fn project_summaries(&self) -> Result<Vec<ProjectSummary>, StorageError>;
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id_hash: Vec<u8>,
    project_id: Option<String>,
    created_ms: i64,
    last_seen_ms: i64,
    expires_ms: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    name: String,
}

fn project(text: &str) -> Result<ProjectId, StorageError> {
    ProjectId::parse(text).ok_or_else(|| StorageError::Corrupt(format!("project id {text:?}")))
}

#[async_trait]
impl<DB> ConsoleStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    for<'b> &'b [u8]: Param<DB>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
{
    async fn create_console_session(&self, session: &ConsoleSession) -> Result<(), StorageError> {
        let project_id = session.project_id.map(|p| p.to_string());
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, project_id, created_ms, last_seen_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.id_hash.as_slice())
        .bind(project_id)
        .bind(session.created_ms)
        .bind(session.last_seen_ms)
        .bind(session.expires_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn console_session(
        &self,
        id_hash: &[u8],
    ) -> Result<Option<ConsoleSession>, StorageError> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT id_hash, project_id, created_ms, last_seen_ms, expires_ms
             FROM console_sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ConsoleSession {
                id_hash: r.id_hash,
                project_id: r.project_id.as_deref().map(project).transpose()?,
                created_ms: r.created_ms,
                last_seen_ms: r.last_seen_ms,
                expires_ms: r.expires_ms,
            })
        })
        .transpose()
    }

    async fn touch_console_session(&self, id_hash: &[u8], now_ms: i64) -> Result<(), StorageError> {
        // Never backwards: two replicas touching at once keep the later time.
        sqlx::query(
            "UPDATE console_sessions SET last_seen_ms = $2
             WHERE id_hash = $1 AND last_seen_ms < $2",
        )
        .bind(id_hash)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_console_session(&self, id_hash: &[u8]) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn purge_console_sessions(
        &self,
        now_ms: i64,
        idle_before_ms: i64,
    ) -> Result<u64, StorageError> {
        let done =
            sqlx::query("DELETE FROM console_sessions WHERE expires_ms <= $1 OR last_seen_ms < $2")
                .bind(now_ms)
                .bind(idle_before_ms)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    async fn project_summaries(&self) -> Result<Vec<ProjectSummary>, StorageError> {
        let rows: Vec<SummaryRow> =
            sqlx::query_as("SELECT id, name FROM projects ORDER BY name, id")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ProjectSummary {
                    id: project(&r.id)?,
                    name: r.name,
                })
            })
            .collect()
    }
}
