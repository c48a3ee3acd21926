//! CRM contacts v3: create, read, update, archive and list, under `/crm/v3/objects/contacts`
//! and its date-versioned twin `/crm/objects/2026-03/contacts` (same shapes in HubSpot's specs).

use axum::{
    Extension, Router,
    body::Bytes,
    extract::{OriginalUri, Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{
    body::{self, first, paging, query_pairs},
    contacts_bulk,
    crm_gate::{self, Caller},
    reply,
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

/// The versions the contacts API is served under.
const PREFIXES: &[&str] = &["/crm/v3/objects/contacts", "/crm/objects/2026-03/contacts"];
const MAX_LIST_LIMIT: u64 = 100;

/// The contacts routes behind the CRM gate.
pub fn router(sandbox: Sandbox) -> Router<Sandbox> {
    let mut router = Router::new();
    for prefix in PREFIXES {
        router = router
            .route(prefix, get(list).post(create))
            .route(&format!("{prefix}/search"), post(contacts_bulk::search))
            .route(
                &format!("{prefix}/batch/upsert"),
                post(contacts_bulk::upsert),
            )
            .route(
                &format!("{prefix}/{{contact_id}}"),
                get(read).patch(update).delete(archive),
            );
    }
    router.route_layer(middleware::from_fn_with_state(sandbox, crm_gate::gate))
}

type Answer = Result<Response, CrmFailure>;

fn ok(status: StatusCode, body: &Value) -> Answer {
    Ok(reply::json(status, body))
}

/// How the path names the contact: by id, or by email with `idProperty=email`.
fn key(contact_id: &str, pairs: &[(String, String)]) -> Result<ContactKey, CrmFailure> {
    match first(pairs, "idProperty") {
        Some("email") => Ok(ContactKey::Email(contact_id.to_owned())),
        None | Some("hs_object_id") => contact_id
            .parse()
            .map(ContactKey::Id)
            .map_err(|_| CrmFailure::NotFound),
        Some(other) => Err(CrmFailure::validation(format!(
            "{other} is not a unique property of contacts; use email or hs_object_id"
        ))),
    }
}

pub(super) fn archived_flag(pairs: &[(String, String)]) -> Result<bool, CrmFailure> {
    match first(pairs, "archived") {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(CrmFailure::validation(format!(
            "archived must be true or false, not {other}"
        ))),
    }
}

fn requested(pairs: &[(String, String)]) -> Vec<String> {
    view::property_list(
        pairs
            .iter()
            .filter(|(k, _)| k == "properties")
            .map(|(_, v)| v.as_str()),
    )
}

fn selection(names: &[String]) -> Selection<'_> {
    if names.is_empty() {
        Selection::Default
    } else {
        Selection::Listed(names)
    }
}

async fn create(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let input = body::json_object(&headers, &body)?;
    // `associations` is required by the spec but optional in practice; none are made here.
    let values = properties::validate(input.get("properties"), caller.hub_id)?;
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    let id = world.last_contact_id + 1;
    let book = world.contacts.entry(caller.hub_id).or_default();
    let contact = book.create(id, values, clock::now_ms())?;
    let answer = view::simple_object(contact, Selection::Everything);
    world.last_contact_id = id;
    announce(&sandbox, world, caller.hub_id, ChangeSource::Api);
    ok(StatusCode::CREATED, &answer)
}

/// Queues the webhook events of the request's writes and wakes the sender; the request does
/// not wait for any delivery.
pub(super) fn announce(
    sandbox: &Sandbox,
    world: &mut crate::state::World,
    hub_id: u32,
    source: ChangeSource,
) {
    world.publish_contact_changes(hub_id, source);
    sandbox.settings().webhooks_wake.notify_one();
}

async fn read(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let pairs = query_pairs(query.as_deref())?;
    let key = key(&contact_id, &pairs)?;
    let names = requested(&pairs);
    let archived = archived_flag(&pairs)?;
    let world = sandbox.lock();
    let contact = world
        .contacts
        .get(&caller.hub_id)
        .and_then(|book| book.find(&key, archived))
        .ok_or(CrmFailure::NotFound)?;
    ok(
        StatusCode::OK,
        &view::simple_object(contact, selection(&names)),
    )
}

async fn update(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let pairs = query_pairs(query.as_deref())?;
    let key = key(&contact_id, &pairs)?;
    let input = body::json_object(&headers, &body)?;
    let values = properties::validate(input.get("properties"), caller.hub_id)?;
    let mut world = sandbox.lock();
    let book = world.contacts.entry(caller.hub_id).or_default();
    let contact = book.update(&key, values, clock::now_ms())?;
    let answer = view::simple_object(contact, Selection::Everything);
    announce(&sandbox, &mut world, caller.hub_id, ChangeSource::Api);
    ok(StatusCode::OK, &answer)
}

async fn archive(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let pairs = query_pairs(query.as_deref())?;
    let mut world = sandbox.lock();
    // HubSpot answers 204 whether or not the contact existed.
    if let Ok(key) = key(&contact_id, &pairs) {
        if let Some(book) = world.contacts.get_mut(&caller.hub_id) {
            book.archive(&key, clock::now_ms());
        }
    }
    announce(&sandbox, &mut world, caller.hub_id, ChangeSource::Api);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> Answer {
    let pairs = query_pairs(query.as_deref())?;
    let (limit, after) = paging(&pairs, 10, MAX_LIST_LIMIT)?;
    let archived = archived_flag(&pairs)?;
    let names = requested(&pairs);
    let world = sandbox.lock();
    let (page, next) = world
        .contacts
        .get(&caller.hub_id)
        .map(|book| book.page(after, usize::try_from(limit).unwrap_or(10), archived))
        .unwrap_or_default();
    let results: Vec<Value> = page
        .into_iter()
        .map(|c| view::simple_object(c, selection(&names)))
        .collect();
    let mut body = json!({ "results": results });
    if let Some(next) = next {
        let mut link = format!(
            "{}{}?after={next}&limit={limit}",
            sandbox.settings().base_url,
            uri.path()
        );
        if !names.is_empty() {
            link.push_str(&format!("&properties={}", names.join(",")));
        }
        body["paging"] = json!({"next": {"after": next.to_string(), "link": link}});
    }
    ok(StatusCode::OK, &body)
}
