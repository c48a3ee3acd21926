//! Contact writes as a user in HubSpot's own UI would make them, without an app's token:
//! `POST /_sandbox/accounts/{hubId}/contacts`, `PATCH` and `DELETE …/contacts/{contactId}`.
//! They follow the CRM API's rules and fire webhooks with `changeSource: CRM_UI`, so a test
//! can make the change a platform is meant to hear about from HubSpot rather than cause.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    contacts::announce,
    knobs::known_hub,
    reply::{self, KnobAnswer as Answer, KnobError, knob_body as parse},
};
use crate::{
    clock,
    crm::{
        ContactKey, CrmFailure, properties,
        view::{self, Selection},
    },
    state::Sandbox,
    webhooks::ChangeSource,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Write {
    properties: Map<String, Value>,
}

/// A refusal of the CRM's rules as a knob error: the same status and message.
fn refused(failure: &CrmFailure) -> KnobError {
    let status = StatusCode::from_u16(failure.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = failure.body();
    let message = body["message"].as_str().unwrap_or("refused").to_owned();
    KnobError(status, message)
}

fn contact_key(contact_id: &str) -> Result<ContactKey, KnobError> {
    contact_id
        .parse()
        .map(ContactKey::Id)
        .map_err(|_| KnobError(StatusCode::NOT_FOUND, format!("no contact {contact_id}")))
}

/// Creates a contact: 201 with every property.
pub async fn create(
    State(sandbox): State<Sandbox>,
    Path(hub_id): Path<String>,
    body: Bytes,
) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let input: Write = parse(&body)?;
    let values = properties::validate(Some(&Value::Object(input.properties)), hub_id)
        .map_err(|failure| refused(&failure))?;
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    let id = world.last_contact_id + 1;
    let book = world.contacts.entry(hub_id).or_default();
    let contact = book
        .create(id, values, clock::now_ms())
        .map_err(|failure| refused(&failure))?;
    let answer = view::simple_object(contact, Selection::Everything);
    world.last_contact_id = id;
    announce(&sandbox, world, hub_id, ChangeSource::CrmUi);
    Ok(reply::json(StatusCode::CREATED, &answer))
}

/// Writes properties of a live contact: 200 with every property.
pub async fn update(
    State(sandbox): State<Sandbox>,
    Path((hub_id, contact_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let key = contact_key(&contact_id)?;
    let input: Write = parse(&body)?;
    let values = properties::validate(Some(&Value::Object(input.properties)), hub_id)
        .map_err(|failure| refused(&failure))?;
    let mut world = sandbox.lock();
    let book = world.contacts.entry(hub_id).or_default();
    let contact = book
        .update(&key, values, clock::now_ms())
        .map_err(|failure| refused(&failure))?;
    let answer = view::simple_object(contact, Selection::Everything);
    announce(&sandbox, &mut world, hub_id, ChangeSource::CrmUi);
    Ok(reply::json(StatusCode::OK, &answer))
}

/// Archives a live contact: 204, or 404 when there is none (unlike the API, a knob says so).
pub async fn archive(
    State(sandbox): State<Sandbox>,
    Path((hub_id, contact_id)): Path<(String, String)>,
) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let key = contact_key(&contact_id)?;
    let mut world = sandbox.lock();
    let Some(book) = world
        .contacts
        .get_mut(&hub_id)
        .filter(|book| book.find(&key, false).is_some())
    else {
        let message = format!("no live contact {contact_id} in account {hub_id}");
        return Err(KnobError(StatusCode::NOT_FOUND, message));
    };
    book.archive(&key, clock::now_ms());
    announce(&sandbox, &mut world, hub_id, ChangeSource::CrmUi);
    Ok(StatusCode::NO_CONTENT.into_response())
}
