//! `POST /webhooks/hubspot/{projectId}`: the target URL of a project's HubSpot app, where
//! HubSpot sends its webhook events (a JSON array) for every account that installed the app.
//!
//! Nothing is read before the signature holds: `X-HubSpot-Signature-v3` is
//! base64(HMAC-SHA256(the app's client secret, method + URI + body + timestamp)), the URI being
//! the platform's public URL followed by the path and query HubSpot called, and
//! `X-HubSpot-Request-Timestamp` (ms) at most 5 minutes old (and not more than one in the
//! future). A forged, stale or replayed-after-5-minutes request is a 401 and stores nothing.
//!
//! Each event goes to every user of the project whose HubSpot connection is of the event's
//! account (`portalId` = the credential's `providerId`): it is recorded as that user's input of
//! `source` `provider_event`, keyed by HubSpot's `eventId`, and runs the user's enabled
//! workflows with `trigger: provider_event: <subscriptionType>` (and, for a property change,
//! those with its `property:`), `event.*` being HubSpot's event. A repeat of an `eventId` (a
//! retried delivery) records and runs nothing. Events of accounts nobody connected are counted
//! in the log and dropped. The answer is a 204 once the batch is stored, in one transaction:
//! the runs are queued, not waited for, so HubSpot's 5-second timeout is never near.

use std::collections::HashMap;

use axum::{
    Router,
    body::Bytes,
    extract::{OriginalUri, Path, State},
    http::{HeaderMap, Method, StatusCode},
    routing::post,
};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::{ApiError, AppState};
use crate::{
    clock,
    connect::integrations,
    ids::{EventId, ProjectId},
    storage::{Credential, NewEvent, TriggerKind},
};

/// How old a signed request may be.
pub const MAX_AGE_MS: i64 = 5 * 60 * 1000;
/// How far ahead of this server's clock a timestamp may be (clocks drift).
const MAX_AHEAD_MS: i64 = 60 * 1000;
/// The most events one request may hold (HubSpot sends batches of up to 100).
const MAX_EVENTS: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/hubspot/{project_id}", post(receive))
}

