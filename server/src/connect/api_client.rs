//! Calling a provider's API as a connected end user: the one client that the proxy, the
//! workflow engine's steps and every later caller share, so that each call gets the same care:
//!
//! - the user's credential sent as the provider's definition says (`sending`): a bearer token,
//!   an API key in a header or the query, HTTP Basic;
//! - the user's access token, refreshed first when it is about to expire, and once more after a
//!   401 (a token revoked or rotated early), through the single-flight refresh of
//!   `credentials` (one refresh across tasks and replicas);
//! - pacing per provider account (`pacing`, with the definition's pace), and a pause of the account when it answers 429;
//! - the egress policy of the provider client (`provider::ProviderClient::request`);
//! - an answer read up to [`answer_cap::API_ANSWER_MAX`];
//! - an [`Exchange`] record of what was sent and received, without the token: no header is
//!   recorded, and the URL's query (where a caller may have put a secret) neither.
//!
//! It knows nothing of any one provider: what an answer means (a HubSpot 409, a 207) is the
//! caller's to judge.

use std::time::Duration;

use reqwest::{
    Method, StatusCode,
    header::{self, HeaderValue},
};
use serde_json::{Value, json};

use super::{
    Connect, ConnectError, answer_cap, credentials, endpoints::Endpoints, provider::ProviderError,
    sending,
};
use crate::storage::Credential;

/// How refusals name the URL the client calls.
const API_BASE: &str = "API base";

/// How long an account is paused after a 429 without `Retry-After` (HubSpot's rolling window).
pub const RATE_LIMIT_PAUSE: Duration = Duration::from_secs(10);

/// What an exchange records of a body (Task History rows stay small).
const RECORDED_BODY_CHARS: usize = 4096;

/// One call to the API.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The whole URL, under the integration's API base (the proxy checks its path first).
    pub url: String,
    /// What the record shows of the URL: the path under the API base, never the query.
    pub path: String,
    /// The body.
    pub body: ApiBody,
}

/// A request's body.
#[derive(Debug, Clone)]
pub enum ApiBody {
    /// JSON (sent with `Content-Type: application/json`).
    Json(Value),
    /// Bytes as the caller received them, with their content type if they had one.
    Raw {
        /// The bytes.
        bytes: axum::body::Bytes,
        /// Their `Content-Type`.
        content_type: Option<HeaderValue>,
        /// The caller's headers that go on to the provider (the proxy chooses them; the
        /// user's token is set after them, so none of them can replace it).
        headers: reqwest::header::HeaderMap,
    },
}

impl ApiRequest {
    /// A JSON call to `path` under `api_base` (`path` starts with `/`).
    pub fn json(method: Method, api_base: &str, path: &str, body: Value) -> Self {
        Self {
            method,
            url: format!("{api_base}{path}"),
            path: path.to_owned(),
            body: ApiBody::Json(body),
        }
    }

    fn record(&self) -> Value {
        let body = match &self.body {
            ApiBody::Json(value) => value.clone(),
            ApiBody::Raw { bytes, .. } => recorded_body(bytes),
        };
        json!({ "method": self.method.as_str(), "path": self.path, "body": body })
    }
}

/// The provider's answer, its body read whole (up to the cap).
#[derive(Debug, Clone)]
pub struct ApiAnswer {
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type`, if any.
    pub content_type: Option<HeaderValue>,
    /// The `Retry-After` in seconds, if any.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Vec<u8>,
}

impl ApiAnswer {
    /// The body as JSON; `null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn record(&self) -> Value {
        json!({ "status": self.status.as_u16(), "body": recorded_body(&self.body) })
    }
}

/// What was sent and received, for Task History: `request` is `{method, path, body}`,
/// `response` `{status, body}` (bodies cut to a few KiB). No header, no token, no query.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// What was sent.
    pub request: Value,
    /// What came back last (`null` when nothing did).
    pub response: Value,
}

/// Why a call brought no answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The credential could not be used: invalid, its refresh refused or failed.
    #[error(transparent)]
    Credential(ConnectError),
    /// The API did not answer (network, timeout, a connection broken mid-answer): worth another
    /// try later.
    #[error("{0}")]
    Unreachable(String),
    /// The egress policy refused the URL, or the answer passed the cap: another try would fail
    /// the same way.
    #[error(transparent)]
    Provider(ProviderError),
}

impl From<CallError> for ConnectError {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Credential(error) => error,
            CallError::Unreachable(message) => Self::Provider(ProviderError::Transient(message)),
            CallError::Provider(error) => Self::Provider(error),
        }
    }
}

/// A user's connected account at a provider, ready to be called.
#[derive(Debug, Clone, Copy)]
pub struct ApiClient<'a> {
    connect: &'a Connect,
    endpoints: Endpoints<'a>,
    credential: &'a Credential,
}

