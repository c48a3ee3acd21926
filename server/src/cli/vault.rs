//! `paragon vault …`

use clap::Subcommand;

use super::StorageArgs;
use crate::{
    error::ServerError,
    storage,
    vault::{MasterKeys, reseal},
};

/// Vault commands.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Print a new random master key for PARAGON_MASTER_KEY (32 bytes, base64). To rotate, put
    /// the new one first: PARAGON_MASTER_KEY="k2:NEW,k1:OLD".
    NewKey,
    /// Re-seal every stored secret (client secrets, OAuth tokens, PKCE verifiers) under the
    /// first key of PARAGON_MASTER_KEY, so that the others can be removed.
    ///
    /// Rotation: 1) restart every server with PARAGON_MASTER_KEY="k2:NEW,k1:OLD";
    /// 2) run `paragon vault reseal` with the same value (safe while the servers run, safe to
    /// run again); 3) when it reports no failure, restart with PARAGON_MASTER_KEY="k2:NEW".
    Reseal {
        /// Where the state lives.
        #[command(flatten)]
        storage: StorageArgs,
    },
}

impl VaultCommand {
    pub(super) async fn run(self) -> Result<(), ServerError> {
        match self {
            Self::NewKey => {
                println!("k1:{}", MasterKeys::generate_encoded());
                Ok(())
            }
            Self::Reseal { storage } => {
                // PARAGON_MASTER_KEY only: the demo key file holds one key, nothing to rotate.
                let keys = super::master_keys(&storage.data_dir, false)?;
                let store = storage::open(&storage.location()?).await?;
                let report = reseal::reseal(&store, &keys, reseal::BATCH).await?;
                println!(
                    "resealed {} values under key {} ({} already current, {} changed meanwhile)",
                    report.resealed,
                    keys.current_id(),
                    report.current,
                    report.changed
                );
                if report.failed.is_empty() {
                    return Ok(());
                }
                for failure in &report.failed {
                    eprintln!(
                        "{} of row {}: {}",
                        failure.column, failure.row, failure.error
                    );
                }
                Err(ServerError::Usage(format!(
                    "{} values did not open and were left as they are: keep their keys in \
                     PARAGON_MASTER_KEY until they are fixed or deleted",
                    report.failed.len()
                )))
            }
        }
    }
}
