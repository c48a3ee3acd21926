//! The REST API under `/services/data/vXX.X/`: `sobjects/{Contact|Lead}` create, read, update
//! (PATCH) and delete, and `query?q=`.
//!
//! Answers follow "Create a Record", "Get Field Values from a Standard Object Record", "Update
//! a Record", "Delete a Record" and "Execute a SOQL Query" of the REST API developer guide
//! (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm>
//! and its neighbours): create answers 201 `{id, success: true, errors: []}`; PATCH and DELETE
//! answer 204; a read answers the fields with `attributes: {type, url}`; a query answers
//! `{totalSize, done, records}`. Every answer of an org's call carries
//! `Sforce-Limit-Info: api-usage=used/limit`
//! (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm>).

use axum::{
    Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Map, Value, json};

use super::{
    failure::RestFailure,
    faults::lost_answer,
    login::json_response,
    records::{Kind, Record},
    soql,
    state::{Salesforce, World},
};
use crate::clock;

/// The REST routes.
pub fn router() -> Router<Salesforce> {
    Router::new()
        .route("/services/data/{version}/sobjects/{object}", post(create))
        .route(
            "/services/data/{version}/sobjects/{object}/{id}",
            get(read).patch(update).delete(delete),
        )
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/query/", get(query))
}

/// Any other path.
pub async fn not_found() -> Response {
    RestFailure::not_found().into_response()
}

/// The token of `Authorization: Bearer …` (or the older `OAuth …`).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth");
    (known && !token.trim().is_empty()).then(|| token.trim())
}

/// Runs `work` for the org of the caller's token, after the session, the faults and the API
/// request limit; stamps `Sforce-Limit-Info` on whatever it answers.
fn gated(
    sf: &Salesforce,
    version: &str,
    headers: &HeaderMap,
    work: impl FnOnce(&mut World, &str) -> Result<Response, RestFailure>,
) -> Response {
    let mut world = sf.lock();
    world.counters.api_requests += 1;
    if !is_version(version) {
        return RestFailure::not_found().into_response();
    }
    let now = clock::now_ms();
    let session = bearer(headers)
        .and_then(|t| world.grants.sessions.get(t))
        .filter(|s| s.expires_at_ms > now && s.scopes.iter().any(|s| s == "api" || s == "full"));
    let Some(org_id) = session.map(|s| s.org_id.clone()) else {
        return RestFailure::invalid_session().into_response();
    };
    if let Some(failure) = world.faults.entry(org_id.clone()).or_default().draw() {
        world.counters.faults_injected += 1;
        return failure.into_response();
    }
    let Some(org) = world.orgs.get_mut(&org_id) else {
        return RestFailure::invalid_session().into_response();
    };
    let (used, limit) = (org.api_usage, org.api_limit);
    let mut response = if used >= limit {
        world.counters.limit_exceeded += 1;
        RestFailure::limit_exceeded(limit).into_response()
    } else {
        org.api_usage += 1;
        work(&mut world, &org_id).unwrap_or_else(IntoResponse::into_response)
    };
    let usage = world.orgs.get(&org_id).map_or(used, |o| o.api_usage);
    if let Ok(value) = HeaderValue::from_str(&format!("api-usage={usage}/{limit}")) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
    response
}

/// `v60.0` and its kind: a `v`, a number, `.0`.
fn is_version(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn kind(object: &str) -> Result<Kind, RestFailure> {
    Kind::parse(object).ok_or_else(RestFailure::not_found)
}

fn body_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, RestFailure> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(RestFailure::bad_request(
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type must be application/json",
        ));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(RestFailure::bad_request(
            "JSON_PARSER_ERROR",
            "The body must be a JSON object",
        )),
        Err(e) => Err(RestFailure::bad_request(
            "JSON_PARSER_ERROR",
            format!("The body is not valid JSON: {e}"),
        )),
    }
}

