//! The wire format of the platform, defined once, and the names the SDK's Rust shares with
//! its JavaScript ([`browser`]).
//!
//! The SDK (compiled to wasm) and the server both serialize these types, so a field renamed
//! here is renamed on both sides of the wire. The crate holds serde types and constants only
//! (and the rendering of [`browser`]'s constants as JavaScript, which the SDK never calls): no
//! I/O, no async, nothing that would add bytes to the SDK beyond the derives.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod browser;
mod error;
mod health;
pub mod management;
pub mod paths;
pub mod portal;
pub mod sdk;

pub use error::{ErrorBody, ErrorCode};
pub use health::{Health, HealthStatus};
