//! HubSpot's `action:` steps, its contact actions: create, upsert and update a contact, with
//! HubSpot's contract (CRM v3, properties as strings) and its answers judged here.
//!
//! Effects happen once although runs are executed at least once: a create that HubSpot answers
//! 409 "Contact already exists. Existing ID: N" on a retry of the same step is the earlier try's
//! effect, so it succeeds with that id; on a first try it fails with HubSpot's message, unless
//! the step says `on_conflict: update`, which patches the existing contact instead.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::{StepContext, message};
use crate::{
    engine::outcome::StepFailure,
    workflows::{Action, ActionStep, ContactRequest, OnConflict},
};

/// An action's output, or why not.
type StepResult = Result<Value, StepFailure>;

const CONTACTS: &str = "/crm/v3/objects/contacts";

/// Runs the contact action of `step` with its rendered `input`.
pub(super) async fn execute(
    step: &ActionStep,
    ctx: &StepContext<'_>,
    input: &Map<String, Value>,
) -> StepResult {
    let request = ContactRequest::new(step.action, input)
        .map_err(|missing| StepFailure::Invalid(missing.to_string()))?;
    let body = json!({ "properties": request.properties });
    match step.action {
        Action::CreateContact => create(ctx, &body, step.on_conflict == OnConflict::Update).await,
        Action::UpsertContact => upsert(ctx, request).await,
        Action::UpdateContact => {
            let id = request.id.unwrap_or_default();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(StepFailure::Failed(format!(
                    "update_contact needs a numeric contact id, got {id:?}"
                )));
            }
            update(ctx, &id, &body).await
        }
        other => Err(StepFailure::Invalid(format!(
            "{other} is not one of HubSpot's actions"
        ))),
    }
}

/// `hubspot.create_contact`; a 409 is the earlier try's contact on a retry, or patched with
/// `on_conflict: update`.
async fn create(ctx: &StepContext<'_>, body: &Value, update_on_conflict: bool) -> StepResult {
    let (status, value) = ctx.call(Method::POST, CONTACTS, body).await?;
    if status != StatusCode::CONFLICT {
        return judge(status, value);
    }
    match existing_id(&value) {
        Some(id) if ctx.retry() => Ok(json!({ "id": id, "existing": true })),
        Some(id) if update_on_conflict => update(ctx, &id, body).await,
        _ => Err(StepFailure::Failed(message(&value))),
    }
}

/// `hubspot.upsert_contact`: HubSpot's batch upsert by email, of one contact.
async fn upsert(ctx: &StepContext<'_>, request: ContactRequest) -> StepResult {
    // `ContactRequest` guarantees the email of an upsert.
    let email = request.properties.get("email").cloned().unwrap_or_default();
    let body = json!({ "inputs": [{ "idProperty": "email", "id": email, "properties": request.properties }] });
    let path = format!("{CONTACTS}/batch/upsert");
    match ctx.call(Method::POST, &path, &body).await? {
        (StatusCode::OK, value) => Ok(value["results"][0].clone()),
        (status, value) if status.as_u16() == 207 => Err(StepFailure::Failed(
            value["errors"][0]["message"]
                .as_str()
                .unwrap_or("HubSpot refused the upsert")
                .to_owned(),
        )),
        (status, value) => judge(status, value),
    }
}

/// `hubspot.update_contact` (and a create's `on_conflict: update`): a PATCH of contact `id`.
async fn update(ctx: &StepContext<'_>, id: &str, body: &Value) -> StepResult {
    let (status, value) = ctx
        .call(Method::PATCH, &format!("{CONTACTS}/{id}"), body)
        .await?;
    judge(status, value)
}

/// A success is the step's output; any other answer HubSpot's refusal.
fn judge(status: StatusCode, value: Value) -> StepResult {
    if status.is_success() {
        Ok(value)
    } else {
        Err(StepFailure::Failed(format!(
            "HubSpot answered {}: {}",
            status.as_u16(),
            message(&value)
        )))
    }
}

/// `Existing ID: N` from HubSpot's 409 message (the id is only in the message).
fn existing_id(body: &Value) -> Option<String> {
    let message = body["message"].as_str()?;
    let rest = &message[message.find("Existing ID: ")? + "Existing ID: ".len()..];
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_existing_id_is_read_from_hubspots_409_message() {
        let body = json!({"status": "error", "message": "Contact already exists. Existing ID: 37765128953", "category": "CONFLICT"});
        assert_eq!(existing_id(&body).as_deref(), Some("37765128953"));
        assert_eq!(existing_id(&json!({"message": "nope"})), None);
    }
}
