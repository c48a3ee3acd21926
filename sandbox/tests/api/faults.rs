//! Fault injection per account: error rate, forced 429s, latency, huge answers.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const CONTACTS: &str = "/crm/v3/objects/contacts";

fn faults_path(hub: u32) -> String {
    format!("/_sandbox/accounts/{hub}/faults")
}

/// A sandbox with `faults` set on `HUB`, and an access token of that account.
async fn with_faults(faults: Value) -> (TestSandbox, String) {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let set = sandbox.post_json(&faults_path(HUB), faults).await;
    assert_eq!(set.status(), StatusCode::OK);
    (sandbox, token)
}

#[tokio::test]
async fn an_error_rate_of_one_fails_every_call_with_a_5xx_and_writes_nothing() {
    let (sandbox, token) = with_faults(json!({"errorRate": 1.0})).await;

    for _ in 0..5 {
        let body = json!({"properties": {"email": "ada@example.com"}});
        let answer = sandbox
            .crm(Method::POST, CONTACTS, &token, Some(body))
            .await;
        let status = answer.status().as_u16();
        assert!([500, 502, 503].contains(&status), "{status}");
        assert_hubspot_json(&answer);
        let body: Value = answer.json().await.expect("JSON");
        assert_eq!(body["status"], "error");
        assert_correlation_id(&body);
    }

    let contacts = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/contacts"))
        .await;
    assert_eq!(contacts, json!([]));
    assert_eq!(
        sandbox.counters().await["hubs"][HUB.to_string()]["faultsInjected"],
        5
    );
    sandbox.post_json(&faults_path(HUB), json!({})).await;
    sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;
}

#[tokio::test]
async fn forced_429s_come_first_with_retry_after_one_and_other_accounts_are_untouched() {
    let sandbox = spawn().await;
    let ours = sandbox.connect(HUB).await.access;
    let theirs = sandbox.connect(OTHER_HUB).await.access;
    sandbox
        .post_json(&faults_path(HUB), json!({"force429": 2}))
        .await;

    for _ in 0..2 {
        let answer = sandbox.crm(Method::GET, CONTACTS, &ours, None).await;
        assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.headers()["retry-after"], "1");
        let body: Value = answer.json().await.expect("JSON");
        assert_eq!(body["errorType"], "RATE_LIMIT");
    }
    assert_eq!(
        sandbox
            .crm(Method::GET, CONTACTS, &theirs, None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        sandbox
            .crm(Method::GET, CONTACTS, &ours, None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn latency_delays_the_accounts_calls() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    sandbox
        .post_json(&faults_path(HUB), json!({"latencyMs": 300}))
        .await;

    let started = Instant::now();
    let answer = sandbox.crm(Method::GET, CONTACTS, &token, None).await;

    assert_eq!(answer.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let faults = sandbox.get_json(&faults_path(HUB)).await;
    assert_eq!(
        faults,
        json!({"errorRate": 0.0, "force429": 0, "latencyMs": 300})
    );
}

#[tokio::test]
async fn bad_fault_settings_and_unknown_accounts_are_refused() {
    let sandbox = spawn().await;

    assert_eq!(
        sandbox
            .post_json(&faults_path(HUB), json!({"errorRate": 1.5}))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        sandbox
            .post_json(&faults_path(HUB), json!({"errorrate": 0.5}))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        sandbox
            .post_json(&faults_path(HUB), json!({"force429": -1}))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        sandbox
            .post_json(&faults_path(4242), json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let expire = sandbox
        .post_json("/_sandbox/accounts/4242/expire-tokens", json!({}))
        .await;
    assert_eq!(expire.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_huge_answer_is_streamed_without_a_length_and_writes_nothing() {
    let (sandbox, token) = with_faults(json!({"hugeAnswerBytes": 1_000_000})).await;

    let body = json!({"properties": {"email": "ada@example.com"}});
    let answer = sandbox
        .crm(Method::POST, CONTACTS, &token, Some(body))
        .await;

    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.content_length(),
        None,
        "the size shows only when read"
    );
    let bytes = answer.bytes().await.expect("the body");
    assert_eq!(bytes.len(), 1_000_000);
    let padding: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert!(padding["padding"].is_string());
    let contacts = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/contacts"))
        .await;
    assert_eq!(contacts, json!([]));
    let too_much = sandbox
        .post_json(&faults_path(HUB), json!({"hugeAnswerBytes": 1_u64 << 40}))
        .await;
    assert_eq!(too_much.status(), StatusCode::BAD_REQUEST);
}
