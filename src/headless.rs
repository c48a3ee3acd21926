//! The headless methods that change the user's state without the portal:
//! `uninstallIntegration(type)`, `enableWorkflow(id)` and `disableWorkflow(id)`. Each refreshes
//! the user state and tells the `subscribe` listeners, as the portal's buttons do.

use paragon_protocol::browser::event;

use crate::{SdkError, js, listeners, session};

/// `uninstallIntegration(type)`: revokes the user's credential at the provider and deletes it.
pub async fn uninstall_integration(kind: String) -> Result<(), SdkError> {
    let auth = session::auth()?;
    let id = session::integration_id(&kind).ok_or(SdkError::UnknownIntegration(kind.clone()))?;
    let url = auth.url(&crate::text::concat(&["/integrations/", &js::encode(&id)]));
    auth.request("DELETE", &url).send().await?.ok()?;
    session::refresh().await?;
    let event = js::object();
    js::set(&event, "integrationId", &id.into());
    js::set(&event, "integrationType", &kind.into());
    listeners::emit(event::INTEGRATION_UNINSTALL, &event);
    Ok(())
}

/// `enableWorkflow(id)` (`enabled`) and `disableWorkflow(id)`: turns a deployed workflow on or
/// off for the user.
pub async fn set_workflow(workflow_id: String, enabled: bool) -> Result<(), SdkError> {
    let auth = session::auth()?;
    let url = auth.url(&crate::text::concat(&[
        "/workflows/",
        &js::encode(&workflow_id),
    ]));
    let method = if enabled { "POST" } else { "DELETE" };
    auth.request(method, &url).send().await?.ok()?;
    session::refresh().await?;
    let event = js::object();
    if let Some(integration) = integration_of(&workflow_id) {
        js::set(&event, "integrationId", &integration.into());
    }
    js::set(&event, "workflowId", &workflow_id.into());
    let change = js::object();
    js::set(&change, "enabled", &enabled.into());
    js::set(&event, "workflowStateChange", &change);
    listeners::emit(event::WORKFLOW_CHANGE, &event);
    Ok(())
}

/// The id of the integration whose workflows include `workflow_id`.
fn integration_of(workflow_id: &str) -> Option<String> {
    crate::answers::integrations(&session::integrations()?)
        .find(|item| item.has_workflow(workflow_id))
        .and_then(|item| item.id())
}
