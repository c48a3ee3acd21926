//! The sealed columns, listed and rewritten for `paragon vault reseal`, written once for both
//! backends like `sql_projects.rs`.
//!
//! A rewrite is a compare-and-set on the ciphertext itself: it lands only if the column still
//! holds the bytes that were read, so a refresh (or a reconnect) that stored a new token in
//! between wins, and its token, already sealed under the current key, is left alone. The
//! credential's `version` is not touched: refresh claims (connect/credentials.rs) go on as if
//! nothing happened.

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
}

impl SealedColumn {
    /// Every sealed column of the schema.
    pub const ALL: [Self; 4] = [
        Self::ClientSecret,
        Self::AccessToken,
        Self::RefreshToken,
        Self::PkceVerifier,
    ];

    /// The table.
    pub fn table(self) -> &'static str {
        match self {
            Self::ClientSecret => "integrations",
            Self::AccessToken | Self::RefreshToken => "credentials",
            Self::PkceVerifier => "oauth_flows",
        }
    }

    /// The column, also the binding's `column`.
    pub fn column(self) -> &'static str {
        match self {
            Self::ClientSecret => "client_secret",
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::PkceVerifier => "pkce_verifier",
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

macro_rules! vault_storage {
    ($store:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::VaultStore for $store {
            async fn sealed_values(
                &self,
                column: $crate::storage::SealedColumn,
                after_row: &str,
                limit: i64,
            ) -> Result<Vec<$crate::storage::SealedValue>, $crate::storage::StorageError> {
                use sqlx::Row;
                // Table and column come from the enum above, never from input.
                let user = if column.user_bound() { ", user_id" } else { "" };
                let sql = format!(
                    "SELECT id, project_id{user}, {col} AS sealed FROM {table}
                     WHERE id > $1 AND {col} IS NOT NULL ORDER BY id LIMIT $2",
                    col = column.column(),
                    table = column.table(),
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after_row)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r: &$row| {
                        Ok($crate::storage::SealedValue {
                            project: r.try_get("project_id")?,
                            user: if column.user_bound() {
                                Some(r.try_get("user_id")?)
                            } else {
                                None
                            },
                            row: r.try_get("id")?,
                            sealed: r.try_get("sealed")?,
                        })
                    })
                    .collect()
            }

            async fn replace_sealed(
                &self,
                column: $crate::storage::SealedColumn,
                row: &str,
                old: &[u8],
                new: &[u8],
            ) -> Result<bool, $crate::storage::StorageError> {
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
    };
}
pub(super) use vault_storage;
