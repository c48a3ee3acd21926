//! HTTP paths served by `paragon serve`, shared so that the SDK and the server cannot drift.

/// Liveness probe: answers [`crate::Health`] as long as the process serves HTTP.
pub const HEALTHZ: &str = "/healthz";
