//! The command line of the `paragon` binary. Each flag has an environment variable too, so that
//! a container or a process manager can configure the server without a wrapper script.

use std::{net::IpAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

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
}

/// Flags of `paragon serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on. Keep 127.0.0.1 unless a reverse proxy terminates TLS in front.
    #[arg(long, env = "PARAGON_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one (the chosen address is printed on stdout).
    #[arg(long, env = "PARAGON_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Folder of the server's state (the embedded SQLite database, demo keys).
    #[arg(long, env = "PARAGON_DATA_DIR", default_value = "paragon-data")]
    pub data_dir: PathBuf,
    /// An origin (scheme://host[:port]) whose pages may call the API from the browser.
    /// Repeat the flag, or separate origins with commas in the environment variable.
    #[arg(
        long = "allowed-origin",
        env = "PARAGON_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
}
