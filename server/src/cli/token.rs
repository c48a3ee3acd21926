//! `paragon token sign`: the guide's "JWT generator", for testing. A real app signs user tokens
//! in its own backend with any RS256 library.

use std::path::PathBuf;

use clap::Subcommand;

use super::parse_duration;
use crate::{
    auth::{signing_key, token},
    clock,
    error::ServerError,
};

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print an RS256 user token signed with a private key file.
    Sign {
        /// The private key (PKCS#8 PEM, as `paragon keys generate --out` writes it).
        #[arg(long)]
        key: PathBuf,
        /// The end user's id (the token's `sub`).
        #[arg(long)]
        sub: String,
        /// Lifetime, e.g. 15m, 1h.
        #[arg(long, value_parser = parse_duration, default_value = "1h")]
        ttl: i64,
        /// The `kid` header; defaults to the key's own id.
        #[arg(long)]
        kid: Option<String>,
        /// An `aud` claim, e.g. `useparagon.com/<project id>`.
        #[arg(long)]
        aud: Option<String>,
    },
}

impl TokenCommand {
    pub(super) fn run(self) -> Result<(), ServerError> {
        match self {
            Self::Sign {
                key,
                sub,
                ttl,
                kid,
                aud,
            } => {
                let pem = std::fs::read_to_string(&key).map_err(|e| {
                    ServerError::Usage(format!("cannot read {}: {e}", key.display()))
                })?;
                let own_kid = signing_key::public_key_from_pem(&pem)
                    .map_err(|e| ServerError::Usage(format!("{}: {e}", key.display())))?
                    .kid;
                let kid = kid.unwrap_or_else(|| own_kid.to_string());
                let request = token::TokenRequest {
                    sub: &sub,
                    ttl_secs: ttl,
                    kid: Some(&kid),
                    audience: aud.as_deref(),
                    now: clock::now_secs(),
                };
                println!(
                    "{}",
                    token::sign(&pem, &request).map_err(ServerError::Usage)?
                );
                Ok(())
            }
        }
    }
}
