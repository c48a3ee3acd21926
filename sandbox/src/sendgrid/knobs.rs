//! The test knobs under `/_sandbox/` (documented in sandbox/README.md), the same kind as the
//! other stand-ins': accounts, API keys, contacts, faults, and the shared counters, request log
//! and reset. SendGrid has none of these paths. Errors are `{"message": …}`.
//!
//! API keys are made here rather than configured: SendGrid's keys are random and shown once,
//! so a test holds a key only by asking for one, as a user copies it from SendGrid's settings.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
    routing::{delete, get},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    AccountConfig,
    keys::{MAX_KEYS_PER_ACCOUNT, TooManyKeys},
    state::{Faults, SendGrid, UsernameTaken},
};
use crate::{
    http::reply::{self, KnobAnswer as Answer, KnobError, knob_body as parse},
    stand_in,
};

/// The knob routes.
pub fn router() -> Router<SendGrid> {
    Router::new()
        .route("/_sandbox/accounts", get(accounts).post(add_account))
        .route(
            "/_sandbox/accounts/{username}/api-keys",
            get(api_keys).post(add_api_key),
        )
        .route(
            "/_sandbox/accounts/{username}/api-keys/{api_key_id}",
            delete(revoke_api_key),
        )
        .route("/_sandbox/accounts/{username}/contacts", get(contacts))
        .route(
            "/_sandbox/accounts/{username}/faults",
            get(faults).post(set_faults),
        )
        .merge(stand_in::knobs())
}

fn answer(status: StatusCode, body: &Value) -> Answer {
    Ok(reply::json(status, body))
}

fn known_account(sg: &SendGrid, username: &str) -> Result<(), KnobError> {
    if sg.lock().accounts.contains_key(username) {
        Ok(())
    } else {
        let message = format!("no account {username}");
        Err(KnobError(StatusCode::NOT_FOUND, message))
    }
}

async fn accounts(State(sg): State<SendGrid>) -> Answer {
    let world = sg.lock();
    answer(
        StatusCode::OK,
        &json!(world.accounts.values().collect::<Vec<_>>()),
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewAccount {
    username: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    company: String,
}

async fn add_account(State(sg): State<SendGrid>, body: Bytes) -> Answer {
    let new: NewAccount = parse(&body)?;
    let config = AccountConfig::new(&new.username)
        .name(&new.first_name, &new.last_name)
        .company(&new.company);
    config
        .validate()
        .map_err(|e| KnobError(StatusCode::BAD_REQUEST, e.to_string()))?;
    let account = sg.lock().open_account(&config).map_err(|UsernameTaken| {
        let message = format!("account {} exists", new.username);
        KnobError(StatusCode::CONFLICT, message)
    })?;
    answer(StatusCode::CREATED, &json!(account))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    name: Option<String>,
}

/// 201 `{apiKey, apiKeyId, name}`: the whole key, once, as SendGrid shows it once.
async fn add_api_key(
    State(sg): State<SendGrid>,
    Path(username): Path<String>,
    body: Bytes,
) -> Answer {
    known_account(&sg, &username)?;
    let new: NewKey = if body.is_empty() {
        NewKey::default()
    } else {
        parse(&body)?
    };
    let name = new.name.unwrap_or_else(|| "sandbox".to_owned());
    let mut world = sg.lock();
    let (record, key) = world.keys.create(&username, &name).map_err(|TooManyKeys| {
        let message = format!("an account has at most {MAX_KEYS_PER_ACCOUNT} API keys");
        KnobError(StatusCode::CONFLICT, message)
    })?;
    world.counters.keys_created += 1;
    let body = json!({ "apiKey": key, "apiKeyId": record.api_key_id, "name": record.name });
    answer(StatusCode::CREATED, &body)
}

/// The account's live keys, without their secrets.
async fn api_keys(State(sg): State<SendGrid>, Path(username): Path<String>) -> Answer {
    known_account(&sg, &username)?;
    let world = sg.lock();
    answer(
        StatusCode::OK,
        &json!(world.keys.of(&username).collect::<Vec<_>>()),
    )
}

/// 204; the key is refused from the next call on.
async fn revoke_api_key(
    State(sg): State<SendGrid>,
    Path((username, api_key_id)): Path<(String, String)>,
) -> Answer {
    known_account(&sg, &username)?;
    let mut world = sg.lock();
    if !world.keys.revoke(&username, &api_key_id) {
        let message = format!("{username} has no API key {api_key_id}");
        return Err(KnobError(StatusCode::NOT_FOUND, message));
    }
    world.counters.keys_revoked += 1;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every contact of the account, by email, as the API shows them.
async fn contacts(State(sg): State<SendGrid>, Path(username): Path<String>) -> Answer {
    known_account(&sg, &username)?;
    let base = &sg.settings().base_url;
    let world = sg.lock();
    let list: Vec<Value> = world
        .contacts
        .get(&username)
        .map(|book| book.all().map(|c| c.view(base)).collect())
        .unwrap_or_default();
    answer(StatusCode::OK, &json!(list))
}

async fn faults(State(sg): State<SendGrid>, Path(username): Path<String>) -> Answer {
    known_account(&sg, &username)?;
    let faults = sg.lock().faults.get(&username).cloned().unwrap_or_default();
    answer(StatusCode::OK, &json!(faults))
}

/// Replaces the account's faults; a field left out is 0.
async fn set_faults(
    State(sg): State<SendGrid>,
    Path(username): Path<String>,
    body: Bytes,
) -> Answer {
    known_account(&sg, &username)?;
    let faults: Faults = parse(&body)?;
    sg.lock().faults.insert(username, faults.clone());
    answer(StatusCode::OK, &json!(faults))
}
