//! The SendGrid stand-in, through its HTTP API and binary: API keys made and revoked by knob,
//! the profile and username ([`keys`]), contacts upserted and read back ([`contacts`]), rate-limit
//! headers, faults, the request log and reset ([`operations`]). This module is the client the
//! three share.

mod contacts;
mod keys;
mod operations;

use hubspot_sandbox::sendgrid::{self, AccountConfig, SendGridConfig};
use reqwest::{Method, header::HeaderMap};
use serde_json::{Value, json};

use crate::helpers;

pub struct SendGrid {
    _handle: Option<hubspot_sandbox::SandboxHandle>,
    base: String,
    http: reqwest::Client,
}

/// What an API call answered.
pub struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    /// The status and the first error's message, what every refusal is checked by.
    pub fn error(&self) -> (u16, Option<&str>) {
        (self.status, self.body["errors"][0]["message"].as_str())
    }

    pub fn header(&self, name: &str) -> Option<u64> {
        self.headers.get(name)?.to_str().ok()?.parse().ok()
    }
}

pub fn config() -> SendGridConfig {
    SendGridConfig {
        accounts: vec![
            AccountConfig::new("ada_lovelace")
                .name("Ada", "Lovelace")
                .company("Analytical Engines"),
            AccountConfig::new("grace"),
        ],
        ..SendGridConfig::default()
    }
}

pub async fn start() -> SendGrid {
    start_with(config()).await
}

pub async fn start_with(config: SendGridConfig) -> SendGrid {
    let handle = sendgrid::start(config).await.expect("the stand-in starts");
    SendGrid {
        base: handle.base_url(),
        _handle: Some(handle),
        http: helpers::client(),
    }
}

impl SendGrid {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("the stand-in answers");
        let (status, headers) = (answer.status().as_u16(), answer.headers().clone());
        let text = answer.text().await.expect("a body");
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> Answer {
        self.call(Method::GET, path, Some(key), None).await
    }

    pub async fn upsert(&self, key: &str, contacts: Value) -> Answer {
        let body = json!({ "contacts": contacts });
        self.call(Method::PUT, "/v3/marketing/contacts", Some(key), Some(body))
            .await
    }

    /// `GET /v3/marketing/contacts/count`'s `contact_count`.
    pub async fn count(&self, key: &str) -> Value {
        let count = self.get("/v3/marketing/contacts/count", key).await;
        count.body["contact_count"].clone()
    }

    /// `POST /v3/marketing/contacts/search/emails` for `emails`.
    pub async fn search(&self, key: &str, emails: &[&str]) -> Answer {
        let path = "/v3/marketing/contacts/search/emails";
        let body = json!({ "emails": emails });
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    /// A knob call (`path` under `/_sandbox`).
    pub async fn knob(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.call(method, &format!("/_sandbox{path}"), None, body)
            .await
    }

    /// A new API key of `username`, as the knob answers it once.
    pub async fn key(&self, username: &str) -> String {
        let path = format!("/accounts/{username}/api-keys");
        let made = self
            .knob(Method::POST, &path, Some(json!({"name": "platform"})))
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        made.body["apiKey"].as_str().expect("the key").to_owned()
    }
}
