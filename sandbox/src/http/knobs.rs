//! The test knobs under `/_sandbox/` (documented in the crate's README). Real HubSpot has
//! none of these paths. Plain JSON in and out (lists as bare arrays); errors are
//! `{"message": …}`.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    routing::{get, patch, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    body::{first, query_pairs},
    contact_knobs, reply,
};
use crate::{
    accounts::AccountRefused,
    clock,
    config::{AppConfig, OwnerConfig},
    crm::{
        owners::OwnerRefused,
        view::{self, Selection},
    },
    faults::Faults,
    stand_in,
    state::Sandbox,
};

/// The knob routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/accounts", get(accounts).post(add_account))
        .route(
            "/_sandbox/accounts/{hub_id}/faults",
            get(faults).post(set_faults),
        )
        .route(
            "/_sandbox/accounts/{hub_id}/expire-tokens",
            post(expire_tokens),
        )
        .route(
            "/_sandbox/accounts/{hub_id}/contacts",
            get(contacts).post(contact_knobs::create),
        )
        .route(
            "/_sandbox/accounts/{hub_id}/contacts/{contact_id}",
            patch(contact_knobs::update).delete(contact_knobs::archive),
        )
        .route(
            "/_sandbox/accounts/{hub_id}/owners",
            get(owners).post(add_owner),
        )
        .route("/_sandbox/accounts/{hub_id}/tokens", get(tokens))
        .route("/_sandbox/apps", post(add_app))
        .merge(stand_in::knobs())
}

use reply::{KnobAnswer as Answer, KnobError, knob_body as parse};

fn ok(status: StatusCode, body: &Value) -> Answer {
    Ok(reply::json(status, body))
}

/// The hub id of the path, if it names an account.
pub(super) fn known_hub(sandbox: &Sandbox, hub_id: &str) -> Result<u32, KnobError> {
    hub_id
        .parse()
        .ok()
        .filter(|id| sandbox.lock().accounts.get(*id).is_some())
        .ok_or_else(|| KnobError(StatusCode::NOT_FOUND, format!("no account {hub_id}")))
}

async fn accounts(State(sandbox): State<Sandbox>) -> Answer {
    let world = sandbox.lock();
    let results: Vec<_> = world.accounts.all().collect();
    ok(StatusCode::OK, &json!(results))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewAccount {
    hub_id: Option<u32>,
    email: String,
}

async fn add_account(State(sandbox): State<Sandbox>, body: Bytes) -> Answer {
    let input: NewAccount = parse(&body)?;
    match sandbox
        .lock()
        .open_account(input.hub_id, &input.email, true, &[])
    {
        Ok(account) => ok(StatusCode::CREATED, &json!(account)),
        Err(AccountRefused::Exists(id)) => Err(KnobError(
            StatusCode::CONFLICT,
            format!("account {id} already exists"),
        )),
        Err(AccountRefused::Invalid(message)) => Err(KnobError(StatusCode::BAD_REQUEST, message)),
    }
}

async fn faults(State(sandbox): State<Sandbox>, Path(hub_id): Path<String>) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let current = sandbox
        .lock()
        .faults
        .get(&hub_id)
        .cloned()
        .unwrap_or_default();
    ok(StatusCode::OK, &json!(current))
}

/// Replaces the account's faults; fields left out are zero.
async fn set_faults(
    State(sandbox): State<Sandbox>,
    Path(hub_id): Path<String>,
    body: Bytes,
) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let faults: Faults = parse(&body)?;
    faults
        .check()
        .map_err(|message| KnobError(StatusCode::BAD_REQUEST, message))?;
    tracing::info!(hub_id, ?faults, "faults set");
    sandbox.lock().faults.insert(hub_id, faults.clone());
    ok(StatusCode::OK, &json!(faults))
}

async fn expire_tokens(State(sandbox): State<Sandbox>, Path(hub_id): Path<String>) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let expired = sandbox
        .lock()
        .oauth
        .tokens
        .expire_hub(hub_id, clock::now_ms());
    ok(StatusCode::OK, &json!({ "expired": expired }))
}

