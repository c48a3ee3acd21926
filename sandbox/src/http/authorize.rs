//! `GET /oauth/authorize` (and `/oauth/{hubId}/authorize`) shows the consent page;
//! `POST /oauth/authorize` takes the tester's decision and redirects to the app.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use super::{body, consent_page, reply};
use crate::{
    clock,
    oauth::consent::{self, AuthorizeQuery, Consent},
    state::Sandbox,
};

/// The authorize routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/oauth/authorize", get(show).post(decide))
        .route("/oauth/{hub_id}/authorize", get(show_pinned))
}

fn refuse(message: &str) -> Response {
    reply::page(StatusCode::BAD_REQUEST, consent_page::error(message))
}

async fn show(State(sandbox): State<Sandbox>, RawQuery(query): RawQuery) -> Response {
    render(&sandbox, query.as_deref(), None)
}

async fn show_pinned(
    State(sandbox): State<Sandbox>,
    Path(hub_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match hub_id.parse::<u32>() {
        Ok(hub_id) if sandbox.lock().accounts.get(hub_id).is_some() => {
            render(&sandbox, query.as_deref(), Some(hub_id))
        }
        _ => refuse(&format!("The HubSpot account {hub_id} does not exist.")),
    }
}

fn render(sandbox: &Sandbox, query: Option<&str>, pinned_hub: Option<u32>) -> Response {
    let Ok(query) = serde_urlencoded::from_str::<AuthorizeQuery>(query.unwrap_or_default()) else {
        return refuse("The install URL is malformed (a parameter is repeated or not encoded).");
    };
    let now = clock::now_ms();
    let mut world = sandbox.lock();
    let app = query.client_id().and_then(|id| world.apps.get(id)).cloned();
    let require_pkce = sandbox.settings().require_pkce;
    let consent = match consent::check(app.as_ref(), query, require_pkce, pinned_hub, now) {
        Ok(consent) => consent,
        Err(message) => return refuse(&message),
    };
    let accounts: Vec<_> = world
        .accounts
        .all()
        .filter(|a| pinned_hub.is_none_or(|hub| a.hub_id == hub))
        .collect();
    let app_name = app.map(|a| a.config.name).unwrap_or_default();
    let html = consent_page::consent(&app_name, &consent, &accounts);
    world.oauth.consents.insert(consent, now);
    reply::page(StatusCode::OK, html)
}

/// The consent form's fields.
#[derive(Debug, Deserialize)]
struct Decision {
    consent_id: String,
    hub_id: Option<String>,
    decision: String,
}

async fn decide(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(form) = body::form::<Decision>(&headers, &body) else {
        return refuse("The consent form was not filled in.");
    };
    let now = clock::now_ms();
    let mut guard = sandbox.lock();
    let world = &mut *guard;
    // Checked before the consent is used up, so a bad choice can be corrected.
    let Some(pending) = world.oauth.consents.peek(&form.consent_id).cloned() else {
        return refuse(
            "This authorization request has expired or was already answered. Start again from the app.",
        );
    };
    let hub_id = match (form.decision.as_str(), form.hub_id.as_deref()) {
        ("deny", _) => None,
        ("grant", Some("new")) if pending.pinned_hub.is_none() => {
            let email = format!("tester-{}@example.com", rand::random_range(1000..1_000_000));
            match world.open_account(None, &email, true, &[]) {
                Ok(account) => Some(account.hub_id),
                Err(_) => return refuse("A new test account could not be created."),
            }
        }
        ("grant", Some(hub)) => match hub.parse::<u32>() {
            Ok(id)
                if world.accounts.get(id).is_some()
                    && pending.pinned_hub.is_none_or(|p| p == id) =>
            {
                Some(id)
            }
            _ => return refuse("Choose one of the offered HubSpot accounts."),
        },
        _ => return refuse("Press Grant access or Deny."),
    };
    let Some(consent) = world.oauth.consents.take(&form.consent_id, now) else {
        return refuse("This authorization request has expired. Start again from the app.");
    };
    let params = match hub_id {
        Some(hub_id) => {
            let lifetime = sandbox.settings().code_lifetime_ms;
            let code = world.oauth.codes.issue(&consent, hub_id, now, lifetime);
            vec![("code", code)]
        }
        None => vec![
            ("error", "access_denied".to_owned()),
            (
                "error_description",
                "The user denied access to the app".to_owned(),
            ),
        ],
    };
    redirect(&consent, params)
}

/// 303 to the registered redirect URI with the answer and `state` added to its query.
fn redirect(consent: &Consent, mut params: Vec<(&str, String)>) -> Response {
    if let Some(state) = &consent.state {
        params.push(("state", state.clone()));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let separator = if consent.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{separator}{query}", consent.redirect_uri);
    let mut response = reply::page(StatusCode::SEE_OTHER, String::new());
    match header::HeaderValue::from_str(&location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => refuse("The redirect URI cannot be used in a redirect.").into_response(),
    }
}
