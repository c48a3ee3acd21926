//! The command line of the `paragon` binary. Each flag that configures the server has an
//! environment variable too, so a container or process manager needs no wrapper script.

mod deploy;
mod duration;
mod integration;
mod keys;
mod project;
mod token;
mod vault;

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
    /// Configure a project's integrations (HubSpot app credentials and URLs).
    #[command(subcommand)]
    Integration(integration::IntegrationCommand),
    /// The credential vault's master keys.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Validate and deploy App Events and workflows (YAML) as the project's next version.
    Deploy(deploy::DeployArgs),
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
    /// At least [`crate::config::MIN_ADMIN_KEY_CHARS`] characters, refused at start otherwise.
    #[arg(skip = std::env::var("PARAGON_ADMIN_KEY").ok().filter(|k| !k.is_empty()).map(crate::secret::Secret::from))]
    pub admin_key: Option<crate::secret::Secret>,
    /// The URL browsers and providers reach this server at (the OAuth redirect URI is
    /// `{public-url}/oauth/callback`). Defaults to http://{bind}:{port} as bound.
    #[arg(long, env = "PARAGON_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Demo mode: without PARAGON_MASTER_KEY, use (or create) a master key in the data folder.
    /// Never in production: the key then sits beside the data it protects.
    #[arg(long)]
    pub demo: bool,
    /// Workflow runs executed at once by this server; 0 runs no engine here (an API-only
    /// replica beside others that execute).
    #[arg(long, env = "PARAGON_WORKERS", default_value_t = 8)]
    pub workers: usize,
    /// Attempts of a run before it fails for good.
    #[arg(long, env = "PARAGON_MAX_ATTEMPTS", default_value_t = 10)]
    pub max_attempts: i64,
    /// How long a worker holds a run before another may take it over (a crashed worker's runs
    /// resume after this).
    #[arg(long, env = "PARAGON_RUN_LEASE_SECS", default_value_t = 60)]
    pub run_lease_secs: u64,
    /// How long a client may take to send a complete HTTP/1 request head (request line and
    /// headers), counted from when the server starts waiting for it: the connection opened, or
    /// the previous response was sent. So it also ends idle HTTP/1 keep-alive connections.
    #[arg(long, env = "PARAGON_HEADER_READ_TIMEOUT", value_parser = parse_timeout, default_value = "10s")]
    pub header_read_timeout: std::time::Duration,
    /// How long a request may take from its complete head to the response's head (reading its
    /// body included); past it the answer is 503. Leave room for the 30 s long-poll of
    /// OAuth flows and for a provider call with a token refresh (20 s each).
    #[arg(long, env = "PARAGON_REQUEST_TIMEOUT", value_parser = parse_timeout, default_value = "60s")]
    pub request_timeout: std::time::Duration,
    /// How long a connection (HTTP/1 or HTTP/2) may stay open with no request in flight,
    /// including one that never sends a byte. Keep a reverse proxy's upstream keep-alive
    /// shorter than this.
    #[arg(long, env = "PARAGON_IDLE_TIMEOUT", value_parser = parse_timeout, default_value = "10s")]
    pub idle_timeout: std::time::Duration,
    /// Client connections served at once; at the limit, new clients wait in the kernel's
    /// accept queue until a slot frees up. Needs as many file descriptors (`ulimit -n`).
    #[arg(long, env = "PARAGON_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// The largest request head in bytes (8192 to 16777216); larger ones are answered 431.
    /// Each connection buffers at most this much, in a buffer that may reserve twice that, so
    /// memory for heads stays under max-connections x 2 x max-header-bytes (128 MB by default).
    #[arg(long, env = "PARAGON_MAX_HEADER_BYTES", default_value_t = 64 * 1024)]
    pub max_header_bytes: usize,
    /// Let integrations' provider URLs (token URL, API base, authorize page) use plain http and
    /// point at loopback, private, link-local (cloud metadata) and other non-public addresses.
    /// Off by default: a project's admin could otherwise make the server call into its own
    /// network with users' tokens and the client secret. For the HubSpot sandbox on 127.0.0.1
    /// and providers on the operator's network; `--demo` implies it.
    #[arg(long, env = "PARAGON_ALLOW_PRIVATE_PROVIDER_URLS", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_private_provider_urls: bool,
    /// Days App Events are kept, with their runs in Task History (an event whose run is still
    /// queued or running is kept until it ends); 0 keeps them forever.
    #[arg(long, env = "PARAGON_EVENT_RETENTION_DAYS", default_value_t = 30)]
    pub event_retention_days: u64,
    /// App Events one user may send per minute, counted across every replica; over it the
    /// answer is 429 with Retry-After (the SDK's outbox waits and resends). 0: no limit.
    #[arg(long, env = "PARAGON_EVENTS_PER_USER_PER_MINUTE", default_value_t = 60)]
    pub events_per_user_per_minute: u32,
    /// App Events one project may receive per minute from all its users. 0: no limit.
    #[arg(
        long,
        env = "PARAGON_EVENTS_PER_PROJECT_PER_MINUTE",
        default_value_t = 6000
    )]
    pub events_per_project_per_minute: u32,
    /// Failed authentications (bad user token, API key or operator key) one source address
    /// may make per minute before its unrecognised credentials get 429 unchecked. Counted per
    /// process. 0: no throttle.
    #[arg(long, env = "PARAGON_AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
    pub auth_failures_per_minute: u32,
}

/// A timeout flag: a duration such as `10s` or `2m` (see [`parse_duration`]).
fn parse_timeout(value: &str) -> Result<std::time::Duration, String> {
    parse_duration(value).map(|secs| std::time::Duration::from_secs(secs.unsigned_abs()))
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
    let path = data_dir.join("demo-master.key");
    match std::fs::read_to_string(&path) {
        Ok(value) => MasterKeys::parse(&value)
            .map_err(|e| ServerError::Usage(format!("{}: {e}", path.display()))),
        Err(_) => {
            let encoded = MasterKeys::generate_encoded();
            std::fs::create_dir_all(data_dir)
                .map_err(|e| ServerError::Usage(format!("{}: {e}", data_dir.display())))?;
            write_new_secret_file(&path, &format!("k1:{encoded}\n"))?;
            tracing::warn!(path = %path.display(), "demo mode: generated a master key beside the data");
            MasterKeys::parse(&encoded).map_err(|e| ServerError::Usage(e.to_string()))
        }
    }
}

/// Creates `path` with mode 0600 from the start and refuses to overwrite an existing file.
pub fn write_new_secret_file(path: &std::path::Path, contents: &str) -> Result<(), ServerError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| ServerError::Usage(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| ServerError::Usage(format!("cannot write {}: {e}", path.display())))
}
