//! Paths of Paragon's API that Paragon's SDK calls and this platform does not provide: each
//! answers a JSON 404 in the platform's error shape that names what is missing, never a
//! stand-in success that would let an app believe it worked. Which SDK methods these are, and
//! what to use instead, is in docs/paragon-compatibility.md.
//!
//! None of them reads the request: the answer is the same with or without a token, so it tells
//! a caller nothing about the project or its users.

use axum::{Router, routing::any};

use super::{ApiError, AppState};

/// Where to read more, in every message.
const SEE: &str = "see docs/paragon-compatibility.md";

/// Each unsupported area: its paths and what Paragon's SDK uses them for.
const AREAS: [(&[&str], &str); 5] = [
    (
        &[
            "/projects/{pid}/sdk/credentials",
            "/projects/{pid}/sdk/credentials/{credential_id}/{*rest}",
        ],
        "Paragon's credential API beyond user settings (/sdk/credentials: \
         getIntegrationAccount, configurations, completeInstall, the headless installFlow); a \
         user's credentials are listed by GET /sdk/me, their settings saved by PATCH \
         /sdk/credentials/{id}",
    ),
    (
        &[
            "/projects/{pid}/sdk/actions",
            "/projects/{pid}/sdk/actions/{*rest}",
            "/v2/projects/{pid}/sdk/actions/{*rest}",
        ],
        "Paragon's actions API (/sdk/actions: getFieldOptions and the OAuth popup of connect() \
         and installIntegration(), which put the user token in URLs); connect through \
         paragon-connect's connect() or installIntegration()",
    ),
    (
        &["/projects/{pid}/sdk/resources/{*rest}"],
        "Paragon's API Resources (/sdk/resources: connectAction())",
    ),
    (
        &["/projects/{pid}/sdk/metadata"],
        "Paragon's /sdk/metadata; GET /sdk/integrations lists the project's integrations",
    ),
    (
        &["/projects/{pid}/triggers"],
        "Paragon's ActionKit triggers (getTriggers())",
    ),
];

pub fn router() -> Router<AppState> {
    AREAS.iter().fold(Router::new(), |router, (paths, what)| {
        paths.iter().fold(router, |router, path| {
            router.route(path, any(move || unsupported(what)))
        })
    })
}

async fn unsupported(what: &'static str) -> ApiError {
    ApiError::NotFound(format!("this platform does not provide {what} ({SEE})"))
}
