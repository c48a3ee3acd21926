//! The sealed columns, listed and rewritten for `paragon vault reseal`: the [`VaultStore`]
//! trait and its queries, shared by both databases.
//!
//! A rewrite is a compare-and-set on the ciphertext itself: it lands only if the column still
//! holds the bytes that were read, so a refresh (or a reconnect) that stored a new token in
//! between wins, and its token, already sealed under the current key, is left alone. The
//! credential's `version` is not touched: refresh claims (connect/credentials.rs) go on as if
//! nothing happened.

use std::fmt::Debug;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore},
};

/// Every sealed column, for `paragon vault reseal`.
#[async_trait]
pub trait VaultStore: Send + Sync + Debug {
    /// Up to `limit` non-null values of `column` in rows whose id sorts after `after_row`
    /// (`""` for the first page), by id.
    async fn sealed_values(
        &self,
        column: SealedColumn,
        after_row: &str,
        limit: i64,
    ) -> Result<Vec<SealedValue>, StorageError>;
    /// Writes `new` where the column still holds `old`; `false` if it changed meanwhile.
    async fn replace_sealed(
        &self,
        column: SealedColumn,
        row: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<bool, StorageError>;
}

/// A column the vault seals, with what its binding is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    /// `integrations.client_secret`.
    ClientSecret,
    /// `credentials.access_token` (bound to the user too).
    AccessToken,
    /// `credentials.refresh_token` (bound to the user too).
    RefreshToken,
    /// `oauth_flows.pkce_verifier`.
    PkceVerifier,
    /// `webhook_endpoints.secret`.
    WebhookSecret,
}

impl SealedColumn {
    /// Every sealed column of the schema.
    pub const ALL: [Self; 5] = [
        Self::ClientSecret,
        Self::AccessToken,
        Self::RefreshToken,
        Self::PkceVerifier,
        Self::WebhookSecret,
    ];

    /// The table.
    pub fn table(self) -> &'static str {
        match self {
            Self::ClientSecret => "integrations",
            Self::AccessToken | Self::RefreshToken => "credentials",
            Self::PkceVerifier => "oauth_flows",
            Self::WebhookSecret => "webhook_endpoints",
        }
    }

    /// The column, also the binding's `column`.
    pub fn column(self) -> &'static str {
        match self {
            Self::ClientSecret => "client_secret",
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::PkceVerifier => "pkce_verifier",
            Self::WebhookSecret => "secret",
        }
    }

    /// Whether the binding includes the row's user (a credential's tokens).
    pub fn user_bound(self) -> bool {
        matches!(self, Self::AccessToken | Self::RefreshToken)
    }
}

/// One sealed value and what it is bound to.
#[derive(Debug, Clone)]
pub struct SealedValue {
    /// The project id.
    pub project: String,
    /// The user, for user-bound columns.
    pub user: Option<String>,
    /// The row id.
    pub row: String,
    /// The ciphertext.
    pub sealed: Vec<u8>,
}

/// A row of a sealed column (`user_id` only for user-bound columns).
#[derive(sqlx::FromRow)]
struct SealedRow {
    id: String,
    project_id: String,
    #[sqlx(default)]
    user_id: Option<String>,
    sealed: Vec<u8>,
}

#[async_trait]
impl<DB> VaultStore for SqlStore<DB>
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
    async fn sealed_values(
        &self,
        column: SealedColumn,
        after_row: &str,
        limit: i64,
    ) -> Result<Vec<SealedValue>, StorageError> {
        // Table and column come from the enum above, never from input.
        let user = if column.user_bound() { ", user_id" } else { "" };
        let sql = format!(
            "SELECT id, project_id{user}, {col} AS sealed FROM {table}
             WHERE id > $1 AND {col} IS NOT NULL ORDER BY id LIMIT $2",
            col = column.column(),
            table = column.table(),
        );
        let rows: Vec<SealedRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after_row)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                if column.user_bound() && r.user_id.is_none() {
                    return Err(StorageError::Corrupt(format!("{} without a user", r.id)));
                }
                Ok(SealedValue {
                    project: r.project_id,
                    user: r.user_id,
                    row: r.id,
                    sealed: r.sealed,
                })
            })
            .collect()
    }

    async fn replace_sealed(
        &self,
        column: SealedColumn,
        row: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<bool, StorageError> {
        let sql = format!(
            "UPDATE {table} SET {col} = $3 WHERE id = $1 AND {col} = $2",
            col = column.column(),
            table = column.table(),
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(row)
            .bind(old)
            .bind(new)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
