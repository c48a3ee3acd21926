//! The v3 API under `/v3/`: the user's profile and username, and Marketing Campaigns contacts
//! (upsert, the sample list, count, one by id, search by emails, the upsert job's status).
//!
//! Every call goes through [`gated`], in SendGrid's order: the API key (`Authorization: Bearer
//! <key>`, "How to use the SendGrid v3 API: Authentication"), the account's injected faults, the
//! endpoint's rate limit, then the work. Every answer past the key check carries the
//! `X-RateLimit-*` headers of its endpoint.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Map, Value, json};

use super::{
    failure::{ApiFailure, json},
    jobs::Job,
    rate_limit::Usage,
    state::{Account, SendGrid, World},
    upsert,
};
use crate::{clock, http::reply};

const PROFILE: &str = "GET /v3/user/profile";
const USERNAME: &str = "GET /v3/user/username";
const UPSERT: &str = "PUT /v3/marketing/contacts";
const SAMPLE: &str = "GET /v3/marketing/contacts";
const COUNT: &str = "GET /v3/marketing/contacts/count";
const BY_ID: &str = "GET /v3/marketing/contacts/{id}";
const BY_EMAILS: &str = "POST /v3/marketing/contacts/search/emails";
const IMPORT: &str = "GET /v3/marketing/contacts/imports/{id}";

/// The API routes.
pub fn router() -> Router<SendGrid> {
    Router::new()
        .route("/v3/user/profile", get(profile))
        .route("/v3/user/username", get(username))
        .route("/v3/marketing/contacts", get(sample).put(upsert))
        .route("/v3/marketing/contacts/count", get(count))
        .route("/v3/marketing/contacts/{id}", get(by_id))
        .route("/v3/marketing/contacts/search/emails", post(by_emails))
        .route("/v3/marketing/contacts/imports/{id}", get(import))
}

/// Any other path: SendGrid's 404.
pub async fn not_found() -> Response {
    ApiFailure::not_found("resource not found").into_response()
}

/// The account of the caller's key.
fn caller<'w>(world: &'w World, headers: &HeaderMap) -> Result<&'w str, ApiFailure> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiFailure::authorization_required());
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .and_then(|(_, key)| world.keys.account_of(key.trim()))
        .ok_or_else(ApiFailure::invalid_grant)
}

/// Runs `work` for the account of the caller's key, after the key, the faults and the rate
/// limit of `endpoint`; stamps the endpoint's `X-RateLimit-*` on whatever it answers.
fn gated(
    sg: &SendGrid,
    endpoint: &'static str,
    headers: &HeaderMap,
    work: impl FnOnce(&mut World, &str) -> Result<Response, ApiFailure>,
) -> Response {
    let mut world = sg.lock();
    world.counters.api_requests += 1;
    let username = match caller(&world, headers) {
        Ok(username) => username.to_owned(),
        Err(refused) => {
            world.counters.unauthorized += 1;
            return refused.into_response();
        }
    };
    let now = clock::now_ms();
    let injected = world.faults.entry(username.clone()).or_default().draw();
    let (response, usage) = match injected {
        Some(failure) => {
            world.counters.faults_injected += 1;
            let mut usage = world.limits.peek(&username, endpoint, now);
            if failure.status == StatusCode::TOO_MANY_REQUESTS {
                world.counters.rate_limited += 1;
                usage.remaining = 0;
            }
            (failure.into_response(), usage)
        }
        None => match world.limits.take(&username, endpoint, now) {
            Ok(usage) => {
                let answer = work(&mut world, &username);
                (answer.unwrap_or_else(IntoResponse::into_response), usage)
            }
            Err(spent) => {
                world.counters.rate_limited += 1;
                (ApiFailure::too_many_requests().into_response(), spent)
            }
        },
    };
    stamped(response, usage)
}

fn stamped(mut response: Response, usage: Usage) -> Response {
    let headers = response.headers_mut();
    reply::set_number(headers, "x-ratelimit-limit", u64::from(usage.limit));
    reply::set_number(headers, "x-ratelimit-remaining", u64::from(usage.remaining));
    reply::set_number(headers, "x-ratelimit-reset", usage.reset_at);
    response
}