/// Every access and refresh token issued for the account, live or not.
async fn tokens(State(sandbox): State<Sandbox>, Path(hub_id): Path<String>) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let (access, refresh) = sandbox.lock().oauth.tokens.of_hub(hub_id);
    ok(
        StatusCode::OK,
        &json!({ "accessTokens": access, "refreshTokens": refresh }),
    )
}

/// The account's contacts with every property, live ones (or archived with `?archived=true`).
async fn contacts(
    State(sandbox): State<Sandbox>,
    Path(hub_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let pairs = query_pairs(query.as_deref()).unwrap_or_default();
    let archived = first(&pairs, "archived") == Some("true");
    let world = sandbox.lock();
    let results: Vec<Value> = world
        .contacts
        .get(&hub_id)
        .map(|book| {
            book.iter(archived)
                .map(|c| view::simple_object(c, Selection::Everything))
                .collect()
        })
        .unwrap_or_default();
    ok(StatusCode::OK, &json!(results))
}

/// Every owner of the account, live and archived, as HubSpot's `PublicOwner`, in id order.
async fn owners(State(sandbox): State<Sandbox>, Path(hub_id): Path<String>) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let world = sandbox.lock();
    let results: Vec<Value> = world
        .owners
        .book(hub_id)
        .map(|book| book.all().map(|o| o.public()).collect())
        .unwrap_or_default();
    ok(StatusCode::OK, &json!(results))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewOwner {
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    teams: Vec<String>,
    #[serde(default)]
    archived: bool,
}

/// Adds an owner (a user of the account); names left out come from the email.
async fn add_owner(
    State(sandbox): State<Sandbox>,
    Path(hub_id): Path<String>,
    body: Bytes,
) -> Answer {
    let hub_id = known_hub(&sandbox, &hub_id)?;
    let input: NewOwner = parse(&body)?;
    let mut owner = OwnerConfig::new(&input.email);
    if let Some(first_name) = input.first_name {
        owner.first_name = first_name;
    }
    if let Some(last_name) = input.last_name {
        owner.last_name = last_name;
    }
    owner.teams = input.teams;
    owner.archived = input.archived;
    let mut world = sandbox.lock();
    match world.owners.add(hub_id, &owner, clock::now_ms()) {
        Ok(owner) => ok(StatusCode::CREATED, &owner.public()),
        Err(OwnerRefused::Exists(email)) => Err(KnobError(
            StatusCode::CONFLICT,
            format!("account {hub_id} already has an owner {email}"),
        )),
        Err(OwnerRefused::Invalid(message)) => Err(KnobError(StatusCode::BAD_REQUEST, message)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewApp {
    client_id: String,
    client_secret: String,
    name: String,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    #[serde(default)]
    optional_scopes: Vec<String>,
}

async fn add_app(State(sandbox): State<Sandbox>, body: Bytes) -> Answer {
    let input: NewApp = parse(&body)?;
    let config = AppConfig {
        client_id: input.client_id,
        client_secret: input.client_secret,
        name: input.name,
        redirect_uris: input.redirect_uris,
        scopes: input.scopes,
        optional_scopes: input.optional_scopes,
    };
    let mut world = sandbox.lock();
    if world.apps.get(&config.client_id).is_some() {
        let message = format!("client id {} is already registered", config.client_id);
        return Err(KnobError(StatusCode::CONFLICT, message));
    }
    let app = world
        .apps
        .register(config)
        .map_err(|error| KnobError(StatusCode::BAD_REQUEST, error.to_string()))?;
    // The secret is not echoed.
    let body = json!({
        "appId": app.app_id,
        "clientId": app.config.client_id,
        "name": app.config.name,
        "redirectUris": app.config.redirect_uris,
        "scopes": app.config.scopes,
        "optionalScopes": app.config.optional_scopes,
    });
    ok(StatusCode::CREATED, &body)
}