impl<'a> ApiClient<'a> {
    /// The client of `credential`'s account at the integration of `endpoints`.
    pub fn new(connect: &'a Connect, endpoints: Endpoints<'a>, credential: &'a Credential) -> Self {
        Self {
            connect,
            endpoints,
            credential,
        }
    }

    /// The API base of this account (Salesforce's is the org's own host).
    pub fn api_base(&self) -> Result<String, ConnectError> {
        self.endpoints.api_base(self.credential)
    }

    /// Sends `request` with the user's token: paced, refreshed and sent once more after a 401.
    /// `record` holds what was sent and the last answer, also when the call fails.
    pub async fn send(
        &self,
        request: &ApiRequest,
        record: &mut Exchange,
    ) -> Result<ApiAnswer, CallError> {
        record.request = request.record();
        let mut token = credentials::access_token(self.connect, self.credential)
            .await
            .map_err(CallError::Credential)?;
        // The provider's limit is per app and account: an integration is one app. A connection
        // whose account has no id at the provider is paced on its own.
        let account = if self.credential.provider_id.is_empty() {
            format!("{}/{}", self.credential.integration_id, self.credential.id)
        } else {
            format!(
                "{}/{}",
                self.credential.integration_id, self.credential.provider_id
            )
        };
        let pace = self.endpoints.provider.rate_limit.pacing.map(|p| {
            (
                usize::try_from(p.requests).unwrap_or(usize::MAX),
                Duration::from_secs(u64::from(p.per_seconds)),
            )
        });
        let mut refreshed = false;
        loop {
            self.connect.pacer.acquire(&account, pace).await;
            // A try without an answer must not show the answer of the try before it (a 401
            // that was refreshed): whoever reads the record would think that is what happened.
            record.response = Value::Null;
            let answer = self.send_once(request, &token.token).await?;
            record.response = answer.record();
            tracing::debug!(method = %request.method, path = %request.path, status = answer.status.as_u16(), "provider API call");
            if answer.status == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                token = credentials::refresh(
                    self.connect,
                    self.credential.project_id,
                    &self.credential.id,
                    token.version,
                )
                .await
                .map_err(CallError::Credential)?;
                continue;
            }
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                let pause = answer.retry_after.unwrap_or(RATE_LIMIT_PAUSE);
                self.connect.pacer.pause(&account, pause);
            }
            return Ok(answer);
        }
    }

    async fn send_once(&self, request: &ApiRequest, token: &str) -> Result<ApiAnswer, CallError> {
        let builder = self
            .connect
            .provider
            .request(request.method.clone(), &request.url, API_BASE)
            .map_err(CallError::Provider)?;
        let builder = match &request.body {
            ApiBody::Json(_) => builder,
            ApiBody::Raw { headers, .. } => builder.headers(headers.clone()),
        };
        let builder = sending::authorize(builder, &self.endpoints.provider.auth, token)
            .map_err(CallError::Credential)?;
        let builder = match &request.body {
            ApiBody::Json(value) => builder.json(value),
            ApiBody::Raw {
                bytes,
                content_type,
                ..
            } => match content_type {
                Some(content_type) => builder
                    .header(header::CONTENT_TYPE, content_type)
                    .body(bytes.clone()),
                None => builder.body(bytes.clone()),
            },
        };
        let unreachable = |error: ProviderError| match error {
            ProviderError::Transient(message) => CallError::Unreachable(message),
            other => CallError::Provider(other),
        };
        let response = builder
            .send()
            .await
            .map_err(|e| unreachable(ProviderError::from_send(e.without_url(), API_BASE)))?;
        let status = response.status();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = answer_cap::read(response, answer_cap::API_ANSWER_MAX)
            .await
            .map_err(unreachable)?;
        Ok(ApiAnswer {
            status,
            content_type,
            retry_after,
            body,
        })
    }
}

/// A body as a record shows it: JSON as it is, other text as text, nothing as `null`; cut to
/// [`RECORDED_BODY_CHARS`] characters.
fn recorded_body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let (value, text) = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => {
            let text = value.to_string();
            (value, text)
        }
        Err(_) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            (Value::String(text.clone()), text)
        }
    };
    if text.len() <= RECORDED_BODY_CHARS {
        value
    } else {
        let cut: String = text.chars().take(RECORDED_BODY_CHARS).collect();
        Value::String(format!("{cut}…"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_json_and_cut_long_bodies() {
        assert_eq!(recorded_body(b""), Value::Null);
        assert_eq!(recorded_body(br#"{"id":"7"}"#), json!({"id": "7"}));
        assert_eq!(recorded_body(b"plain"), json!("plain"));
        let long = recorded_body(format!("\"{}\"", "x".repeat(5000)).as_bytes());
        assert!(
            long.as_str()
                .is_some_and(|t| t.ends_with('…') && t.chars().count() == RECORDED_BODY_CHARS + 1)
        );
    }
}
