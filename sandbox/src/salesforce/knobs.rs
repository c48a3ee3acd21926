//! The test knobs under `/_sandbox/` (documented in sandbox/README.md), the same kind as the
//! HubSpot stand-in's: orgs, faults, tokens, records, API usage, counters, the request log,
//! reset. Salesforce has none of these paths. Errors are `{"message": …}`.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{OrgConfig, faults::Faults, records::Kind, state::Salesforce};
use crate::{clock, http::reply, stand_in};

/// The knob routes.
pub fn router() -> Router<Salesforce> {
    Router::new()
        .route("/_sandbox/orgs", get(orgs).post(add_org))
        .route(
            "/_sandbox/orgs/{org_id}/faults",
            get(faults).post(set_faults),
        )
        .route("/_sandbox/orgs/{org_id}/api-usage", post(set_api_usage))
        .route("/_sandbox/orgs/{org_id}/expire-tokens", post(expire_tokens))
        .route("/_sandbox/orgs/{org_id}/tokens", get(tokens))
        .route("/_sandbox/orgs/{org_id}/records", get(records))
        .merge(stand_in::knobs())
}

use reply::{KnobAnswer as Answer, KnobError, knob_body as parse};

fn refuse(status: StatusCode, message: impl Into<String>) -> KnobError {
    KnobError(status, message.into())
}

fn known_org(sf: &Salesforce, org_id: &str) -> Result<(), KnobError> {
    if sf.lock().orgs.contains_key(org_id) {
        Ok(())
    } else {
        Err(refuse(StatusCode::NOT_FOUND, format!("no org {org_id}")))
    }
}

fn ok(body: &Value) -> Answer {
    Ok(reply::json(StatusCode::OK, body))
}

async fn orgs(State(sf): State<Salesforce>) -> Answer {
    let world = sf.lock();
    ok(&json!(world.orgs.values().collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrg {
    username: String,
}

async fn add_org(State(sf): State<Salesforce>, body: Bytes) -> Answer {
    let new: NewOrg = parse(&body)?;
    OrgConfig::new(&new.username)
        .validate()
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, e.to_string()))?;
    let org = sf
        .lock()
        .open_org(&new.username, sf.settings().api_request_limit);
    Ok(reply::json(StatusCode::CREATED, &json!(org)))
}

async fn faults(State(sf): State<Salesforce>, Path(org_id): Path<String>) -> Answer {
    known_org(&sf, &org_id)?;
    let faults = sf.lock().faults.get(&org_id).cloned().unwrap_or_default();
    ok(&json!(faults))
}

async fn set_faults(
    State(sf): State<Salesforce>,
    Path(org_id): Path<String>,
    body: Bytes,
) -> Answer {
    known_org(&sf, &org_id)?;
    let faults: Faults = parse(&body)?;
    faults
        .check()
        .map_err(|why| refuse(StatusCode::BAD_REQUEST, why))?;
    sf.lock().faults.insert(org_id, faults.clone());
    ok(&json!(faults))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApiUsage {
    used: u64,
    limit: Option<u64>,
}

/// Sets the org's usage (and limit), so a test reaches `REQUEST_LIMIT_EXCEEDED` in one call.
async fn set_api_usage(
    State(sf): State<Salesforce>,
    Path(org_id): Path<String>,
    body: Bytes,
) -> Answer {
    known_org(&sf, &org_id)?;
    let usage: ApiUsage = parse(&body)?;
    if usage.limit == Some(0) {
        return Err(refuse(StatusCode::BAD_REQUEST, "limit must be at least 1"));
    }
    let mut world = sf.lock();
    let org = world
        .orgs
        .get_mut(&org_id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "no such org"))?;
    org.api_usage = usage.used;
    if let Some(limit) = usage.limit {
        org.api_limit = limit;
    }
    ok(&json!(org))
}

async fn expire_tokens(State(sf): State<Salesforce>, Path(org_id): Path<String>) -> Answer {
    known_org(&sf, &org_id)?;
    let expired = sf.lock().grants.expire_sessions(&org_id);
    ok(&json!({ "expired": expired }))
}

/// The org's live tokens, for tests that drive the flow in a browser and then need the token.
async fn tokens(State(sf): State<Salesforce>, Path(org_id): Path<String>) -> Answer {
    known_org(&sf, &org_id)?;
    let world = sf.lock();
    let now = clock::now_ms();
    let access: Vec<Value> = world
        .grants
        .sessions
        .iter()
        .filter(|(_, s)| s.org_id == org_id && s.expires_at_ms > now)
        .map(|(t, s)| json!({ "accessToken": t, "refreshToken": s.refresh_token, "expiresAtMs": s.expires_at_ms }))
        .collect();
    let refresh: Vec<&String> = world
        .grants
        .refresh
        .iter()
        .filter(|(_, g)| g.org_id == org_id)
        .map(|(t, _)| t)
        .collect();
    ok(&json!({ "accessTokens": access, "refreshTokens": refresh }))
}

async fn records(State(sf): State<Salesforce>, Path(org_id): Path<String>) -> Answer {
    known_org(&sf, &org_id)?;
    let world = sf.lock();
    let list: Vec<Value> = [Kind::Contact, Kind::Lead]
        .into_iter()
        .flat_map(|kind| world.records.all(&org_id, kind))
        .map(|(id, r)| {
            let mut fields: serde_json::Map<String, Value> = r
                .kind
                .fields()
                .map(|f| (f.to_owned(), r.get(id, f)))
                .collect();
            fields.insert("type".into(), json!(r.kind.name()));
            Value::Object(fields)
        })
        .collect();
    ok(&json!(list))
}
