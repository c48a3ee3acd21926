//! The token endpoint's refusals, each with HubSpot's exact body (legacy `status`/`message`
//! beside RFC 6749's `error`/`error_description`) and no token issued.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Asserts a 400 OAuth error with exactly HubSpot's five fields.
pub async fn assert_oauth_error(answer: reqwest::Response, status: &str, error: &str) -> Value {
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_hubspot_json(&answer);
    let body: Value = answer.json().await.expect("a JSON error");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["message"], body["error_description"]);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_correlation_id(&body);
    let mut keys: Vec<&str> = body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "correlationId",
            "error",
            "error_description",
            "message",
            "status"
        ]
    );
    body
}

pub async fn tokens_issued(sandbox: &TestSandbox) -> u64 {
    sandbox.counters().await["tokensIssued"]
        .as_u64()
        .unwrap_or(u64::MAX)
}

#[tokio::test]
async fn an_unknown_client_id_is_bad_client_id_and_is_checked_first() {
    let sandbox = spawn().await;

    let answer = sandbox
        .token(&[("client_id", "nobody"), ("grant_type", "nonsense")])
        .await;
    let body = assert_oauth_error(answer, "BAD_CLIENT_ID", "invalid_request").await;
    assert_eq!(body["message"], "missing or unknown client id");
    let answer = sandbox.token(&[("grant_type", "authorization_code")]).await;
    assert_oauth_error(answer, "BAD_CLIENT_ID", "invalid_request").await;
}

#[tokio::test]
async fn a_wrong_or_missing_client_secret_is_bad_client_secret_and_basic_auth_is_not_read() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let form = TestSandbox::exchange_form(&code);
    let form = pairs(&form);

    let wrong = with(&form, "client_secret", Some("guess"));
    assert_oauth_error(
        sandbox.token(&wrong).await,
        "BAD_CLIENT_SECRET",
        "invalid_client",
    )
    .await;
    let missing = with(&form, "client_secret", None);
    let basic = sandbox
        .http
        .post(sandbox.url("/oauth/v3/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&missing)
        .send()
        .await
        .expect("answers");
    assert_oauth_error(basic, "BAD_CLIENT_SECRET", "invalid_client").await;
    assert_eq!(tokens_issued(&sandbox).await, 0);
}

#[tokio::test]
async fn an_unknown_or_unoffered_grant_type_is_bad_grant_type() {
    let sandbox = spawn().await;
    for grant in [None, Some("password"), Some("client_credentials")] {
        let form = with(
            &[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)],
            "grant_type",
            grant,
        );
        assert_oauth_error(
            sandbox.token(&form).await,
            "BAD_GRANT_TYPE",
            "unsupported_grant_type",
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_code_is_bad_auth_code() {
    let sandbox = spawn().await;
    let form = TestSandbox::exchange_form("na1-00000000-0000-0000-0000-000000000000");

    let body = assert_oauth_error(
        sandbox.token(&pairs(&form)).await,
        "BAD_AUTH_CODE",
        "invalid_grant",
    )
    .await;

    assert_eq!(body["message"], "missing or unknown auth code");
}

#[tokio::test]
async fn a_code_issued_to_another_app_is_bad_auth_code() {
    let sandbox = spawn().await;
    let app = json!({"clientId": "other", "clientSecret": "other-secret", "name": "Other",
        "redirectUris": [REDIRECT_URI], "scopes": ["oauth"]});
    assert_eq!(
        sandbox.post_json("/_sandbox/apps", app).await.status(),
        StatusCode::CREATED
    );
    let code = sandbox.code(HUB).await;

    let form = TestSandbox::exchange_form(&code);
    let form = with(
        &with(&pairs(&form), "client_id", Some("other")),
        "client_secret",
        Some("other-secret"),
    );

    assert_oauth_error(sandbox.token(&form).await, "BAD_AUTH_CODE", "invalid_grant").await;
    assert_eq!(tokens_issued(&sandbox).await, 0);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let config = hubspot_sandbox::SandboxConfig {
        code_lifetime: Duration::from_millis(200),
        ..config()
    };
    let sandbox = spawn_with(config).await;
    let code = sandbox.code(HUB).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let answer = sandbox
        .token(&pairs(&TestSandbox::exchange_form(&code)))
        .await;

    assert_oauth_error(answer, "EXPIRED_AUTH_CODE", "invalid_grant").await;
    assert_eq!(tokens_issued(&sandbox).await, 0);
}

#[tokio::test]
async fn a_json_body_gets_415_and_no_token() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let form: serde_json::Map<String, Value> = TestSandbox::exchange_form(&code)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();

    let answer = sandbox
        .post_json("/oauth/v3/token", Value::Object(form))
        .await;

    assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(tokens_issued(&sandbox).await, 0);
}

#[tokio::test]
async fn a_parameter_sent_twice_is_refused() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let mut form = TestSandbox::exchange_form(&code);
    form.push(("code", "na1-another".into()));

    let answer = sandbox.token(&pairs(&form)).await;

    assert_oauth_error(answer, "BAD_REQUEST", "invalid_request").await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_is_bad_refresh_token() {
    let sandbox = spawn().await;
    let first = sandbox.connect(HUB).await;
    let refresh = |token: &str| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", CLIENT_ID.into()),
            ("client_secret", CLIENT_SECRET.into()),
            ("refresh_token", token.to_owned()),
        ]
    };

    let answer = sandbox.token(&pairs(&refresh(&first.refresh))).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let second: Value = answer.json().await.expect("JSON");
    assert_ne!(second["refresh_token"], first.body["refresh_token"]);
    assert_ne!(second["access_token"], first.body["access_token"]);
    assert_eq!(second["hub_id"], HUB);

    let replay = sandbox.token(&pairs(&refresh(&first.refresh))).await;
    let body = assert_oauth_error(replay, "BAD_REFRESH_TOKEN", "invalid_grant").await;
    assert_eq!(
        body["message"],
        "refresh token is invalid, expired or revoked"
    );
    let unknown = sandbox
        .token(&pairs(&refresh("na1-0000-0000-0000-0000-000000000000")))
        .await;
    assert_oauth_error(unknown, "BAD_REFRESH_TOKEN", "invalid_grant").await;
    let counters = sandbox.counters().await;
    assert_eq!(counters["tokensIssued"], 2);
    assert_eq!(counters["refreshes"], 1);
    assert_eq!(counters["hubs"][HUB.to_string()]["refreshes"], 1);
}
