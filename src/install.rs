//! `installIntegration(type, { oauthTimeout })`: the headless connect, without the portal.
//!
//! The popup is opened synchronously inside the caller's click (a popup opened after an `await`
//! may be blocked), on `about:blank` under a name of its own; once the platform has created the
//! flow, a form post of the flow id and its one-time start secret (never a URL) sends it to the
//! flow's `startUrl`. The platform checks that post's `Origin` (this page's), binds the flow to
//! this browser with a cookie and cuts the popup's `window.opener`. Completion is read by
//! long-polling the flow with the user's token, so no `message` listener is added to the app's
//! window at all.

use js_sys::Promise;
use paragon_protocol::{
    browser::event,
    sdk::{CreateFlow, FLOW_DENIED},
};
use wasm_bindgen::JsValue;

use crate::{SdkError, answers, js, listeners, session, wire};

/// How long the user has to finish the provider's consent unless `oauthTimeout` says otherwise.
const DEFAULT_TIMEOUT_MS: f64 = 300_000.0;
/// Each long-poll waits at most this long, so that a popup the user closed is noticed soon.
const POLL_SECS: f64 = 5.0;

/// Opens the popup now and resolves with the install event once the flow is done.
pub fn install(
    kind: String,
    options: JsValue,
    post: js_sys::Function,
) -> Result<Promise, SdkError> {
    let auth = session::auth()?;
    let integration_id =
        session::integration_id(&kind).ok_or_else(|| SdkError::UnknownIntegration(kind.clone()))?;
    let window = web_sys::window().ok_or(SdkError::OAuthBlocked)?;
    // A name of its own, for the start form's `target`; the start page clears it.
    let name = crate::text::concat(&[
        "paragon-oauth-",
        &crate::text::decimal((js_sys::Math::random() * 4e9) as u32),
    ]);
    let popup = window
        .open_with_url_and_target_and_features("about:blank", &name, "popup,width=600,height=720")
        .ok()
        .flatten()
        .ok_or(SdkError::OAuthBlocked)?;
    let timeout = js::get(&options, "oauthTimeout")
        .as_f64()
        .filter(|t| *t > 0.0)
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    let origin = window.location().origin().unwrap_or_default();
    Ok(js::promise(async move {
        let target = Popup {
            window: &popup,
            name: &name,
            post: &post,
        };
        let result = run(&auth, &kind, &integration_id, &target, &origin, timeout).await;
        if result.is_err() {
            // Closes a popup that has not left about:blank yet; once it has cut its opener on
            // the way to the provider, the browser ignores this (the flow is ended instead).
            let _ = popup.close();
        }
        Ok(result?)
    }))
}

async fn run(
    auth: &session::Auth,
    kind: &str,
    integration_id: &str,
    popup: &Popup<'_>,
    origin: &str,
    timeout: f64,
) -> Result<JsValue, SdkError> {
    let deadline = js_sys::Date::now() + timeout;
    let body = wire::to_js(&CreateFlow {
        integration: kind.to_owned(),
        origin: origin.to_owned(),
    });
    let url = auth.url("/oauth/flows");
    let mut request = auth.request("POST", &url);
    request.body = Some(&body);
    let flow = answers::created_flow(&request.json().await?).ok_or_else(|| {
        SdkError::InvalidResponse("a flow without flowId, startUrl or startSecret".into())
    })?;
    let flow_id = flow.flow_id;
    // The entry's `postForm`: a hidden form into the popup, so that the one-time secret is in
    // no URL.
    let fields = js::object();
    js::set(&fields, "flow", &flow_id.as_str().into());
    js::set(&fields, "secret", &flow.start_secret.into());
    popup
        .post
        .call3(
            &JsValue::UNDEFINED,
            &popup.name.into(),
            &flow.start_url.into(),
            &fields,
        )
        .map_err(|_| SdkError::OAuthBlocked)?;
    let popup = popup.window;
    let flow_url = auth.url(&crate::text::concat(&[
        "/oauth/flows/",
        &js::encode(&flow_id),
    ]));
    let credential_id = match wait_for(auth, &flow_url, popup, deadline).await {
        Err(given_up @ (SdkError::OAuthTimeout | SdkError::OAuthCancelled)) => {
            // The popup cut its opener, so it may stay open on the provider's page: end the
            // flow, so that a consent given there later stores nothing. Best effort.
            let _ = auth.request("DELETE", &flow_url).send().await;
            return Err(given_up);
        }
        waited => waited?,
    };
    session::refresh().await?;
    let event = js::object();
    js::set(&event, "integrationId", &integration_id.into());
    js::set(&event, "integrationType", &kind.into());
    js::set(&event, "credentialId", &credential_id);
    listeners::emit(event::INTEGRATION_INSTALL, &event);
    Ok(event)
}

/// Long-polls the flow until it is done (its credential id), failed, the popup was closed while
/// it was pending, or `deadline` passed.
async fn wait_for(
    auth: &session::Auth,
    flow_url: &str,
    popup: &web_sys::Window,
    deadline: f64,
) -> Result<JsValue, SdkError> {
    loop {
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
        let url = crate::text::concat(&[flow_url, "?wait=", &crate::text::decimal(wait)]);
        let mut request = auth.request("GET", &url);
        // The platform holds the answer for up to `wait` seconds.
        request.timeout_ms = crate::fetch::TIMEOUT_MS + wait * 1000;
        let state = answers::flow_state(&request.json().await?);
        match state.state.status.as_str() {
            "done" => {
                return Ok(state
                    .state
                    .credential_id
                    .map_or(JsValue::UNDEFINED, JsValue::from));
            }
            "failed" if state.reason.as_deref() == Some(FLOW_DENIED) => {
                return Err(SdkError::OAuthDenied);
            }
            "failed" => {
                return Err(SdkError::OAuthFailed(
                    state
                        .state
                        .error
                        .unwrap_or_else(|| "the provider refused".into()),
                ));
            }
            _ if closed => return Err(SdkError::OAuthCancelled),
            _ => {}
        }
    }
}

/// The popup and the name it was opened under.
struct Popup<'a> {
    window: &'a web_sys::Window,
    name: &'a str,
    /// The entry's `postForm(target, action, fields)`.
    post: &'a js_sys::Function,
}