async fn receive(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let refused =
        || ApiError::Unauthorized("the request is not signed by this project's HubSpot app".into());
    let project = ProjectId::parse(&project_id).ok_or_else(refused)?;
    let integration = state
        .store
        .integration_by_provider(project, "hubspot")
        .await?
        .ok_or_else(refused)?;
    let secret = integrations::client_secret(&state.connect.keys, &integration)?;
    let called = format!(
        "{}{}",
        state.connect.public_url,
        uri.path_and_query().map_or(uri.path(), |p| p.as_str())
    );
    verify(
        &headers,
        method.as_str(),
        &called,
        &body,
        &secret,
        clock::now_ms(),
    )
    .map_err(|why| {
        tracing::warn!(project = %project, why, "a HubSpot webhook was refused");
        refused()
    })?;
    let events: Vec<Value> = serde_json::from_slice(&body).map_err(|_| {
        ApiError::BadRequest("a HubSpot webhook body is a JSON array of events".into())
    })?;
    if events.len() > MAX_EVENTS {
        return Err(ApiError::BadRequest(format!(
            "more than {MAX_EVENTS} events in one request"
        )));
    }
    let mut dropped = 0;
    let mut accounts: HashMap<String, Vec<Credential>> = HashMap::new();
    let mut inputs = Vec::new();
    for event in &events {
        let (Some(portal), Some(event_id), Some(kind)) = (
            text(&event["portalId"]),
            text(&event["eventId"]),
            event["subscriptionType"].as_str(),
        ) else {
            dropped += 1;
            continue;
        };
        // A batch is mostly one account's: its users are looked up once per request.
        if !accounts.contains_key(&portal) {
            let found = state
                .store
                .account_credentials(project, &integration.id, &portal)
                .await?;
            accounts.insert(portal.clone(), found);
        }
        let users = &accounts[&portal];
        if users.is_empty() {
            dropped += 1;
            continue;
        }
        // A property change is for the workflows of its type and those of its property.
        let mut keys = vec![(kind.to_owned(), String::new())];
        if let Some(property) = event["propertyName"].as_str() {
            keys.push((format!("{kind}:{property}"), ":property".to_owned()));
        }
        for credential in users {
            for (name, suffix) in &keys {
                inputs.push(NewEvent {
                    id: EventId::random(),
                    project_id: project,
                    user_id: credential.user_id.clone(),
                    idempotency_key: crate::input_keys::hubspot(&portal, &event_id, suffix),
                    name: name.clone(),
                    payload: event.clone(),
                    created_ms: clock::now_ms(),
                });
            }
        }
    }
    // The whole batch in one transaction: stored entirely before HubSpot hears 204, or not at
    // all (a 500, and HubSpot retries the batch, its stored events deduplicated by id).
    let runs: i64 = state
        .store
        .record_triggers(&inputs, TriggerKind::ProviderEvent)
        .await?
        .iter()
        .filter(|outcome| !outcome.duplicate)
        .map(|outcome| outcome.runs)
        .sum();
    if dropped > 0 {
        tracing::info!(project = %project, dropped, "HubSpot webhook events of accounts nobody connected were dropped");
    }
    if runs > 0 {
        state.engine.wake();
        if let Err(error) = state.store.announce_runs().await {
            tracing::warn!(%error, "announcing runs failed");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A JSON number or string as text (HubSpot's ids are numbers).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Checks HubSpot's v3 signature of a request to `uri` at `now` (ms); the reason otherwise.
pub fn verify(
    headers: &HeaderMap,
    method: &str,
    uri: &str,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), &'static str> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp = header("x-hubspot-request-timestamp").ok_or("no timestamp")?;
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "a timestamp that is not a number")?;
    if now - at > MAX_AGE_MS {
        return Err("a timestamp older than 5 minutes");
    }
    if at - now > MAX_AHEAD_MS {
        return Err("a timestamp in the future");
    }
    let signature = header("x-hubspot-signature-v3").ok_or("no v3 signature")?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| "a signature that is not base64")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| "no key")?;
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    // Constant time: `verify_slice` compares without an early exit.
    mac.verify_slice(&given).map_err(|_| "a wrong signature")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(signature: &str, timestamp: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-hubspot-signature-v3",
            signature.parse().expect("a value"),
        );
        headers.insert(
            "x-hubspot-request-timestamp",
            timestamp.parse().expect("a value"),
        );
        headers
    }

    #[test]
    fn hubspots_own_test_vector_verifies_and_any_change_does_not() {
        // HubSpot's Python SDK's test of v3.
        let secret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
        let uri = "https://www.example.com/webhook_uri";
        let body = b"{'example_field':'example_value'}";
        let good = headers(
            "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=",
            "1693657560000",
        );
        let now = 1_693_657_560_000 + 1000;

        assert_eq!(verify(&good, "POST", uri, body, secret, now), Ok(()));
        assert!(
            verify(
                &good,
                "POST",
                uri,
                b"{'example_field':'other'}",
                secret,
                now
            )
            .is_err()
        );
        assert!(
            verify(
                &good,
                "POST",
                "https://www.example.com/other",
                body,
                secret,
                now
            )
            .is_err()
        );
        assert!(verify(&good, "POST", uri, body, "another-secret", now).is_err());
        assert_eq!(
            verify(&good, "POST", uri, body, secret, now + MAX_AGE_MS),
            Err("a timestamp older than 5 minutes")
        );
        let moved = headers(
            "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=",
            "1693657560001",
        );
        assert!(
            verify(&moved, "POST", uri, body, secret, now).is_err(),
            "the timestamp is signed"
        );
        assert!(verify(&HeaderMap::new(), "POST", uri, body, secret, now).is_err());
    }
}
