//! A webhook receiver for the tests: a real axum server on 127.0.0.1:0 that records every
//! request and answers the statuses it is told to (then 204), with the v3 check a receiver
//! makes, written here from the reference rather than borrowed from the sandbox.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    routing::any,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::{net::TcpListener, task::JoinHandle};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Scheme, host (from `Host`), path and query: the URI a receiver signs.
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The events of the batch.
    pub fn events(&self) -> Vec<Value> {
        let body: Value = serde_json::from_slice(&self.body).expect("a JSON body");
        body.as_array().expect("a JSON array of events").clone()
    }

    /// Whether `X-HubSpot-Signature-v3` is the v3 signature of this request under `secret`.
    pub fn signature_verifies(&self, secret: &str) -> bool {
        let expected = sign_v3(
            secret,
            &self.method,
            &self.url,
            &self.body,
            self.header("x-hubspot-request-timestamp"),
        );
        expected == self.header("x-hubspot-signature-v3")
    }
}

#[derive(Default)]
struct Inbox {
    received: Vec<Received>,
    statuses: VecDeque<u16>,
}

/// A running receiver.
pub struct Receiver {
    pub url: String,
    inbox: Arc<Mutex<Inbox>>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A receiver whose next requests are answered with `statuses`, then 204; `path` (with its
/// query) is where it is reached.
pub async fn start(path: &str, statuses: &[u16]) -> Receiver {
    let inbox = Arc::new(Mutex::new(Inbox {
        received: Vec::new(),
        statuses: statuses.iter().copied().collect(),
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("the bound address");
    let router = Router::new()
        .fallback(any(receive))
        .with_state(Arc::clone(&inbox));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Receiver {
        url: format!("http://{addr}{path}"),
        inbox,
        task,
    }
}

async fn receive(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut inbox = inbox.lock().expect("the inbox");
    inbox.received.push(Received {
        method: method.to_string(),
        url: format!("http://{host}{path}"),
        headers,
        body,
    });
    let status = inbox.statuses.pop_front().unwrap_or(204);
    StatusCode::from_u16(status).expect("a valid status")
}

impl Receiver {
    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().expect("the inbox").received.clone()
    }

    /// Waits (up to 10 s) until `count` requests have arrived and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} requests did not arrive; got {:?}", self.received());
    }

    /// Waits (up to 10 s) until the requests hold `count` events in all.
    pub async fn wait_for_events(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received();
            if received.iter().map(|r| r.events().len()).sum::<usize>() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} events did not arrive");
    }
}

/// base64(HMAC-SHA256(secret, method + uri + body + timestamp)), RFC 2104 over `sha2`.
pub fn sign_v3(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    let mut key = [0u8; 64];
    if secret.len() > 64 {
        key[..32].copy_from_slice(&Sha256::digest(secret.as_bytes()));
    } else {
        key[..secret.len()].copy_from_slice(secret.as_bytes());
    }
    let inner = Sha256::new()
        .chain_update(key.map(|k| k ^ 0x36))
        .chain_update(method)
        .chain_update(uri)
        .chain_update(body)
        .chain_update(timestamp)
        .finalize();
    let outer = Sha256::new()
        .chain_update(key.map(|k| k ^ 0x5c))
        .chain_update(inner)
        .finalize();
    STANDARD.encode(outer)
}

#[test]
fn the_receivers_check_agrees_with_hubspots_test_vector() {
    let signature = sign_v3(
        "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
        "POST",
        "https://www.example.com/webhook_uri",
        b"{'example_field':'example_value'}",
        "1693657560000",
    );
    assert_eq!(signature, "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=");
}