/// A record as a read or a query answers it: `attributes`, then `fields`.
fn view(version: &str, id: &str, record: &Record, fields: &[&str]) -> Value {
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({ "type": record.kind.name(), "url": format!("/services/data/{version}/sobjects/{}/{id}", record.kind.name()) }),
    );
    for field in fields {
        out.insert((*field).to_owned(), record.get(id, field));
    }
    Value::Object(out)
}

async fn create(
    State(sf): State<Salesforce>,
    Path((version, object)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&sf, &version, &object, None, &headers, &body)
}

async fn read(
    State(sf): State<Salesforce>,
    Path((version, object, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    gated(&sf, &version, &headers, |world, org_id| {
        let kind = kind(&object)?;
        let asked: Option<String> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or_default())
                .map_err(|_| {
                    RestFailure::bad_request("MALFORMED_QUERY", "The query string cannot be read")
                })?
                .into_iter()
                .find(|(k, _)| k == "fields")
                .map(|(_, v)| v);
        let fields: Vec<&str> = match asked {
            Some(list) => list
                .split(',')
                .map(|f| {
                    kind.field(f.trim()).ok_or_else(|| {
                        RestFailure::bad_request(
                            "INVALID_FIELD",
                            format!("No such column '{}' on entity '{}'", f.trim(), kind.name()),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            None => kind.fields().collect(),
        };
        let (id, record) = world
            .records
            .get(org_id, kind, &id)
            .ok_or_else(RestFailure::not_found)?;
        Ok(json_response(
            StatusCode::OK,
            &view(&version, &id, record, &fields),
        ))
    })
}

async fn update(
    State(sf): State<Salesforce>,
    Path((version, object, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&sf, &version, &object, Some(&id), &headers, &body)
}

/// A create (no `id`) or an update. The object's kind and the body's fields are read after the
/// session check, so a caller without a session learns nothing about either. A write that was
/// made may still lose its answer (the `loseAnswers` fault).
fn write(
    sf: &Salesforce,
    version: &str,
    object: &str,
    id: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    gated(sf, version, headers, |world, org_id| {
        let kind = kind(object)?;
        let fields = body_object(headers, body)?;
        let done = match id {
            None => {
                let id = world.records.create(org_id, kind, &fields)?;
                json_response(
                    StatusCode::CREATED,
                    &json!({ "id": id, "success": true, "errors": [] }),
                )
            }
            Some(id) => {
                world.records.update(org_id, kind, id, &fields)?;
                StatusCode::NO_CONTENT.into_response()
            }
        };
        let faults = world.faults.entry(org_id.to_owned()).or_default();
        if faults.lose_answer() {
            world.counters.faults_injected += 1;
            world.counters.answers_lost += 1;
            return Ok(lost_answer());
        }
        Ok(done)
    })
}

async fn delete(
    State(sf): State<Salesforce>,
    Path((version, object, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    gated(&sf, &version, &headers, |world, org_id| {
        let kind = kind(&object)?;
        if world.records.delete(org_id, kind, &id) {
            Ok(StatusCode::NO_CONTENT.into_response())
        } else {
            Err(RestFailure::not_found())
        }
    })
}

async fn query(
    State(sf): State<Salesforce>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    gated(&sf, &version, &headers, |world, org_id| {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).map_err(|_| {
                RestFailure::bad_request("MALFORMED_QUERY", "The query string cannot be read")
            })?;
        let Some((_, q)) = pairs.iter().find(|(k, _)| k == "q") else {
            return Err(RestFailure::bad_request(
                "MALFORMED_QUERY",
                "A SOQL query is required in the q parameter",
            ));
        };
        let query = soql::parse(q)?;
        let records: Vec<Value> = world
            .records
            .all(org_id, query.kind)
            .filter(|(id, record)| {
                query
                    .conditions
                    .iter()
                    .all(|(field, want)| match record.get(id, field) {
                        Value::String(have) => have.eq_ignore_ascii_case(want),
                        _ => false,
                    })
            })
            .take(query.limit.unwrap_or(usize::MAX))
            .map(|(id, record)| view(&version, id, record, &query.fields))
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "totalSize": records.len(), "done": true, "records": records }),
        ))
    })
}
