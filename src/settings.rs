//! What the npm entry's settings methods call (`getIntegrationConfig`,
//! `updateIntegrationUserSettings`, `updateWorkflowUserSettings`, `getFieldOptions`, with
//! Paragon's names): the platform's SDK API on the user's behalf, by the async path of
//! `request()` ([`crate::call`]). The entry picks the path and shapes the body and the answer
//! (Paragon's objects, JS being a fraction of the wasm's size for that: docs/sdk.md, "Size");
//! the token, the request and its checks stay here.
//!
//! The platform does the work: it merges the values into the saved ones and checks them all
//! before saving any (`PATCH /sdk/credentials/{id}`), pages a dropdown's options from the
//! user's account (`GET /sdk/integrations/{type}/sources/{source}`), and puts what
//! `getIntegrationConfig` returns on each `/sdk/integrations` item (`integrationConfig`).

use wasm_bindgen::JsValue;

use crate::{SdkError, call::Call, session};

/// `GET` `path` of the platform's SDK API, or `PATCH` it with `body` as JSON when there is one:
/// resolves with the answer of a 2xx; any other status rejects with the platform's error and
/// the answer as `body`. A `PATCH` changes the user, who is loaded again before it resolves. A
/// path that would leave the SDK API (a dot segment, a backslash) is refused before sending:
/// the browser would resolve it elsewhere, with the user's token.
pub fn call(path: &str, body: JsValue) -> Result<Call, SdkError> {
    let auth = session::auth()?;
    if crate::path::api_path(path).is_none() {
        return Err(SdkError::InvalidArgument(path.to_owned()));
    }
    let patch = !body.is_undefined();
    Ok(Call {
        url: auth.url(path),
        auth,
        method: if patch { "PATCH" } else { "GET" },
        headers: Vec::new(),
        json: patch.then_some(body),
        raw: None,
        timeout_ms: crate::fetch::TIMEOUT_MS,
        refresh: patch,
        answer: Box::new(crate::workflow::answer),
    })
}
