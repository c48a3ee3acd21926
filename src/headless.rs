//! The headless methods that change the user's state without the portal:
//! `uninstallIntegration(type)`, `enableWorkflow(id)` and `disableWorkflow(id)`. Each refreshes
//! the user state and tells the `subscribe` listeners, as the portal's buttons do. They go by
//! the async path of `request()` ([`crate::call`]).

use paragon_protocol::browser::event;
use wasm_bindgen::JsValue;

use crate::{SdkError, call::Call, js, listeners, session};

/// `uninstallIntegration(type)`: revokes the user's credential at the provider and deletes it.
pub fn uninstall_integration(kind: String) -> Result<Call, SdkError> {
    let id = session::integration_id(&kind).ok_or(SdkError::UnknownIntegration(kind.clone()))?;
    let path = crate::text::concat(&["/integrations/", &js::encode(&id)]);
    let event = js::object();
    js::set(&event, "integrationId", &id.into());
    js::set(&event, "integrationType", &kind.into());
    changing("DELETE", &path, event::INTEGRATION_UNINSTALL, event)
}

/// `enableWorkflow(id)` (`enabled`) and `disableWorkflow(id)`: turns a deployed workflow on or
/// off for the user.
pub fn set_workflow(workflow_id: String, enabled: bool) -> Result<Call, SdkError> {
    let path = crate::text::concat(&["/workflows/", &js::encode(&workflow_id)]);
    let event = js::object();
    if let Some(integration) = integration_of(&workflow_id) {
        js::set(&event, "integrationId", &integration.into());
    }
    js::set(&event, "workflowId", &workflow_id.into());
    let change = js::object();
    js::set(&change, "enabled", &enabled.into());
    js::set(&event, "workflowStateChange", &change);
    let method = if enabled { "POST" } else { "DELETE" };
    changing(method, &path, event::WORKFLOW_CHANGE, event)
}

/// The call to `path` that changes the user's state: once it succeeded, the user is loaded
/// again and the `name` listeners get `event`; it resolves with `undefined`.
fn changing(
    method: &'static str,
    path: &str,
    name: &'static str,
    event: JsValue,
) -> Result<Call, SdkError> {
    let auth = session::auth()?;
    Ok(Call {
        url: auth.url(path),
        auth,
        method,
        headers: Vec::new(),
        json: None,
        raw: None,
        timeout_ms: crate::fetch::TIMEOUT_MS,
        refresh: true,
        answer: Box::new(move |reply| {
            reply.ok()?;
            listeners::emit(name, &event);
            Ok(JsValue::UNDEFINED)
        }),
    })
}

/// The id of the integration whose workflows include `workflow_id`.
fn integration_of(workflow_id: &str) -> Option<String> {
    crate::answers::integrations(&session::integrations()?)
        .find(|item| item.has_workflow(workflow_id))
        .and_then(|item| item.id())
}
