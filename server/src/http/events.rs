//! App Events: `POST /projects/{pid}/sdk/events/trigger` and Paragon's
//! `POST /v2/projects/{pid}/sdk/events/trigger` (the path Paragon's SDK calls).
//!
//! Paragon's SDK may name one of the user's credentials (`X-Paragon-Credential`); it must be
//! the user's own ([`paragon_headers`]). Each event is then counted against the per-user and
//! per-project rate limits
//! ([`event_limits`]). In one transaction the event is then recorded (unique per project + user + `Idempotency-Key`; a
//! repeat answers 201 with the first answer and enqueues nothing) with one run per matching
//! workflow; then the engine is woken.

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use paragon_protocol::sdk::{EventTrigger, EventTriggered};
use serde_json::Value;

use super::{ApiError, ApiJson, AppState, auth::AuthUser, event_limits, paragon_headers};
use crate::{ids::EventId, input_keys, storage::NewEvent};

/// The longest accepted `Idempotency-Key` (a UUID is 36).
const MAX_KEY_LEN: usize = 255;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/sdk/events/trigger", post(trigger))
        .route("/v2/projects/{pid}/sdk/events/trigger", post(trigger))
}

/// A client's `Idempotency-Key`: 1 to [`MAX_KEY_LEN`] printable ASCII characters (0x20 to
/// 0x7E), not starting with a prefix of the platform's keys ([`input_keys::RESERVED_PREFIXES`]). `HeaderValue::to_str` also lets TAB through, which no key needs and which makes two
/// keys that print the same differ.
fn idempotency_key(value: &[u8]) -> Result<String, ApiError> {
    if !value.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be printable ASCII (no tab or other control character)".into(),
        ));
    }
    // Only printable ASCII remains, so this is the same text.
    let key = String::from_utf8_lossy(value);
    let key = key.trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key must have 1 to {MAX_KEY_LEN} characters"
        )));
    }
    // The platform's own inputs (schedule ticks, provider webhooks) are keyed under these
    // prefixes: a client's key there could pre-empt one and suppress its runs.
    if let Some(prefix) = input_keys::reserved_prefix(key) {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key may not start with {prefix:?}: the platform keys its own inputs so"
        )));
    }
    Ok(key.to_owned())
}

async fn trigger(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EventTrigger<Value>>,
) -> Result<(StatusCode, Json<EventTriggered>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "an event name has 1 to 200 characters".into(),
        ));
    }
    if !body.payload.is_object() {
        return Err(ApiError::BadRequest(
            "the payload must be a JSON object".into(),
        ));
    }
    let id = EventId::random();
    let explicit_key = headers.contains_key("idempotency-key");
    let key = match headers.get("idempotency-key") {
        None => id.to_string(),
        Some(value) => idempotency_key(value.as_bytes())?,
    };
    let project_id = auth.project.id;
    let user_id = &auth.user.id;
    if paragon_headers::selects(&headers) {
        let own = state.store.user_credentials(project_id, user_id).await?;
        paragon_headers::check_among(&headers, &own)?;
    }
    match event_limits::count(&state, project_id, user_id).await {
        Ok(()) => {}
        Err(limited @ ApiError::RateLimited { .. }) => {
            // A resend of an event that was already accepted (its answer was lost) gets the
            // first answer, as it would under the limit: it adds nothing. Looked up only here,
            // so the common path pays nothing for it.
            if explicit_key {
                if let Some((id, runs)) = state
                    .store
                    .accepted_event(project_id, user_id, &key)
                    .await?
                {
                    return Ok((StatusCode::CREATED, Json(triggered(id, runs))));
                }
            }
            return Err(limited);
        }
        Err(other) => return Err(other),
    }
    let event = NewEvent {
        id,
        project_id,
        user_id: user_id.clone(),
        idempotency_key: key,
        name: name.to_owned(),
        payload: body.payload,
        created_ms: crate::clock::now_ms(),
    };
    let outcome = state.store.record_event(&event).await?;
    if !outcome.duplicate {
        crate::webhooks_out::event_received(&state.store, &event).await;
    }
    if outcome.runs > 0 && !outcome.duplicate {
        state.engine.wake();
        // Other replicas' engines too; the runs are committed, so a failed announce only
        // delays them until their next poll.
        if let Err(error) = state.store.announce_runs().await {
            tracing::warn!(%error, "announcing runs failed");
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(triggered(outcome.id, outcome.runs)),
    ))
}

fn triggered(id: EventId, runs: i64) -> EventTriggered {
    EventTriggered {
        id: id.to_string(),
        runs,
    }
}
