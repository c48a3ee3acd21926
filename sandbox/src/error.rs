//! [`SandboxError`]: why a sandbox could not start or stopped. Request-level answers are not
//! errors of the sandbox: they are HubSpot's error bodies, built in [`crate::http`].

use std::{io, net::SocketAddr};

/// Why a sandbox could not be started or kept running.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The configuration (or a command-line flag) describes something HubSpot could not have.
    #[error("invalid sandbox configuration: {0}")]
    InvalidConfig(String),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying I/O error (often: the port is taken).
        source: io::Error,
    },
    /// The server stopped on an I/O error while serving.
    #[error("sandbox stopped: {0}")]
    Serve(#[source] io::Error),
}
