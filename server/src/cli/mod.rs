//! The command line of the `paragon` binary. Each flag that configures the server has an
//! environment variable too, so a container or process manager needs no wrapper script.

mod deploy;
mod duration;
mod integration;
mod keys;
mod project;
mod serve;
mod token;
mod vault;
mod webhooks;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use duration::parse_duration;
pub use serve::ServeArgs;

use crate::{error::ServerError, storage::Location};

/// `paragon`: the open embedded-integration platform.
#[derive(Debug, Parser)]
#[command(name = "paragon", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `paragon`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the platform server.
    Serve(ServeArgs),
    /// Manage projects.
    #[command(subcommand)]
    Project(project::ProjectCommand),
    /// Manage a project's signing keys (the keys that sign user tokens).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Sign user tokens for testing (the guide's "JWT generator").
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Configure a project's integrations (HubSpot app credentials and URLs); list the providers.
    #[command(subcommand)]
    Integration(integration::IntegrationCommand),
    /// The credential vault's master keys.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Validate and deploy App Events and workflows (YAML) as the project's next version.
    Deploy(deploy::DeployArgs),
    /// A project's webhook endpoints: signed notifications to your backend (docs/webhooks.md).
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
}

impl Command {
    /// Runs a command other than `serve`, printing its result on stdout.
    pub async fn run_admin(self) -> Result<(), ServerError> {
        match self {
            Self::Serve(_) => Err(ServerError::Usage("serve is not an admin command".into())),
            Self::Project(command) => command.run().await,
            Self::Keys(command) => command.run().await,
            Self::Token(command) => command.run(),
            Self::Integration(command) => command.run().await,
            Self::Vault(command) => command.run().await,
            Self::Deploy(command) => command.run().await,
            Self::Webhooks(command) => command.run().await,
        }
    }
}

/// Where the state lives; the server and the admin commands take the same flags.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Folder of the server's state (the embedded SQLite database unless DATABASE_URL is set).
    #[arg(long, env = "PARAGON_DATA_DIR", default_value = "paragon-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL (several replicas), or `sqlite://PATH`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StorageArgs {
    /// The storage these flags name.
    pub fn location(&self) -> Result<Location, ServerError> {
        Ok(Location::from_config(
            self.database_url.as_deref(),
            &self.data_dir,
        )?)
    }
}

/// The vault's master keys: `PARAGON_MASTER_KEY`, or in demo mode the key file of the data
/// folder (created on first use).
pub fn master_keys(
    data_dir: &std::path::Path,
    demo: bool,
) -> Result<crate::vault::MasterKeys, ServerError> {
    use crate::vault::MasterKeys;
    if let Ok(value) = std::env::var("PARAGON_MASTER_KEY") {
        if !value.trim().is_empty() {
            return MasterKeys::parse(&value).map_err(|e| ServerError::Usage(e.to_string()));
        }
    }
    if !demo {
        return Err(ServerError::Usage(
            "PARAGON_MASTER_KEY is not set: it seals OAuth tokens and client secrets at rest. \
             Generate one with `paragon vault new-key`, or run with --demo for a local demo"
                .into(),
        ));
    }
    crate::vault::demo_keys(data_dir)
}
