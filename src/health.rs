//! The platform's liveness probe, the SDK's first round trip: lets an app (and the tests) check
//! that `configureGlobal` points at a reachable platform that lets this page's origin in.

use paragon_protocol::Health;

use crate::SdkError;

/// Fetches `{host}/healthz`.
#[cfg(target_arch = "wasm32")]
pub async fn check_health() -> Result<Health, SdkError> {
    let host = crate::config::host()?;
    let url = host.url(paragon_protocol::paths::HEALTHZ);
    let body = crate::fetch::Request::new("GET", &url).json().await?;
    crate::answers::health(&body).ok_or_else(|| {
        SdkError::InvalidResponse("/healthz without status \"ok\" and a version".into())
    })
}

/// Outside a browser there is no `fetch` to call.
#[cfg(not(target_arch = "wasm32"))]
pub async fn check_health() -> Result<Health, SdkError> {
    crate::config::host()?;
    Err(SdkError::Network(
        "the SDK makes requests only when compiled to wasm for a browser".into(),
    ))
}
