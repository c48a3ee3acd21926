//! Re-sealing every stored secret under the current master key (`paragon vault reseal`), so
//! that a retired or compromised key can be removed from `PARAGON_MASTER_KEY`, and so that
//! values sealed before users were bound (format version 1) gain the user binding.
//!
//! Safe to re-run: a value already in the current format under the current key is skipped.
//! Safe while servers run, provided they already have the new key first in their
//! `PARAGON_MASTER_KEY` (they then open both): each rewrite is a compare-and-set on the old
//! ciphertext (storage/vault.rs), so a token refreshed in between is never overwritten.

use super::{Aad, Binding, MasterKeys, UserBinding, VaultError};
use crate::storage::{SealedColumn, SealedValue, StorageError, Store};

/// How many rows are read per query.
pub const BATCH: i64 = 200;

/// What a run did, per column and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Values rewritten under the current key.
    pub resealed: u64,
    /// Values already current, left alone.
    pub current: u64,
    /// Values that changed between the read and the write (a refresh): the new one is current.
    pub changed: u64,
    /// Values that did not open (unknown key, wrong binding): left as they are, with why.
    pub failed: Vec<Failure>,
}

/// A value that could not be re-sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `table.column`.
    pub column: String,
    /// The row id.
    pub row: String,
    /// Why it did not open.
    pub error: VaultError,
}

/// Re-seals every sealed column of `store` under the current key of `keys`, `batch` rows at a
/// time.
pub async fn reseal(store: &Store, keys: &MasterKeys, batch: i64) -> Result<Report, StorageError> {
    let mut report = Report::default();
    for column in SealedColumn::ALL {
        let mut after = String::new();
        loop {
            let values = store.sealed_values(column, &after, batch.max(1)).await?;
            let Some(last) = values.last() else { break };
            after = last.row.clone();
            for value in &values {
                reseal_one(store, keys, column, value, &mut report).await?;
            }
        }
    }
    Ok(report)
}

async fn reseal_one(
    store: &Store,
    keys: &MasterKeys,
    column: SealedColumn,
    value: &SealedValue,
    report: &mut Report,
) -> Result<(), StorageError> {
    if keys.is_current(&value.sealed) {
        report.current += 1;
        return Ok(());
    }
    let aad = binding(column, value);
    let plaintext = match keys.open(&value.sealed, aad) {
        Ok(plaintext) => plaintext,
        Err(error) => {
            report.failed.push(Failure {
                column: format!("{}.{}", column.table(), column.column()),
                row: value.row.clone(),
                error,
            });
            return Ok(());
        }
    };
    let sealed = keys.seal(&plaintext, aad);
    if store
        .replace_sealed(column, &value.row, &value.sealed, &sealed)
        .await?
    {
        report.resealed += 1;
    } else {
        report.changed += 1;
    }
    Ok(())
}

/// The binding each column is sealed with (the same as where it is sealed and opened:
/// connect/integrations.rs, connect/flows.rs, connect/credentials.rs).
fn binding(column: SealedColumn, value: &SealedValue) -> Aad<'_> {
    match (&value.user, column.user_bound()) {
        (Some(user), true) => UserBinding {
            project: &value.project,
            user,
            row: &value.row,
            column: column.column(),
        }
        .into(),
        _ => Binding {
            project: &value.project,
            row: &value.row,
            column: column.column(),
        }
        .into(),
    }
}