fn ok(body: &Value) -> Result<Response, ApiFailure> {
    Ok(json(StatusCode::OK, body))
}

/// The caller's account. Keys name accounts that exist (accounts are never removed), so a
/// miss is answered as for a key that names none.
fn account<'w>(world: &'w World, username: &str) -> Result<&'w Account, ApiFailure> {
    world
        .accounts
        .get(username)
        .ok_or_else(ApiFailure::invalid_grant)
}

async fn profile(State(sg): State<SendGrid>, headers: HeaderMap) -> Response {
    gated(&sg, PROFILE, &headers, |world, username| {
        ok(&account(world, username)?.profile())
    })
}

async fn username(State(sg): State<SendGrid>, headers: HeaderMap) -> Response {
    gated(&sg, USERNAME, &headers, |world, username| {
        let account = account(world, username)?;
        ok(&json!({ "username": account.username, "userId": account.user_id }))
    })
}

async fn upsert(State(sg): State<SendGrid>, headers: HeaderMap, body: Bytes) -> Response {
    gated(&sg, UPSERT, &headers, |world, username| {
        let inputs = upsert::parse(&body)?;
        let requested = inputs.len() as u64;
        let now = clock::now_ms();
        let book = world.contacts.entry(username.to_owned()).or_default();
        let done = book.upsert(inputs, now);
        world.counters.contacts_upserted += requested;
        let job = Job::new(username, requested, done, now);
        let answer = json!({ "job_id": job.id });
        world.jobs.insert(job.id.clone(), job);
        Ok(json(StatusCode::ACCEPTED, &answer))
    })
}

async fn sample(State(sg): State<SendGrid>, headers: HeaderMap) -> Response {
    let base = &sg.settings().base_url;
    gated(&sg, SAMPLE, &headers, |world, username| {
        let book = world.contacts.get(username);
        let result: Vec<Value> = book
            .map(|b| b.sample().iter().map(|c| c.view(base)).collect())
            .unwrap_or_default();
        ok(&json!({
            "result": result,
            "contact_count": book.map_or(0, |b| b.len()),
            "_metadata": { "self": format!("{base}/v3/marketing/contacts") },
        }))
    })
}

async fn count(State(sg): State<SendGrid>, headers: HeaderMap) -> Response {
    gated(&sg, COUNT, &headers, |world, username| {
        // Every contact of the stand-in was written this month, so all are billable.
        let count = world.contacts.get(username).map_or(0, |b| b.len());
        ok(&json!({ "contact_count": count, "billable_count": count }))
    })
}

async fn by_id(State(sg): State<SendGrid>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let base = &sg.settings().base_url;
    gated(&sg, BY_ID, &headers, |world, username| {
        let contact = world.contacts.get(username).and_then(|b| b.get(&id));
        let contact = contact.ok_or_else(|| ApiFailure::not_found("contact not found"))?;
        ok(&contact.view(base))
    })
}

/// 200 with every searched email as a key, its contact or `"contact not found"`, when any is
/// found; 404 when none is.
async fn by_emails(State(sg): State<SendGrid>, headers: HeaderMap, body: Bytes) -> Response {
    let base = &sg.settings().base_url;
    gated(&sg, BY_EMAILS, &headers, |world, username| {
        let emails = upsert::search_emails(&body)?;
        let book = world.contacts.get(username);
        let mut result = Map::new();
        let mut found = false;
        for email in emails {
            let entry = match book.and_then(|b| b.find_email(&email)) {
                Some(contact) => {
                    found = true;
                    json!({ "contact": contact.view(base) })
                }
                None => json!({ "error": "contact not found" }),
            };
            result.insert(email, entry);
        }
        if !found {
            return Err(ApiFailure::not_found("contacts not found"));
        }
        ok(&json!({ "result": result }))
    })
}

async fn import(
    State(sg): State<SendGrid>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    gated(&sg, IMPORT, &headers, |world, username| {
        let job = world.jobs.get(&id).filter(|j| j.username == username);
        let job = job.ok_or_else(|| ApiFailure::not_found("job not found"))?;
        ok(&job.view())
    })
}
