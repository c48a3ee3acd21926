//! The proxy's path stays under the integration's API base after every decoding (issue 12,
//! sections 2 and 5). The API base here is the sandbox's `/crm/v3`, so a path that climbs would
//! reach the sandbox's other paths: its request log proves that none arrived. Requests go over
//! a raw socket because an HTTP client would normalize `..` and `\` before sending.

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    connect_support::{CLIENT_ID, CLIENT_SECRET, HUB, Hubspot, hubspot},
    helpers::{Backend, TestApp, spawn_app},
};

/// `GET target` exactly as written, with Ann's token; returns (status, body).
async fn raw_get(app: &TestApp, target: &str, token: &str) -> (u16, String) {
    let host = app.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Ann connected, and the integration's API base moved to the sandbox's `/crm/v3`.
async fn connected_under_crm_v3(app: &TestApp) -> Hubspot {
    let hs = hubspot(app).await;
    assert_eq!(hs.connect(app, "ann", HUB).await.status(), 200);
    let base = hs.sandbox.base_url();
    let moved = app
        .management(
            Method::PUT,
            &format!("/projects/{}/integrations/hubspot", hs.project.id),
            &hs.project.api_key,
        )
        .json(&json!({
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "authUrl": format!("{base}/oauth/authorize"),
            "tokenUrl": format!("{base}/oauth/v3/token"),
            "apiBase": format!("{base}/crm/v3"),
        }))
        .send()
        .await
        .expect("answers");
    assert_eq!(moved.status(), 200);
    hs
}

#[tokio::test]
async fn every_form_of_a_path_that_leaves_the_api_base_is_refused_before_hubspot() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let hs = connected_under_crm_v3(&app).await;
    let token = hs.project.token("ann");
    let prefix = format!("/projects/{}/sdk/proxy/hubspot", hs.project.id);

    for path in [
        "../../_sandbox/counters",
        "objects/../../../_sandbox/counters",
        "./objects/contacts",
        "%2e%2e/%2e%2e/_sandbox/counters",
        ".%2E/.%2E/_sandbox/counters",
        "%252e%252e/%252e%252e/_sandbox/counters",
        "%25252e%25252e/%25252e%25252e/_sandbox/counters",
        "..%5C..%5C_sandbox%5Ccounters",
        "..%255C..%255C_sandbox/counters",
        "..\\..\\_sandbox\\counters",
        "objects%2fcontacts",
        "objects%2Fcontacts",
        "objects%5ccontacts",
        "objects/contacts%00",
        "objects/contacts%0d%0aX-Injected:%20yes",
        "objects/contacts%09",
        "objects/contacts%7f",
        "/evil.test/objects/contacts",
        "objects//contacts",
    ] {
        let before = hs.request_count().await;

        let (status, body) = raw_get(&app, &format!("{prefix}/{path}"), &token).await;

        assert_eq!(status, 400, "{path}: {body}");
        if !body.is_empty() {
            let error: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
            let message = error["message"].as_str().expect("a message");
            assert!(message.starts_with("the path "), "{path}: {message}");
        }
        assert_eq!(
            hs.requests_after(before).await,
            Vec::<String>::new(),
            "{path} reached HubSpot"
        );
    }
}

#[tokio::test]
async fn paths_under_the_api_base_arrive_as_sent() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let hs = connected_under_crm_v3(&app).await;
    let token = hs.project.token("ann");
    let prefix = format!("/projects/{}/sdk/proxy/hubspot", hs.project.id);
    let before = hs.request_count().await;

    let listed = raw_get(&app, &format!("{prefix}/objects/contacts?limit=1"), &token).await;
    // An `@` in a segment does not change the host: HubSpot reads contacts by email this way.
    let by_email = raw_get(
        &app,
        &format!("{prefix}/objects/contacts/ada@evil.test?idProperty=email"),
        &token,
    )
    .await;

    assert_eq!(listed.0, 200, "{}", listed.1);
    assert_eq!(
        by_email.0, 404,
        "HubSpot has no such contact: {}",
        by_email.1
    );
    assert_eq!(
        hs.requests_after(before).await,
        vec![
            "GET /crm/v3/objects/contacts?limit=1".to_owned(),
            "GET /crm/v3/objects/contacts/ada@evil.test?idProperty=email".to_owned(),
        ]
    );
}
