//! `installIntegration(type, { oauthTimeout })`: the headless connect of DESIGN.md section 5,
//! step 7, without the portal.
//!
//! The popup is opened synchronously inside the caller's click (a popup opened after an `await`
//! may be blocked), on `about:blank`, then navigated to the flow's `startUrl` once the platform
//! has created the flow. Completion is read by long-polling the flow with the user's token, so
//! no `message` listener is added to the app's window at all.

use js_sys::Promise;
use wasm_bindgen::JsValue;

use crate::{SdkError, js, listeners, session};

/// How long the user has to finish the provider's consent unless `oauthTimeout` says otherwise.
const DEFAULT_TIMEOUT_MS: f64 = 300_000.0;
/// Each long-poll waits at most this long, so that a popup the user closed is noticed soon.
const POLL_SECS: f64 = 5.0;

/// Opens the popup now and resolves with the install event once the flow is done.
pub fn install(kind: String, options: JsValue) -> Result<Promise, SdkError> {
    let auth = session::auth()?;
    let integration_id =
        session::integration_id(&kind).ok_or_else(|| SdkError::UnknownIntegration(kind.clone()))?;
    let window = web_sys::window().ok_or(SdkError::OAuthBlocked)?;
    let popup = window
        .open_with_url_and_target_and_features(
            "about:blank",
            "_blank",
            "popup,width=600,height=720",
        )
        .ok()
        .flatten()
        .ok_or(SdkError::OAuthBlocked)?;
    let timeout = js::get(&options, "oauthTimeout")
        .as_f64()
        .filter(|t| *t > 0.0)
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    let origin = window.location().origin().unwrap_or_default();
    Ok(js::promise(async move {
        let result = run(&auth, &kind, &integration_id, &popup, &origin, timeout).await;
        if result.is_err() {
            let _ = popup.close();
        }
        Ok(result?)
    }))
}

async fn run(
    auth: &session::Auth,
    kind: &str,
    integration_id: &str,
    popup: &web_sys::Window,
    origin: &str,
    timeout: f64,
) -> Result<JsValue, SdkError> {
    let deadline = js_sys::Date::now() + timeout;
    let body = js::object();
    js::set(&body, "integration", &kind.into());
    js::set(&body, "origin", &origin.into());
    let url = auth.url("/oauth/flows");
    let mut request = auth.request("POST", &url);
    request.body = Some(&body);
    let flow = request.json().await?;
    let (Some(flow_id), Some(start_url)) =
        (js::string(&flow, "flowId"), js::string(&flow, "startUrl"))
    else {
        return Err(SdkError::InvalidResponse(
            "a flow without flowId or startUrl".into(),
        ));
    };
    popup
        .location()
        .set_href(&start_url)
        .map_err(|_| SdkError::OAuthBlocked)?;
    let flow_url = auth.url(&["/oauth/flows/", &js::encode(&flow_id)].concat());
    let credential_id = loop {
        let left = deadline - js_sys::Date::now();
        if left <= 0.0 {
            return Err(SdkError::OAuthTimeout);
        }
        let closed = popup.closed().unwrap_or(true);
        // After the user closed the popup, one last look without waiting.
        // An integer: formatting an f64 would add Rust's float printing (14 KB) to the wasm.
        let wait = if closed {
            0
        } else {
            (left / 1000.0).min(POLL_SECS) as u32
        };
        let url = [flow_url.as_str(), "?wait=", &crate::error::decimal(wait)].concat();
        let state = auth.request("GET", &url).json().await?;
        match js::string(&state, "status").as_deref() {
            Some("done") => break js::get(&state, "credentialId"),
            Some("failed") => {
                return Err(SdkError::OAuthFailed(
                    js::string(&state, "error").unwrap_or_else(|| "the provider refused".into()),
                ));
            }
            _ if closed => return Err(SdkError::OAuthCancelled),
            _ => {}
        }
    };
    session::refresh().await?;
    let event = js::object();
    js::set(&event, "integrationId", &integration_id.into());
    js::set(&event, "integrationType", &kind.into());
    js::set(&event, "credentialId", &credential_id);
    listeners::emit("onIntegrationInstall", &event);
    Ok(event)
}
