//! Errors that stop a `paragon` command. Request-level errors live in
//! [`crate::http::ApiError`], which turns into the JSON error body of the protocol.

use std::{io, net::SocketAddr};

/// Why a `paragon` command failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An origin given on the command line is not an origin.
    #[error(transparent)]
    InvalidOrigin(#[from] crate::origin::OriginError),
    /// A command-line argument or file is not usable.
    #[error("{0}")]
    Usage(String),
    /// The storage could not be opened or failed.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// An administrative operation was refused.
    #[error(transparent)]
    Admin(#[from] crate::admin::AdminError),
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
    /// The HTTP client for providers could not be built (its TLS backend failed to start).
    #[error("cannot build the HTTP client for providers: {0}")]
    ProviderClient(#[source] reqwest::Error),
}
