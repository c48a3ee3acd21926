//! [`SqlStore`]: the storage on one SQL database, a single implementation for SQLite and
//! PostgreSQL.
//!
//! The schema keeps to types both databases read the same way through sqlx (TEXT, BIGINT,
//! BLOB/BYTEA) and the SQL to what both speak (`$N` parameters, which sqlx maps by number on
//! SQLite too, `ON CONFLICT`, `RETURNING`), so each query is written once, in the file of its
//! concept (projects.rs, connect.rs, engine.rs, vault.rs, bounds.rs), generic over the database.
//! What truly differs is carried by [`Backend`] and lives in sqlite.rs and postgres.rs: the
//! connection setup and migrations, the run claim's lock clause, the signing-key registration
//! lock, the App Events counter and waking engines (LISTEN/NOTIFY).

use std::{fmt, future::Future};

use sqlx::{Database, Decode, Encode, IntoArguments, Pool, Type, database::HasStatementCache};

use super::{EventCount, EventHits, StorageError};

/// The platform's state in one SQL database.
pub struct SqlStore<DB: Database> {
    pub(super) pool: Pool<DB>,
}

impl<DB: Database> SqlStore<DB> {
    /// The store on an open (and migrated) pool.
    pub(super) fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

impl<DB: Database> fmt::Debug for SqlStore<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("database", &DB::NAME)
            .finish_non_exhaustive()
    }
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
        }
    }
}

/// A database the shared queries run on, with what differs between the two.
///
/// Bounds that sqlx states on other types than the database (that `i64` encodes for it, that
/// its connections execute queries) cannot be implied by a trait, so the generic implementations
/// repeat them in their `where` clauses; the ones on the database itself are here.
pub trait Backend:
    Database<Arguments: IntoArguments<Self>, QueryResult: RowsAffected> + HasStatementCache
{
    /// What the run and schedule claims add to their inner select to lock the rows they take
    /// (and skip those another transaction holds).
    const CLAIM_LOCK: &'static str;
    /// A statement run first in a signing-key registration's transaction, where two writers
    /// can run at once.
    const KEY_REGISTRATION_LOCK: Option<&'static str>;
    /// What a select of a parent row adds so that a child inserted from it in the same
    /// statement finds it still there: PostgreSQL's `FOR KEY SHARE` waits for (and then skips)
    /// a concurrent delete instead of failing the foreign key; SQLite has one writer at a time.
    const PARENT_LOCK: &'static str;

    /// Counts an App Event in its user's and its project's windows ([`super::BoundsStore`]).
    fn count_event_hits(
        pool: &Pool<Self>,
        count: &EventCount<'_>,
    ) -> impl Future<Output = Result<EventHits, StorageError>> + Send;
}

/// How many rows a statement changed (sqlx has it on each database's result type, not in a
/// trait).
pub trait RowsAffected {
    /// The count.
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// A Rust type the shared queries bind and read as one column.
pub trait Column<DB: Database>:
    Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Send + Sync
{
}

impl<DB: Database, T> Column<DB> for T where
    T: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Send + Sync
{
}

/// A borrowed value the shared queries bind (`&str`, `&[u8]`).
pub trait Param<DB: Database>: Type<DB> + for<'q> Encode<'q, DB> + Send {}

impl<DB: Database, T> Param<DB> for T where T: Type<DB> + for<'q> Encode<'q, DB> + Send {}

/// Parses a stored JSON text; a text that does not parse is [`StorageError::Corrupt`].
pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("{what}: {e}")))
}
