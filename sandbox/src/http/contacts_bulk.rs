//! `POST …/contacts/search` and `POST …/contacts/batch/upsert`.

use axum::{
    Extension,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{body, crm_gate::Caller, reply};
use crate::{
    clock,
    crm::{
        ContactKey, CrmFailure,
        search::Search,
        upsert,
        view::{self, Selection},
    },
    state::Sandbox,
    webhooks::ChangeSource,
};

/// Search one account's live contacts. Results are consistent with writes at once (HubSpot's
/// lag "a few moments"; clients must not rely on either).
pub async fn search(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CrmFailure> {
    let input = body::json_object(&headers, &body)?;
    let search = Search::parse(&input)?;
    let world = sandbox.lock();
    let mut matches: Vec<_> = world
        .contacts
        .get(&caller.hub_id)
        .map(|book| book.iter(false).filter(|c| search.matches(c)).collect())
        .unwrap_or_default();
    search.order(&mut matches);
    let total = matches.len();
    let selection = if search.properties.is_empty() {
        Selection::Default
    } else {
        Selection::Listed(&search.properties)
    };
    let results: Vec<Value> = matches
        .iter()
        .skip(search.after)
        .take(search.limit)
        .map(|c| view::simple_object(c, selection))
        .collect();
    let mut body = json!({ "total": total, "results": results });
    let next = search.after + search.limit;
    if next < total {
        body["paging"] = json!({"next": {"after": next.to_string()}});
    }
    Ok(reply::json(StatusCode::OK, &body))
}

/// Create-or-update by email: 200 when every input was written, 207 with `errors[]` when some
/// failed, and the first failure itself (400, 404 or 409) when all of them did.
pub async fn upsert(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CrmFailure> {
    let started = clock::iso8601(clock::now_ms());
    let input = body::json_object(&headers, &body)?;
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    let book = world.contacts.entry(caller.hub_id).or_default();
    let mut last_id = world.last_contact_id;
    let outcome = upsert::upsert(book, &mut last_id, &input, caller.hub_id, clock::now_ms())?;
    world.last_contact_id = last_id;
    super::contacts::announce(&sandbox, world, caller.hub_id, ChangeSource::Api);
    let book = world.contacts.entry(caller.hub_id).or_default();
    if outcome.written.is_empty() {
        if let Some((_, failure)) = outcome.failed.first() {
            return Ok(failure.clone().into_response());
        }
    }
    let results: Vec<Value> = outcome
        .written
        .iter()
        .filter_map(|(id, new)| {
            let contact = book.find(&ContactKey::Id(*id), false)?;
            let mut object = view::simple_object(contact, Selection::Everything);
            object["new"] = json!(new);
            Some(object)
        })
        .collect();
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "requestedAt": started,
        "startedAt": started,
        "completedAt": clock::iso8601(clock::now_ms()),
    });
    if outcome.failed.is_empty() {
        return Ok(reply::json(StatusCode::OK, &body));
    }
    let errors: Vec<Value> = outcome
        .failed
        .iter()
        .map(|(id, failure)| failure.standard_error(id))
        .collect();
    body["numErrors"] = json!(errors.len());
    body["errors"] = json!(errors);
    Ok(reply::json(StatusCode::MULTI_STATUS, &body))
}
