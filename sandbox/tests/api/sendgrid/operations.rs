//! What the stand-in does around the API: rate-limit headers and 429s, injected faults, a
//! request log without keys, and reset.

use hubspot_sandbox::sendgrid::SendGridConfig;
use reqwest::Method;
use serde_json::json;

use super::{config, start, start_with};

#[tokio::test]
async fn the_request_log_never_holds_a_key() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;
    sg.get("/v3/user/profile", &key).await;
    sg.upsert(&key, json!([{"email": "alan@acme.test"}])).await;

    let log = sg.knob(Method::GET, "/requests", None).await.body;

    let paths: Vec<&str> = log
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/_sandbox/accounts/ada_lovelace/api-keys",
            "/v3/user/profile",
            "/v3/marketing/contacts",
            "/_sandbox/requests"
        ]
    );
    let secret = key.rsplit('.').next().expect("the secret part");
    assert!(!log.to_string().contains(secret), "{log}");
}

#[tokio::test]
async fn every_answer_carries_the_rate_limit_headers_and_the_limit_answers_429() {
    let sg = start_with(SendGridConfig {
        rate_limit: 2,
        ..config()
    })
    .await;
    let key = sg.key("ada_lovelace").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();

    let first = sg.get("/v3/user/profile", &key).await;
    let second = sg.get("/v3/user/profile", &key).await;
    let limited = sg.get("/v3/user/profile", &key).await;

    assert_eq!(first.header("x-ratelimit-limit"), Some(2));
    assert_eq!(first.header("x-ratelimit-remaining"), Some(1));
    assert_eq!(second.header("x-ratelimit-remaining"), Some(0));
    let reset = first.header("x-ratelimit-reset").expect("a reset time");
    assert!(
        (now..=now + 61).contains(&reset),
        "{reset} is a Unix time about a minute away"
    );
    assert_eq!(limited.error(), (429, Some("too many requests")));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some(0));
    assert_eq!(limited.header("x-ratelimit-reset"), Some(reset));
    let other = sg.get("/v3/user/username", &key).await;
    assert_eq!(
        (other.status, other.header("x-ratelimit-remaining")),
        (200, Some(1)),
        "per endpoint"
    );
    let counters = sg.knob(Method::GET, "/counters", None).await.body;
    assert_eq!(counters["rateLimited"], 1);
}

#[tokio::test]
async fn faults_answer_429_and_500_before_the_work() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;
    let faults = "/accounts/ada_lovelace/faults";
    let set = sg
        .knob(
            Method::POST,
            faults,
            Some(json!({"force429": 1, "force500": 1})),
        )
        .await;
    assert_eq!(set.status, 200);

    let throttled = sg.upsert(&key, json!([{"email": "alan@acme.test"}])).await;
    let failed = sg.upsert(&key, json!([{"email": "alan@acme.test"}])).await;

    assert_eq!(throttled.error(), (429, Some("too many requests")));
    assert_eq!(throttled.header("x-ratelimit-remaining"), Some(0));
    assert_eq!(failed.status, 500);
    assert_eq!(sg.count(&key).await, 0);
    assert_eq!(
        sg.upsert(&key, json!([{"email": "alan@acme.test"}]))
            .await
            .status,
        202
    );
    let left = sg.knob(Method::GET, faults, None).await.body;
    assert_eq!(left, json!({"force429": 0, "force500": 0}));
    let unknown = sg
        .knob(Method::POST, faults, Some(json!({"force503": 1})))
        .await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn reset_keeps_the_configured_accounts_and_forgets_keys_and_contacts() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;
    sg.upsert(&key, json!([{"email": "alan@acme.test"}])).await;
    let added = sg
        .knob(
            Method::POST,
            "/accounts",
            Some(json!({"username": "katherine"})),
        )
        .await;
    assert_eq!(added.status, 201);
    let again = sg
        .knob(
            Method::POST,
            "/accounts",
            Some(json!({"username": "katherine"})),
        )
        .await;
    assert_eq!(again.status, 409);

    assert_eq!(sg.knob(Method::POST, "/reset", None).await.status, 204);

    assert_eq!(sg.get("/v3/user/profile", &key).await.status, 401);
    let accounts = sg.knob(Method::GET, "/accounts", None).await.body;
    let names: Vec<&str> = accounts
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert_eq!(names, ["ada_lovelace", "grace"]);
    let fresh = sg.key("ada_lovelace").await;
    assert_eq!(sg.count(&fresh).await, 0);
}
