//! The app's backend for the webhooks-out tests: a real HTTP server on 127.0.0.1 that records
//! every request and answers as the test scripts it (a status, a `Retry-After`, a delay).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, TestProject};

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub delay: Duration,
}

impl Reply {
    pub const fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            delay: Duration::ZERO,
        }
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    got: Vec<Received>,
}

/// The receiver.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    script: Arc<Mutex<Script>>,
}

/// Starts a receiver that answers `replies` in order, then 200.
pub async fn receiver(replies: &[Reply]) -> Receiver {
    let script = Arc::new(Mutex::new(Script {
        replies: replies.iter().copied().collect(),
        got: Vec::new(),
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hooks", listener.local_addr().expect("addr"));
    let router = Router::new().fallback(receive).with_state(script.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Receiver { url, script }
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut script = script.lock().expect("lock");
        script.got.push(Received {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        script.replies.pop_front().unwrap_or(Reply::status(200))
    };
    tokio::time::sleep(reply.delay).await;
    let status = StatusCode::from_u16(reply.status).expect("a status");
    match reply.retry_after {
        Some(secs) => (status, [("retry-after", secs.to_string())], "").into_response(),
        None => (status, "").into_response(),
    }
}

impl Receiver {
    /// From now on, answers `replies` in order, then 200 (what was scripted before is dropped).
    pub fn answer(&self, replies: &[Reply]) {
        self.script.lock().expect("lock").replies = replies.iter().copied().collect();
    }

    pub fn got(&self) -> Vec<Received> {
        self.script.lock().expect("lock").got.clone()
    }

    /// Waits until `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.got();
            if got.len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} requests arrived: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Checks a Standard Webhooks signature by hand: HMAC-SHA256 over "{id}.{timestamp}.{body}"
/// with the base64-decoded part of `whsec_…`.
pub fn verify(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_"))
        .expect("base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("a key");
    mac.update(
        format!(
            "{}.{}.{}",
            received.header("webhook-id"),
            received.header("webhook-timestamp"),
            received.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

/// `POST /webhooks/endpoints`; returns (status, body).
pub async fn create_endpoint(app: &TestApp, project: &TestProject, body: Value) -> (u16, Value) {
    let response = app
        .management(
            reqwest::Method::POST,
            &format!("/projects/{}/webhooks/endpoints", project.id),
            &project.api_key,
        )
        .json(&body)
        .send()
        .await
        .expect("answers");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// An endpoint at `url` for `types`, asserted 201; returns (id, secret).
pub async fn endpoint(
    app: &TestApp,
    project: &TestProject,
    url: &str,
    types: &[&str],
) -> (String, String) {
    let (status, body) =
        create_endpoint(app, project, json!({"url": url, "eventTypes": types})).await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().expect("an id").to_owned(),
        body["secret"].as_str().expect("a secret").to_owned(),
    )
}

/// A management `GET`; returns (status, body).
pub async fn get(app: &TestApp, project: &TestProject, path: &str) -> (u16, Value) {
    let response = app
        .management(
            reqwest::Method::GET,
            &format!("/projects/{}{path}", project.id),
            &project.api_key,
        )
        .send()
        .await
        .expect("answers");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The delivery log, waiting until `done` holds for it (or failing after `within`).
pub async fn deliveries_until(
    app: &TestApp,
    project: &TestProject,
    within: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = get(app, project, "/webhooks/deliveries").await;
        assert_eq!(status, 200, "{body}");
        let data = body["data"].as_array().expect("data").clone();
        if done(&data) {
            return data;
        }
        assert!(
            Instant::now() < deadline,
            "the log never got there: {data:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
