//! [`serve`]: what every stand-in's binary does once its flags are read, so that the three
//! command lines keep one protocol with the scripts and tests that start them
//! (`tests/support/sandbox.mjs`'s `spawnStandIn`).
//!
//! The protocol: logs go to stderr (`RUST_LOG`, default `info`; colours only on a terminal);
//! stdout gets exactly one line, `<name> listening on http://HOST:PORT`, flushed at once because
//! stdout is a pipe for the reader, which takes the port from it (`--port 0` picks a free one);
//! Ctrl-C or SIGTERM stops the server after in-flight requests finish; a failure to start is one
//! line on stderr, `<name>: <why>`, and exit status 1.

use std::{future::Future, io::Write, process::ExitCode};

use crate::{SandboxError, SandboxHandle};

/// Starts the stand-in `start` builds, announces it as `name` and serves until a stop signal.
pub async fn serve(
    name: &str,
    start: impl Future<Output = Result<SandboxHandle, SandboxError>>,
) -> ExitCode {
    init_logs();
    match announce_and_run(name, start).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn announce_and_run(
    name: &str,
    start: impl Future<Output = Result<SandboxHandle, SandboxError>>,
) -> Result<(), SandboxError> {
    let stand_in = start.await?;
    let mut stdout = std::io::stdout().lock();
    let printed = writeln!(stdout, "{name} listening on {}", stand_in.base_url())
        .and_then(|()| stdout.flush());
    drop(stdout);
    printed.map_err(SandboxError::Serve)?;
    stand_in.run_until(shutdown_signal()).await
}

fn init_logs() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Ctrl-C or SIGTERM (what a test harness or `kill` sends); a signal that cannot be listened
/// for is waited on forever rather than taken as a stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
