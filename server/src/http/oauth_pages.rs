//! The pages of the OAuth popup: `POST /oauth/start` (the popup's first navigation, a form
//! post from the app's page or the portal; sends the popup on to the provider) and
//! `GET /oauth/callback` (the provider redirects here; the page closes itself).
//!
//! Both answer `Referrer-Policy: no-referrer` (the provider's page must not learn the flow id,
//! the app must not learn the code) and `Cache-Control: no-store`, and a CSP that allows only
//! the platform's own script. What they show is plain text with a reference; the detail of a
//! refusal goes to the log under the same reference.

use axum::{
    Form, Router,
    extract::{Query, State, rejection::FormRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};

use super::{AppState, html::escape};
use crate::{
    connect::flows::{self, Callback, Refused, StartForm},
    storage::FlowStatus,
};

const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/start", get(start_by_link).post(start))
        .route("/oauth/callback", get(callback))
        .route("/oauth/popup.js", get(popup_script))
}

/// A start URL opened as a link (pasted, or sent by someone): refused, because a consent must
/// begin with the form post of the browser that created the flow.
async fn start_by_link(headers: HeaderMap) -> Response {
    let reference = reference(&headers);
    tracing::warn!(reference, "a start URL opened as a link");
    page(
        StatusCode::BAD_REQUEST,
        "Cannot connect",
        "This connect link only works when it is opened from the app. Close this window and press Connect in the app.",
        &reference,
        Script::None,
    )
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<StartForm>, FormRejection>,
) -> Response {
    let reference = reference(&headers);
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match flows::start(&state.connect, form, origin).await {
        Ok(started) => {
            let mut response = page(
                StatusCode::OK,
                "Connecting",
                "Taking you to the provider's sign-in.",
                &reference,
                Script::GoTo(&started.authorize_url),
            );
            set_cookie(&mut response, &started.cookie);
            response
        }
        Err(refused) => refusal(&reference, refused),
    }
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    let reference = reference(&headers);
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    match flows::complete(&state.connect, query, cookies, &reference).await {
        Ok(completed) => {
            let status = completed.flow.status;
            let (title, text) = match status {
                FlowStatus::Done => (
                    "Connected",
                    "Your account is connected. You can close this window.",
                ),
                FlowStatus::Denied => (
                    "Not connected",
                    "You cancelled the connection. You can close this window.",
                ),
                _ => (
                    "Not connected",
                    completed.failure.unwrap_or(
                        "The connection was not completed. Close this window and try again from the app.",
                    ),
                ),
            };
            // Connected or cancelled: the window's work is over and the app (or the portal)
            // says what happened. An error stays on screen with its reference.
            let close = matches!(status, FlowStatus::Done | FlowStatus::Denied);
            let mut response = page(
                StatusCode::OK,
                title,
                text,
                &reference,
                Script::Close(close),
            );
            set_cookie(&mut response, &completed.clear_cookie);
            response
        }
        Err(refused) => refusal(&reference, refused),
    }
}

fn refusal(reference: &str, refused: Refused) -> Response {
    tracing::warn!(reference, detail = %refused.detail, "OAuth popup refused");
    page(
        StatusCode::BAD_REQUEST,
        "Cannot connect",
        refused.public,
        reference,
        Script::None,
    )
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The reference an end user can quote: the request's id (the request log carries it), when
/// it has the shape of one; a client-chosen `x-request-id` of any other shape is not echoed.
fn reference(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (8..=64).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// What the page's script does.
enum Script<'a> {
    None,
    /// Cut the opener, then go to this URL.
    GoTo(&'a str),
    /// Cut the opener; close the window when true.
    Close(bool),
}

async fn popup_script() -> Response {
    let mut response = include_str!("assets/popup.js").into_response();
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
    reference: &str,
    script: Script<'_>,
) -> Response {
    let script = match script {
        Script::None => String::new(),
        Script::GoTo(url) => format!(
            r#"<script src="/oauth/popup.js" data-to="{}"></script>"#,
            escape(url)
        ),
        Script::Close(close) => {
            format!(r#"<script src="/oauth/popup.js" data-close="{close}"></script>"#)
        }
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p id=\"message\">{text}</p>\
         <p id=\"reference\">Reference: {reference}</p></main>{script}</body></html>",
        title = escape(title),
        text = escape(text),
        reference = escape(reference),
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
