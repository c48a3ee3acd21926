//! One HTTP attempt of a delivery, under the egress policy: an endpoint URL is a tenant's, like
//! a provider URL, so it gets the provider client's rules (connect/egress): https and public
//! addresses only by default, IP literals checked before the request, names checked by the
//! resolver at connection time, no redirects followed, no proxy.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, USER_AGENT};

use super::schedule::{self, Verdict};
use crate::connect::egress::{self, EgressPolicy};

/// How much of an endpoint's answer is read (and dropped): enough to reuse the connection,
/// never an endless body.
const ANSWER_MAX: usize = 64 * 1024;

/// The HTTP client for endpoints.
#[derive(Debug, Clone)]
pub struct Sender {
    http: reqwest::Client,
    policy: EgressPolicy,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The endpoint's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// What to do next.
    pub verdict: Verdict,
}

/// A signed request's headers.
#[derive(Debug)]
pub struct Signed<'a> {
    /// `webhook-id`.
    pub id: &'a str,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: &'a str,
}

impl Sender {
    /// A client with `timeout` per request under `policy` ([`EgressPolicy::client`]).
    pub fn new(policy: EgressPolicy, timeout: Duration) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: policy.client(timeout)?,
            policy,
        })
    }

    /// POSTs `body` to `url` with the signature headers.
    pub async fn send(&self, url: &str, body: &str, signed: &Signed<'_>) -> Sent {
        let checked = match self.policy.check(url) {
            Ok(url) => url,
            Err(refusal) => return refused(format!("url {refusal}")),
        };
        let request = self
            .http
            .post(checked)
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("paragon-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header("webhook-id", signed.id)
            .header("webhook-timestamp", signed.timestamp.to_string())
            .header("webhook-signature", signed.signature)
            .body(body.to_owned());
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(schedule::parse_retry_after);
                drain(response).await;
                let verdict = Verdict::of_status(status, retry_after);
                let error = (verdict != Verdict::Delivered).then(|| format!("HTTP {status}"));
                Sent {
                    status: Some(status),
                    error,
                    verdict,
                }
            }
            // The resolver refused the name: the address will not become public by retrying.
            Err(error) => match egress::refusal_of(&error) {
                Some(refusal) => refused(format!("url {refusal}")),
                None => Sent {
                    status: None,
                    error: Some(describe(&error)),
                    verdict: Verdict::Retry { after: None },
                },
            },
        }
    }
}

fn refused(error: String) -> Sent {
    Sent {
        status: None,
        error: Some(error),
        verdict: Verdict::Refused,
    }
}

/// The error without its URL (the log shows the endpoint already), with its cause.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(current) = source {
        cause = current.to_string();
        source = current.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}

/// Reads and drops up to [`ANSWER_MAX`] of the answer.
async fn drain(mut response: reqwest::Response) {
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > ANSWER_MAX {
            return;
        }
    }
}
