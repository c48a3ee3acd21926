//! `paragon vault …`

use clap::Subcommand;

use crate::{error::ServerError, vault::MasterKeys};

/// Vault commands.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Print a new random master key for PARAGON_MASTER_KEY (32 bytes, base64). To rotate, put
    /// the new one first: PARAGON_MASTER_KEY="k2:NEW,k1:OLD".
    NewKey,
}

impl VaultCommand {
    pub(super) fn run(self) -> Result<(), ServerError> {
        match self {
            Self::NewKey => {
                println!("k1:{}", MasterKeys::generate_encoded());
                Ok(())
            }
        }
    }
}
