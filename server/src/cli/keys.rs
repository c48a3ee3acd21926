//! `paragon keys …`

use std::path::PathBuf;

use clap::Subcommand;

use super::StorageArgs;
use crate::{admin, error::ServerError, ids::ProjectId, storage};

/// Signing-key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a key pair: the public half is stored, the private half is written to FILE
    /// (mode 0600) or printed once; prints the kid.
    Generate {
        /// Where the state lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// The project id.
        #[arg(long)]
        project: String,
        /// Write the private key (PKCS#8 PEM) here instead of printing it. Must not exist.
        #[arg(long)]
        out: Option<PathBuf>,
        /// RSA modulus size.
        #[arg(long, default_value_t = 2048)]
        bits: usize,
    },
    /// List the project's keys (kid, size, created, revoked).
    List {
        /// Where the state lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// The project id.
        #[arg(long)]
        project: String,
    },
    /// Revoke a key: tokens it signed are refused at once.
    Revoke {
        /// Where the state lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// The project id.
        #[arg(long)]
        project: String,
        /// The key id. Key ids are base64url and may start with `-`, which is taken as the id.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

impl KeysCommand {
    pub(super) async fn run(self) -> Result<(), ServerError> {
        match self {
            Self::Generate {
                storage,
                project,
                out,
                bits,
            } => {
                let store = storage::open(&storage.location()?).await?;
                let (generated, record) =
                    admin::generate_signing_key(&store, project_id(&project)?, bits).await?;
                match out {
                    Some(path) => {
                        write_private(&path, &generated.private_pem)?;
                        eprintln!(
                            "private key written to {} (mode 0600); the platform keeps only the public key",
                            path.display()
                        );
                    }
                    None => {
                        print!("{}", generated.private_pem);
                        eprintln!(
                            "This is the only copy of the private key: the platform keeps only the public key."
                        );
                    }
                }
                println!("kid: {}", record.key.kid);
                Ok(())
            }
            Self::List { storage, project } => {
                let store = storage::open(&storage.location()?).await?;
                for record in admin::signing_keys(&store, project_id(&project)?).await? {
                    let state = match record.revoked_at {
                        Some(at) => format!("revoked at {}", crate::clock::secs(at)),
                        None => "active".into(),
                    };
                    println!(
                        "{}  {} bits  created at {}  {state}",
                        record.key.kid,
                        record.key.bits,
                        crate::clock::secs(record.created_at)
                    );
                }
                Ok(())
            }
            Self::Revoke {
                storage,
                project,
                kid,
            } => {
                let store = storage::open(&storage.location()?).await?;
                admin::revoke_signing_key(&store, project_id(&project)?, &kid).await?;
                println!("revoked {kid}");
                Ok(())
            }
        }
    }
}

fn project_id(value: &str) -> Result<ProjectId, ServerError> {
    ProjectId::parse(value)
        .ok_or_else(|| ServerError::Usage(format!("{value:?} is not a project id (a UUID)")))
}

fn write_private(path: &std::path::Path, pem: &str) -> Result<(), ServerError> {
    crate::secret::write_new_secret_file(path, pem)
}
