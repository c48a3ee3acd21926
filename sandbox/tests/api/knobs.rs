//! The `/_sandbox/` knobs: accounts, apps, counters, the request log, reset.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{contact_errors::assert_crm_error, helpers::*};

const CONTACTS: &str = "/crm/v3/objects/contacts";

#[tokio::test]
async fn accounts_and_apps_can_be_added_at_run_time() {
    let sandbox = spawn().await;

    let added = sandbox
        .post_json("/_sandbox/accounts", json!({"email": "new@example.com"}))
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let account: Value = added.json().await.expect("JSON");
    assert!(account["hubId"].as_u64().is_some_and(|id| id >= 10_000_000));
    let pinned = sandbox
        .post_json(
            "/_sandbox/accounts",
            json!({"hubId": 555, "email": "p@example.com"}),
        )
        .await;
    assert_eq!(pinned.status(), StatusCode::CREATED);
    let twice = sandbox
        .post_json(
            "/_sandbox/accounts",
            json!({"hubId": 555, "email": "p@example.com"}),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let bad = sandbox
        .post_json("/_sandbox/accounts", json!({"email": "nope"}))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let app = json!({"clientId": "late", "clientSecret": "late-secret", "name": "Late App",
        "redirectUris": ["http://127.0.0.1:3000/cb"], "scopes": ["oauth"]});
    let registered = sandbox.post_json("/_sandbox/apps", app.clone()).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let body: Value = registered.json().await.expect("JSON");
    assert!(
        body.get("clientSecret").is_none(),
        "the secret is not echoed"
    );
    assert_eq!(
        sandbox.post_json("/_sandbox/apps", app).await.status(),
        StatusCode::CONFLICT
    );
    let page = sandbox
        .authorize_page(&[
            ("client_id", "late"),
            ("redirect_uri", "http://127.0.0.1:3000/cb"),
            ("scope", "oauth"),
        ])
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("a page").contains("Late App"));
}

#[tokio::test]
async fn the_request_log_shows_every_path_in_order_and_no_secret_of_a_v3_client() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;
    sandbox
        .crm(
            Method::GET,
            &format!("{CONTACTS}?limit=1"),
            &tokens.access,
            None,
        )
        .await;

    let log = sandbox.get_json("/_sandbox/requests").await;

    let entries = log.as_array().expect("an array");
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["method"].as_str().unwrap_or(""),
                e["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        lines[0].starts_with("GET /oauth/authorize?client_id="),
        "{lines:?}"
    );
    assert_eq!(lines[1], "POST /oauth/authorize");
    assert_eq!(lines[2], "POST /oauth/v3/token");
    assert_eq!(lines[3], format!("GET {CONTACTS}?limit=1"));
    assert_eq!(entries[3]["status"], 200);
    for secret in [
        CLIENT_SECRET,
        VERIFIER,
        tokens.access.as_str(),
        tokens.refresh.as_str(),
    ] {
        assert!(
            lines.iter().all(|l| !l.contains(secret)),
            "a secret is in a URL: {lines:?}"
        );
    }

    let v1 = format!("/oauth/v1/token?client_secret={CLIENT_SECRET}");
    sandbox
        .token_at(
            &v1,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("refresh_token", tokens.refresh.as_str()),
            ],
        )
        .await;
    let log = sandbox.get_json("/_sandbox/requests").await;
    assert!(
        log.to_string().contains(CLIENT_SECRET),
        "the log catches a secret in a v1 URL"
    );
}

#[tokio::test]
async fn counters_count_overall_and_per_account() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;
    sandbox.token(&[("client_id", "nobody")]).await;
    sandbox
        .crm(Method::GET, CONTACTS, &tokens.access, None)
        .await;
    sandbox.crm(Method::GET, CONTACTS, "bogus", None).await;

    let counters = sandbox.counters().await;

    assert_eq!(counters["tokenRequests"], 2);
    assert_eq!(counters["tokensIssued"], 1);
    assert_eq!(counters["apiRequests"], 2);
    let ours = &counters["hubs"][HUB.to_string()];
    assert_eq!(ours["tokenRequests"], 1);
    assert_eq!(ours["tokensIssued"], 1);
    assert_eq!(ours["apiRequests"], 1);
    for key in ["refreshes", "introspections", "revocations"] {
        assert_eq!(counters[key], 0, "{key}");
    }
}

#[tokio::test]
async fn reset_returns_to_the_configured_apps_and_accounts_with_nothing_else() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;
    sandbox
        .create_contact(&tokens.access, json!({"email": "ada@example.com"}))
        .await;
    sandbox
        .post_json(
            "/_sandbox/accounts",
            json!({"hubId": 777, "email": "x@example.com"}),
        )
        .await;

    let reset = sandbox
        .http
        .post(sandbox.url("/_sandbox/reset"))
        .send()
        .await
        .expect("answers");
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);

    let answer = sandbox
        .crm(Method::GET, CONTACTS, &tokens.access, None)
        .await;
    assert_crm_error(answer, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
    let accounts = sandbox.get_json("/_sandbox/accounts").await;
    let hubs: Vec<u64> = accounts
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["hubId"].as_u64())
        .collect();
    assert_eq!(hubs, [u64::from(HUB), u64::from(OTHER_HUB)]);
    assert_eq!(sandbox.counters().await["tokensIssued"], 0);
    let fresh = sandbox.connect(HUB).await;
    let contacts: Value = sandbox
        .crm(Method::GET, CONTACTS, &fresh.access, None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(contacts["results"], json!([]));
}

#[tokio::test]
async fn two_sandboxes_in_one_process_share_nothing() {
    let (one, two) = (spawn().await, spawn().await);
    let token = one.connect(HUB).await.access;

    let answer = two.crm(Method::GET, CONTACTS, &token, None).await;

    assert_ne!(one.base, two.base);
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    one.handle.stop().await;
    assert!(
        reqwest::get(format!("{}/_sandbox/counters", one.base))
            .await
            .is_err(),
        "stopped means closed"
    );
    assert_eq!(two.counters().await["apiRequests"], 1);
}

#[tokio::test]
async fn the_tokens_knob_lists_every_token_issued_for_the_account() {
    let sandbox = spawn().await;
    let first = sandbox.connect(HUB).await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", first.refresh.as_str()),
    ];
    let second: Value = sandbox.token(&refresh).await.json().await.expect("JSON");
    sandbox.connect(OTHER_HUB).await;

    let tokens = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/tokens"))
        .await;

    let listed = |key: &str| -> Vec<String> {
        tokens[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect()
    };
    let (access, refreshes) = (listed("accessTokens"), listed("refreshTokens"));
    assert_eq!(access.len(), 2);
    assert_eq!(
        refreshes.len(),
        2,
        "the rotated-out refresh token is listed too"
    );
    assert!(access.contains(&first.access));
    assert!(
        refreshes
            .iter()
            .any(|t| second["refresh_token"] == t.as_str())
    );
}
