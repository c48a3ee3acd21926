//! Errors that stop the server from starting or serving. Request-level errors live in
//! [`crate::http::ApiError`], which turns into the JSON error body of the protocol.

use std::{io, net::SocketAddr, path::PathBuf};

/// Why `paragon serve` could not start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An allowed origin given on the command line is not of the form `scheme://host[:port]`.
    #[error(
        "invalid allowed origin {value:?}: {reason} (expected scheme://host[:port], e.g. http://localhost:3000)"
    )]
    InvalidOrigin {
        /// What the operator gave.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The data folder could not be created.
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying I/O error (often: the port is taken).
        source: io::Error,
    },
    /// The server stopped on an I/O error while serving.
    #[error("server stopped: {0}")]
    Serve(#[source] io::Error),
}
