//! The HubSpot actions of workflows: create, upsert and update a contact, with HubSpot's
//! contract (CRM v3, properties as strings) and its errors classified for the engine.
//!
//! Effects happen once although runs are executed at least once: a create that HubSpot answers
//! 409 "Contact already exists. Existing ID: N" on a retry of the same step is the earlier try's
//! effect, so it succeeds with that id; on a first try it fails with HubSpot's message, unless
//! the step says `on_conflict: update`, which patches the existing contact instead.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    outcome::{Exchange, StepOutcome},
    pacing::Pacer,
};
use crate::{
    connect::{Connect, ConnectError, credentials, egress, provider::ProviderError},
    storage::Credential,
    workflows::ContactRequest,
};

/// Which contact action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactAction {
    /// `hubspot.create_contact`.
    Create {
        /// `on_conflict: update`.
        update_on_conflict: bool,
    },
    /// `hubspot.upsert_contact` (batch upsert by email).
    Upsert,
    /// `hubspot.update_contact` (input `id` is the contact id).
    Update,
}

/// Where a step's calls go.
#[derive(Debug)]
pub struct Target<'a> {
    /// Connect (vault, provider client, refresh).
    pub connect: &'a Connect,
    /// The user's HubSpot credential.
    pub credential: &'a Credential,
    /// The integration's API base.
    pub api_base: &'a str,
    /// Pacing per HubSpot account.
    pub pacer: &'a Pacer,
}

/// Runs one contact action. `retry` says whether this step was tried before in this run.
pub async fn run(
    target: &Target<'_>,
    action: ContactAction,
    request: ContactRequest,
    retry: bool,
) -> (StepOutcome, Exchange) {
    let mut exchange = Exchange::default();
    let body = json!({ "properties": request.properties });
    let outcome = match action {
        ContactAction::Create { update_on_conflict } => {
            match call(
                target,
                Method::POST,
                "/crm/v3/objects/contacts",
                &body,
                &mut exchange,
            )
            .await
            {
                Ok((status, value)) if status.is_success() => StepOutcome::Done(value),
                Ok((StatusCode::CONFLICT, value)) => match existing_id(&value) {
                    Some(id) if retry => StepOutcome::Done(json!({ "id": id, "existing": true })),
                    Some(id) if update_on_conflict => {
                        let path = format!("/crm/v3/objects/contacts/{id}");
                        finish(call(target, Method::PATCH, &path, &body, &mut exchange).await)
                    }
                    _ => StepOutcome::Failed(message(&value)),
                },
                other => finish(other),
            }
        }
        ContactAction::Upsert => {
            // `ContactRequest` guarantees the email of an upsert.
            let email = request.properties.get("email").cloned().unwrap_or_default();
            let body = json!({ "inputs": [{ "idProperty": "email", "id": email, "properties": request.properties }] });
            match call(
                target,
                Method::POST,
                "/crm/v3/objects/contacts/batch/upsert",
                &body,
                &mut exchange,
            )
            .await
            {
                Ok((StatusCode::OK, value)) => StepOutcome::Done(value["results"][0].clone()),
                Ok((status, value)) if status.as_u16() == 207 => StepOutcome::Failed(
                    value["errors"][0]["message"]
                        .as_str()
                        .unwrap_or("HubSpot refused the upsert")
                        .to_owned(),
                ),
                other => finish(other),
            }
        }
        ContactAction::Update => {
            let id = request.id.unwrap_or_default();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                StepOutcome::Failed(format!(
                    "update_contact needs a numeric contact id, got {id:?}"
                ))
            } else {
                let path = format!("/crm/v3/objects/contacts/{id}");
                finish(call(target, Method::PATCH, &path, &body, &mut exchange).await)
            }
        }
    };
    (outcome, exchange)
}

/// `Existing ID: N` from HubSpot's 409 message (the id is only in the message).
fn existing_id(body: &Value) -> Option<String> {
    let message = body["message"].as_str()?;
    let rest = &message[message.find("Existing ID: ")? + "Existing ID: ".len()..];
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!id.is_empty()).then_some(id)
}

fn message(body: &Value) -> String {
    body["message"]
        .as_str()
        .map_or_else(|| body.to_string(), str::to_owned)
}

fn finish(result: Result<(StatusCode, Value), StepOutcome>) -> StepOutcome {
    match result {
        Ok((status, value)) if status.is_success() => StepOutcome::Done(value),
        Ok((status, value)) => StepOutcome::Failed(format!(
            "HubSpot answered {}: {}",
            status.as_u16(),
            message(&value)
        )),
        Err(outcome) => outcome,
    }
}

/// One HubSpot call with the user's token: paced per account, refreshed and repeated once on
/// 401, and 429/5xx/network turned into [`StepOutcome::Retry`].
async fn call(
    target: &Target<'_>,
    method: Method,
    path: &str,
    body: &Value,
    exchange: &mut Exchange,
) -> Result<(StatusCode, Value), StepOutcome> {
    exchange.request = json!({ "method": method.as_str(), "path": path, "body": body });
    let account = target.credential.provider_id.as_str();
    let mut token = credentials::access_token(target.connect, target.credential)
        .await
        .map_err(credential_outcome)?;
    let url = format!("{}{path}", target.api_base);
    let mut refreshed = false;
    loop {
        target.pacer.acquire(account).await;
        let response = target
            .connect
            .provider
            .request(method.clone(), &url, "API base")
            .map_err(|refused| StepOutcome::Failed(refused.to_string()))?
            .bearer_auth(&token.token)
            .json(body)
            .send()
            .await
            .map_err(|e| match egress::refusal_of(&e) {
                // The egress policy will refuse the next attempt too: fail now.
                Some(refusal) => {
                    StepOutcome::Failed(format!("the integration's API base {refusal}"))
                }
                None => StepOutcome::Retry {
                    message: format!("HubSpot unreachable: {}", e.without_url()),
                    after: None,
                },
            })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let value: Value = response.json().await.unwrap_or(Value::Null);
        exchange.response = json!({ "status": status.as_u16(), "body": truncate(&value) });
        if status == StatusCode::UNAUTHORIZED && !refreshed {
            refreshed = true;
            token = credentials::refresh(
                target.connect,
                target.credential.project_id,
                &target.credential.id,
                token.version,
            )
            .await
            .map_err(credential_outcome)?;
            continue;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after.unwrap_or(Duration::from_secs(10));
            target.pacer.pause(account, wait);
            return Err(StepOutcome::Retry {
                message: format!("HubSpot rate limit: {}", message(&value)),
                after: Some(wait),
            });
        }
        if status.is_server_error() {
            return Err(StepOutcome::Retry {
                message: format!("HubSpot answered {}", status.as_u16()),
                after: retry_after,
            });
        }
        return Ok((status, value));
    }
}

fn credential_outcome(error: ConnectError) -> StepOutcome {
    match error {
        ConnectError::Provider(ProviderError::Transient(message)) => StepOutcome::Retry {
            message,
            after: None,
        },
        other => StepOutcome::Failed(other.to_string()),
    }
}

/// Keeps Task History rows small: long answers are cut.
fn truncate(value: &Value) -> Value {
    let text = value.to_string();
    if text.len() <= 4096 {
        value.clone()
    } else {
        Value::String(format!("{}…", text.chars().take(4096).collect::<String>()))
    }
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
