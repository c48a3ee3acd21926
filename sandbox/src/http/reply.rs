//! Turning answers into responses: HubSpot's JSON content type, its OAuth and CRM error
//! bodies, and the HTML pages of the authorize flow.

use axum::{
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{crm::CrmFailure, oauth::OAuthFailure, secrets};

/// HubSpot's exact content type, on successes and errors alike.
pub const HUBSPOT_JSON: &str = "application/json;charset=utf-8";

/// A JSON response with HubSpot's content type.
pub fn json(status: StatusCode, body: &Value) -> Response {
    json_as(HUBSPOT_JSON, status, body)
}

/// A JSON response with a provider's own spelling of the JSON content type (HubSpot's
/// `application/json;charset=utf-8`, Salesforce's `…charset=UTF-8`, SendGrid's plain
/// `application/json`): a client that compares it exactly meets the same bytes as live.
pub fn json_as(content_type: &'static str, status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A 200 whose JSON body is `bytes` long (`{"padding":"xxx…"}`, at least its 15 bytes of
/// frame), streamed in chunks of 64 KiB without a `Content-Length`, so a client can only tell
/// its size by reading it.
pub fn huge(bytes: u64) -> Response {
    let mut response = Response::new(axum::body::Body::from_stream(Padding::new(bytes)));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(HUBSPOT_JSON));
    response
}

/// The chunks of [`huge`]'s body.
struct Padding {
    /// Bytes of padding still to send.
    left: u64,
    /// Whether the opening `{"padding":"` was sent.
    opened: bool,
    /// Whether the closing `"}` was sent.
    closed: bool,
}

impl Padding {
    const OPEN: &'static [u8] = br#"{"padding":""#;
    const CLOSE: &'static [u8] = br#""}"#;
    const CHUNK: u64 = 64 * 1024;

    fn new(bytes: u64) -> Self {
        let frame = (Self::OPEN.len() + Self::CLOSE.len()) as u64;
        Self {
            left: bytes.saturating_sub(frame),
            opened: false,
            closed: false,
        }
    }
}

impl futures_core::Stream for Padding {
    type Item = Result<axum::body::Bytes, std::convert::Infallible>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let chunk = if !self.opened {
            self.opened = true;
            axum::body::Bytes::from_static(Self::OPEN)
        } else if self.left > 0 {
            let size = self.left.min(Self::CHUNK);
            self.left -= size;
            axum::body::Bytes::from(vec![b'x'; usize::try_from(size).unwrap_or(0)])
        } else if !self.closed {
            self.closed = true;
            axum::body::Bytes::from_static(Self::CLOSE)
        } else {
            return std::task::Poll::Ready(None);
        };
        std::task::Poll::Ready(Some(Ok(chunk)))
    }
}

/// A token-endpoint answer: never cached (RFC 6749 section 5.1).
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl IntoResponse for OAuthFailure {
    /// HubSpot's legacy pair and RFC 6749's pair side by side, plus a correlation id.
    fn into_response(self) -> Response {
        let message = self.message();
        let body = json!({
            "status": self.status(),
            "message": message,
            "error": self.error(),
            "error_description": message,
            "correlationId": secrets::correlation_id(),
        });
        no_store(json(status(self.http_status()), &body))
    }
}

impl IntoResponse for CrmFailure {
    fn into_response(self) -> Response {
        let mut response = json(status(self.http_status()), &self.body());
        if let Self::RateLimited { .. } = self {
            // The caller (the CRM gate) overwrites this with the real wait when it knows it.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Adds a header whose value is a number.
pub fn set_number(headers: &mut HeaderMap, name: &'static str, value: u64) {
    headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
}

/// An HTML page of the authorize flow. Not framable (clickjacking on a consent page is the
/// classic attack), not cached, and it sends no referrer, so the authorize URL's `state`
/// does not travel on to the app. No `form-action` directive: Chromium applies it to the
/// redirect that follows the form, which goes to the app's origin.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_TYPE, "text/html; charset=utf-8");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    );
    response
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON error of the `/_sandbox/` knobs: `{"message": …}`.
pub fn knob_error(status: StatusCode, message: impl Into<String>) -> Response {
    json(status, &json!({ "message": message.into() }))
}

/// A refused knob call of either stand-in: `{"message": …}` with its status.
#[derive(Debug)]
pub struct KnobError(pub StatusCode, pub String);

impl axum::response::IntoResponse for KnobError {
    fn into_response(self) -> Response {
        knob_error(self.0, self.1)
    }
}

/// What a knob answers.
pub type KnobAnswer = Result<Response, KnobError>;

/// A knob's JSON body, or a 400 that says why not.
pub fn knob_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, KnobError> {
    serde_json::from_slice(body).map_err(|error| {
        KnobError(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {error}"),
        )
    })
}
