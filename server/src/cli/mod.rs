//! The command line of the `paragon` binary. Each flag that configures the server has an
//! environment variable too, so a container or process manager needs no wrapper script.

mod duration;
mod keys;
mod project;
mod token;

use std::{net::IpAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

pub use duration::parse_duration;

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
}

impl Command {
    /// Runs a command other than `serve`, printing its result on stdout.
    pub async fn run_admin(self) -> Result<(), ServerError> {
        match self {
            Self::Serve(_) => Err(ServerError::Usage("serve is not an admin command".into())),
            Self::Project(command) => command.run().await,
            Self::Keys(command) => command.run().await,
            Self::Token(command) => command.run(),
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

/// Flags of `paragon serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where the state lives.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on. Keep 127.0.0.1 unless a reverse proxy terminates TLS in front.
    #[arg(long, env = "PARAGON_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one (the chosen address is printed on stdout).
    #[arg(long, env = "PARAGON_PORT", default_value_t = 8080)]
    pub port: u16,
    /// An origin (scheme://host[:port]) whose pages may call the paths outside projects
    /// (`/healthz`) from the browser; the SDK API uses each project's own origins. Repeat the
    /// flag, or separate origins with commas in the environment variable.
    #[arg(
        long = "allowed-origin",
        env = "PARAGON_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// An `aud` accepted in user tokens besides `useparagon.com/{projectId}`.
    #[arg(long, env = "PARAGON_TOKEN_AUDIENCE")]
    pub token_audience: Option<String>,
    /// The operator's key for `POST /projects`, from `PARAGON_ADMIN_KEY` only (a flag would
    /// show it in `ps`). Unset: projects are created with `paragon project create` alone.
    #[arg(skip = std::env::var("PARAGON_ADMIN_KEY").ok().filter(|k| !k.is_empty()))]
    pub admin_key: Option<String>,
}
