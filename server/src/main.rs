//! The `paragon` binary: a thin entry that parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use paragon_server::cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    paragon_server::telemetry::init();
    let result = match cli.command {
        Command::Serve(args) => match args.into_config() {
            Ok(config) => paragon_server::startup::serve(config).await,
            Err(error) => Err(error),
        },
        admin => admin.run_admin().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The one place a fatal error reaches the operator; the message says what to fix.
            eprintln!("paragon: {error}");
            ExitCode::FAILURE
        }
    }
}
