//! The functions the npm entry (`js/index.js`) calls: camelCase names, JS values in and out,
//! and nothing else; the logic is in the Rust modules they call.

#![cfg(target_arch = "wasm32")]

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::{SdkError, js};

/// `paragon.configureGlobal({ host })`: the platform's base URL, e.g. `http://127.0.0.1:8080`.
#[wasm_bindgen(js_name = configureGlobal)]
pub fn configure_global(options: JsValue) -> Result<(), JsValue> {
    let host = js::string(&options, "host").ok_or_else(|| {
        SdkError::InvalidArgument("configureGlobal expects { host: string }".into())
    })?;
    crate::config::configure(&host);
    Ok(())
}

/// `paragon.getVersion()`.
#[wasm_bindgen(js_name = getVersion)]
pub fn get_version() -> String {
    crate::VERSION.to_owned()
}

/// `checkHealth()`: resolves with `{status, version}` from the platform's `/healthz`.
#[wasm_bindgen(js_name = checkHealth)]
pub fn check_health() -> Promise {
    js::promise(async {
        let health = crate::health::check_health().await?;
        let out = js::object();
        js::set(&out, "status", &"ok".into());
        js::set(&out, "version", &health.version.into());
        Ok(out)
    })
}

/// `paragon.authenticate(projectId, token, { metadata, tokenProvider, maxPendingEvents,
/// maxPendingBytes })`.
#[wasm_bindgen]
pub fn authenticate(project_id: String, token: String, options: JsValue) -> Promise {
    js::promise(async move {
        let metadata = js::get(&options, "metadata");
        let provider = js::function(&options, "tokenProvider");
        let limits = crate::outbox::Limits::from_options(&options)?;
        crate::session::authenticate(&project_id, &token, metadata, provider).await?;
        crate::outbox::set_limits(limits);
        // Events left by an earlier page (or a refused token) go out now.
        crate::outbox::reset_backoff();
        js::spawn(crate::outbox::flush());
        Ok(JsValue::UNDEFINED)
    })
}

/// `paragon.getUser()`.
#[wasm_bindgen(js_name = getUser)]
pub fn get_user() -> JsValue {
    crate::session::user()
}

/// `paragon.setUserMetadata(meta)`.
#[wasm_bindgen(js_name = setUserMetadata)]
pub fn set_user_metadata(meta: JsValue) -> Promise {
    js::promise(crate::call::send(crate::session::set_metadata(meta)))
}

/// `paragon.logout({ keepPendingEvents })`: returns the user's undelivered
/// events it discarded (none with `keepPendingEvents: true`).
#[wasm_bindgen]
pub fn logout(options: JsValue) -> JsValue {
    crate::portal::close();
    let discarded = if js::get(&options, "keepPendingEvents").as_bool() == Some(true) {
        js_sys::Array::new().into()
    } else {
        crate::outbox::discard()
    };
    crate::session::logout();
    discarded
}

/// The entry's `emit(name, payload)`, through which the wasm raises the SDK's events.
#[wasm_bindgen(js_name = setEmitter)]
pub fn set_emitter(emit: js_sys::Function) {
    crate::listeners::set_emitter(emit);
}

/// `paragon.connect(type, options)`, in the frame the entry's `open(src)` draws.
#[wasm_bindgen]
pub fn connect(
    kind: String,
    options: JsValue,
    open: js_sys::Function,
) -> Result<js_sys::Promise, JsValue> {
    Ok(crate::portal::connect(kind, options, open)?)
}

/// `paragon.closePortal()`.
#[wasm_bindgen(js_name = closePortal)]
pub fn close_portal() {
    crate::portal::close();
}

/// `paragon.event(name, payload)`.
#[wasm_bindgen]
pub fn event(name: String, payload: JsValue) -> Result<js_sys::Promise, JsValue> {
    Ok(crate::outbox::event(name, payload)?)
}

/// `paragon.flush()`: one pass over the outbox.
#[wasm_bindgen]
pub fn flush() -> Promise {
    js::promise(async {
        crate::outbox::flush().await;
        Ok(JsValue::UNDEFINED)
    })
}

/// `paragon.pendingEvents()`.
#[wasm_bindgen(js_name = pendingEvents)]
pub fn pending_events() -> JsValue {
    crate::outbox::pending()
}

/// `paragon.request(type, path, { method, body, headers, selectedCredentialId })`.
#[wasm_bindgen]
pub fn request(kind: String, path: String, init: JsValue) -> Promise {
    js::promise(crate::call::send(crate::request::request(kind, path, init)))
}

/// `paragon.workflow(workflowId, { body, query, headers, selectedCredentialId })`.
#[wasm_bindgen]
pub fn workflow(workflow_id: String, request: JsValue) -> Promise {
    js::promise(crate::call::send(crate::workflow::workflow(
        workflow_id,
        request,
    )))
}

/// `paragon.uninstallIntegration(type)`.
#[wasm_bindgen(js_name = uninstallIntegration)]
pub fn uninstall_integration(kind: String) -> Promise {
    js::promise(crate::call::send(crate::headless::uninstall_integration(
        kind,
    )))
}

/// `paragon.enableWorkflow(workflowId)`.
#[wasm_bindgen(js_name = enableWorkflow)]
pub fn enable_workflow(workflow_id: String) -> Promise {
    set_workflow(workflow_id, true)
}

/// `paragon.disableWorkflow(workflowId)`.
#[wasm_bindgen(js_name = disableWorkflow)]
pub fn disable_workflow(workflow_id: String) -> Promise {
    set_workflow(workflow_id, false)
}

fn set_workflow(workflow_id: String, enabled: bool) -> Promise {
    js::promise(crate::call::send(crate::headless::set_workflow(
        workflow_id,
        enabled,
    )))
}

/// The project's integrations as `/sdk/integrations` lists them (a copy), which the npm entry
/// reads for `getIntegrationMetadata` and `getIntegrationConfig`.
#[wasm_bindgen]
pub fn integrations() -> Result<JsValue, JsValue> {
    let integrations = crate::session::integrations().ok_or(crate::SdkError::NotAuthenticated)?;
    Ok(js::copy(&integrations))
}

/// `GET` (no `body`) or `PATCH` `path` of the platform's SDK API for the user, for the npm
/// entry's settings methods (`settings.rs`).
#[wasm_bindgen]
pub fn platform(path: &str, body: JsValue) -> Promise {
    js::promise(crate::call::send(crate::settings::call(path, body)))
}

/// `paragon.installIntegration(type, { oauthTimeout })`: not `async`, so that the popup opens
/// synchronously inside the caller's click.
#[wasm_bindgen(js_name = installIntegration)]
pub fn install_integration(
    kind: String,
    options: JsValue,
    post_form: js_sys::Function,
) -> Result<js_sys::Promise, JsValue> {
    Ok(crate::install::install(kind, options, post_form)?)
}
