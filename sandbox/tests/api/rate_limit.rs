//! Per-account rate limits: 110 CRM calls per rolling 10 s (the real defaults), 5 searches per
//! second, HubSpot's headers and 429 body.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const CONTACTS: &str = "/crm/v3/objects/contacts";

fn header_number(answer: &Response, name: &str) -> Option<u64> {
    answer.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn the_111th_call_within_ten_seconds_is_rate_limited_and_another_account_is_not() {
    let sandbox = spawn().await;
    let ours = sandbox.connect(HUB).await.access;
    let theirs = sandbox.connect(OTHER_HUB).await.access;

    for n in 1..=110u64 {
        let answer = sandbox.crm(Method::GET, CONTACTS, &ours, None).await;
        assert_eq!(answer.status(), StatusCode::OK, "call {n}");
        assert_eq!(
            header_number(&answer, "x-hubspot-ratelimit-interval-milliseconds"),
            Some(10_000)
        );
        assert_eq!(header_number(&answer, "x-hubspot-ratelimit-max"), Some(110));
        assert_eq!(
            header_number(&answer, "x-hubspot-ratelimit-remaining"),
            Some(110 - n)
        );
    }
    let limited = sandbox.crm(Method::GET, CONTACTS, &ours, None).await;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_hubspot_json(&limited);
    let retry_after = header_number(&limited, "retry-after").expect("a Retry-After header");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert_eq!(
        header_number(&limited, "x-hubspot-ratelimit-remaining"),
        Some(0)
    );
    assert_eq!(
        header_number(&limited, "x-hubspot-ratelimit-max"),
        Some(110)
    );
    let body: Value = limited.json().await.expect("JSON");
    assert_eq!(body["status"], "error");
    assert_eq!(
        body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
    assert!(
        body["groupName"]
            .as_str()
            .is_some_and(|g| g.starts_with("publicapi:"))
    );
    assert_correlation_id(&body);

    let other = sandbox.crm(Method::GET, CONTACTS, &theirs, None).await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(
        header_number(&other, "x-hubspot-ratelimit-remaining"),
        Some(109)
    );
    let counters = sandbox.counters().await;
    assert_eq!(counters["hubs"][HUB.to_string()]["rateLimited"], 1);
    assert_eq!(counters["hubs"][OTHER_HUB.to_string()]["rateLimited"], 0);
}

#[tokio::test]
async fn after_the_window_the_account_gets_through_again() {
    let config = hubspot_sandbox::SandboxConfig {
        rate_limit_max: 3,
        rate_limit_window: Duration::from_secs(1),
        ..config()
    };
    let sandbox = spawn_with(config).await;
    let token = sandbox.connect(HUB).await.access;
    for _ in 0..3 {
        assert_eq!(
            sandbox
                .crm(Method::GET, CONTACTS, &token, None)
                .await
                .status(),
            StatusCode::OK
        );
    }
    let limited = sandbox.crm(Method::GET, CONTACTS, &token, None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = header_number(&limited, "retry-after").expect("a Retry-After header");

    tokio::time::sleep(Duration::from_secs(wait)).await;

    let again = sandbox.crm(Method::GET, CONTACTS, &token, None).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        header_number(&again, "x-hubspot-ratelimit-remaining"),
        Some(2)
    );
}

#[tokio::test]
async fn search_is_held_to_five_per_second_outside_the_ten_secondly_window() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let search = "/crm/v3/objects/contacts/search";

    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            sandbox
                .crm(Method::POST, search, &token, Some(json!({})))
                .await,
        );
    }

    let limited = statuses.pop().expect("six answers");
    assert!(statuses.iter().all(|a| a.status() == StatusCode::OK));
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header_number(&limited, "retry-after").is_some());
    assert!(
        limited.headers().get("x-hubspot-ratelimit-max").is_none(),
        "search has no such headers"
    );
    let body: Value = limited.json().await.expect("JSON");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(body["policyName"], "SECONDLY");
    let list = sandbox.crm(Method::GET, CONTACTS, &token, None).await;
    assert_eq!(
        header_number(&list, "x-hubspot-ratelimit-remaining"),
        Some(109),
        "searches did not count"
    );
}
