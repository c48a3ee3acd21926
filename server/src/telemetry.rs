//! Structured logs through `tracing`, filtered by `RUST_LOG` (default `info`).
//!
//! Logs go to stderr so that stdout carries only what scripts read (the listening address).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; a second call (tests) is a no-op.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: log files and CI logs stay plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
