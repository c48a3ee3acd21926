//! The pages of the OAuth popup: `GET /oauth/start?flow=…` (redirects to the provider) and
//! `GET /oauth/callback` (the provider redirects here; the page tells the opener and closes).
//!
//! Both answer `Referrer-Policy: no-referrer` (the provider's page must not learn the flow id,
//! the app must not learn the code) and `Cache-Control: no-store`, and a CSP that allows only
//! the platform's own script.

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;

use super::AppState;
use crate::{
    connect::flows::{self, Callback},
    storage::FlowStatus,
};

const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/start", get(start))
        .route("/oauth/callback", get(callback))
        .route("/oauth/complete.js", get(complete_script))
}

#[derive(Debug, Deserialize)]
struct Start {
    flow: Option<String>,
}

async fn start(State(state): State<AppState>, Query(query): Query<Start>) -> Response {
    let Some(flow) = query.flow else {
        return page(
            StatusCode::BAD_REQUEST,
            "Connect link incomplete",
            "This link has no flow. Start again from the app.",
            None,
        );
    };
    match flows::start(&state.connect, &flow).await {
        Ok(url) => with_page_headers(Redirect::to(&url).into_response()),
        Err(error) => page(
            StatusCode::BAD_REQUEST,
            "Cannot connect",
            &error.to_string(),
            None,
        ),
    }
}

async fn callback(State(state): State<AppState>, Query(query): Query<Callback>) -> Response {
    match flows::complete(&state.connect, query).await {
        Ok(flow) => {
            let done = flow.status == FlowStatus::Done;
            let (title, text) = if done {
                (
                    "Connected",
                    "Your account is connected. You can close this window.",
                )
            } else {
                (
                    "Not connected",
                    "The connection was not completed. You can close this window and try again.",
                )
            };
            let status = if done { "done" } else { "failed" };
            // The opener is the portal (platform origin) or, headless, the app's page (the
            // flow's origin): the page posts to both, and the browser delivers to the one that
            // matches. The message holds no secret.
            let targets = [state.connect.public_origin(), flow.origin.clone()];
            let script = Completion {
                flow_id: &flow.id,
                status,
                targets: &targets,
            };
            page(StatusCode::OK, title, text, Some(script))
        }
        Err(error) => {
            tracing::warn!(%error, "OAuth callback refused");
            page(
                StatusCode::BAD_REQUEST,
                "Cannot connect",
                &error.to_string(),
                None,
            )
        }
    }
}

/// What the completion script posts.
struct Completion<'a> {
    flow_id: &'a str,
    status: &'a str,
    targets: &'a [String],
}

async fn complete_script() -> Response {
    let mut response = include_str!("assets/complete.js").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
}

fn page(
    status: StatusCode,
    title: &str,
    text: &str,
    completion: Option<Completion<'_>>,
) -> Response {
    let script = completion
        .map(|c| {
            format!(
                r#"<script src="/oauth/complete.js" data-flow-id="{}" data-status="{}" data-targets="{}"></script>"#,
                escape(c.flow_id),
                escape(c.status),
                escape(&c.targets.join(" "))
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p id=\"message\">{text}</p></main>{script}</body></html>",
        title = escape(title),
        text = escape(text),
    );
    with_page_headers((status, Html(body)).into_response())
}

fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// HTML-escapes text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
