//! `ANY /_sandbox/echo[/…]`: answers what it received (method, path with query, headers, body
//! as text), so that a test can see exactly what a proxy passed on. Real HubSpot has no such
//! path. A bearer token the sandbox issued is shown as `Bearer <sandbox access token of hub
//! N>`, never as itself, so the echo cannot hand a live token back to whoever called through
//! the proxy; any other `Authorization` is shown as received, which is what a test of "the
//! caller's own token was not forwarded" needs to see.

use axum::{
    Router,
    body::Bytes,
    extract::{Request, State},
    http::{HeaderMap, header},
    response::Response,
    routing::any,
};
use serde_json::{Map, Value, json};

use super::reply;
use crate::{clock, state::Sandbox};

/// The echo routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/echo", any(echo))
        .route("/_sandbox/echo/{*rest}", any(echo))
}

async fn echo(State(sandbox): State<Sandbox>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The router's body limit bounds what is read here.
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_else(|_| Bytes::new());
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let headers = shown_headers(&sandbox, &parts.headers);
    reply::json(
        axum::http::StatusCode::OK,
        &json!({
            "method": parts.method.as_str(),
            "path": path,
            "headers": headers,
            "body": String::from_utf8_lossy(&body),
        }),
    )
}

/// Each header as a list of its values (as text), the sandbox's own tokens masked.
fn shown_headers(sandbox: &Sandbox, headers: &HeaderMap) -> Map<String, Value> {
    let mut shown = Map::new();
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let text = if name == header::AUTHORIZATION {
            masked(sandbox, text)
        } else {
            text
        };
        let entry = shown
            .entry(name.as_str().to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = entry {
            values.push(Value::String(text));
        }
    }
    shown
}

fn masked(sandbox: &Sandbox, authorization: String) -> String {
    let token = authorization
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return authorization;
    };
    match sandbox
        .lock()
        .oauth
        .tokens
        .authenticate(token, clock::now_ms())
    {
        Ok(grant) => format!("Bearer <sandbox access token of hub {}>", grant.hub_id),
        Err(_) => authorization,
    }
}
