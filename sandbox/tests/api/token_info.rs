//! Introspection (v3, 2026-03, v1) and revocation (v3 and the v1 DELETE).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{helpers::*, token_errors::assert_oauth_error};

async fn introspect(sandbox: &TestSandbox, token: &str, hint: &str) -> Value {
    let form = [
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("token", token),
        ("token_type_hint", hint),
    ];
    let answer = sandbox.token_at("/oauth/v3/token/introspect", &form).await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.expect("JSON")
}

async fn revoke(sandbox: &TestSandbox, token: &str) -> StatusCode {
    let form = [
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("token", token),
    ];
    sandbox
        .token_at("/oauth/v3/token/revoke", &form)
        .await
        .status()
}

#[tokio::test]
async fn introspection_describes_a_live_access_token_of_the_caller() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;

    let info = introspect(&sandbox, &tokens.access, "access_token").await;

    assert_eq!(info["active"], true);
    assert_eq!(info["token"], tokens.access.as_str());
    assert_eq!(info["hub_id"], HUB);
    assert_eq!(info["user"], "ada@example.com");
    assert_eq!(info["hub_domain"], "example.com");
    assert_eq!(info["client_id"], CLIENT_ID);
    assert_eq!(info["user_id"], tokens.body["user_id"]);
    assert_eq!(info["token_use"], "access_token");
    assert!(
        info["expires_in"]
            .as_u64()
            .is_some_and(|s| s > 1790 && s <= 1800)
    );
    assert_eq!(info["signed_access_token"]["hubId"], HUB);
    assert_eq!(
        sandbox.counters().await["hubs"][HUB.to_string()]["introspections"],
        1
    );
}

#[tokio::test]
async fn introspection_says_only_inactive_for_unknown_expired_or_foreign_tokens() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;
    let app = json!({"clientId": "other", "clientSecret": "other-secret", "name": "Other",
        "redirectUris": [REDIRECT_URI], "scopes": ["oauth"]});
    sandbox.post_json("/_sandbox/apps", app).await;

    assert_eq!(
        introspect(&sandbox, "nope", "access_token").await,
        json!({"active": false})
    );
    let form = [
        ("client_id", "other"),
        ("client_secret", "other-secret"),
        ("token", tokens.access.as_str()),
    ];
    let foreign: Value = sandbox
        .token_at("/oauth/v3/token/introspect", &form)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(foreign, json!({"active": false}));
    sandbox
        .post_json(
            &format!("/_sandbox/accounts/{HUB}/expire-tokens"),
            json!({}),
        )
        .await;
    assert_eq!(
        introspect(&sandbox, &tokens.access, "access_token").await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&sandbox, &tokens.refresh, "refresh_token").await["active"],
        true
    );
}

#[tokio::test]
async fn introspection_needs_the_clients_credentials() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;

    let form = [
        ("client_id", CLIENT_ID),
        ("client_secret", "wrong"),
        ("token", tokens.access.as_str()),
    ];
    let answer = sandbox
        .token_at("/oauth/2026-03/token/introspect", &form)
        .await;

    assert_oauth_error(answer, "BAD_CLIENT_SECRET", "invalid_client").await;
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_every_token_of_its_grant() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;
    let other = sandbox.connect(HUB).await;

    assert_eq!(revoke(&sandbox, &tokens.refresh).await, StatusCode::OK);

    assert_eq!(
        introspect(&sandbox, &tokens.refresh, "refresh_token").await["active"],
        false
    );
    let answer = sandbox
        .crm(
            Method::GET,
            "/crm/v3/objects/contacts",
            &tokens.access,
            None,
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", tokens.refresh.as_str()),
    ];
    assert_oauth_error(
        sandbox.token(&form).await,
        "BAD_REFRESH_TOKEN",
        "invalid_grant",
    )
    .await;
    let untouched = sandbox
        .crm(Method::GET, "/crm/v3/objects/contacts", &other.access, None)
        .await;
    assert_eq!(
        untouched.status(),
        StatusCode::OK,
        "another grant of the same account still works"
    );
    assert_eq!(sandbox.counters().await["revocations"], 1);
}

#[tokio::test]
async fn revoking_an_access_token_revokes_only_it_and_unknown_tokens_are_fine() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;

    assert_eq!(revoke(&sandbox, &tokens.access).await, StatusCode::OK);
    assert_eq!(revoke(&sandbox, "never-issued").await, StatusCode::OK);

    assert_eq!(
        introspect(&sandbox, &tokens.access, "access_token").await["active"],
        false
    );
    assert_eq!(
        introspect(&sandbox, &tokens.refresh, "refresh_token").await["active"],
        true
    );
}

#[tokio::test]
async fn the_v1_endpoints_describe_and_delete_tokens() {
    let sandbox = spawn().await;
    let tokens = sandbox.connect(HUB).await;
    let get = |path: String| {
        let sandbox = &sandbox;
        async move {
            sandbox
                .http
                .get(sandbox.url(&path))
                .send()
                .await
                .expect("answers")
        }
    };

    let access: Value = get(format!("/oauth/v1/access-tokens/{}", tokens.access))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(access["hub_id"], HUB);
    assert_eq!(access["token_type"], "access");
    assert!(access.get("active").is_none(), "v1 has no active field");
    let refresh: Value = get(format!("/oauth/v1/refresh-tokens/{}", tokens.refresh))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(refresh["client_id"], CLIENT_ID);

    let path = format!("/oauth/v1/refresh-tokens/{}", tokens.refresh);
    let deleted = sandbox
        .http
        .delete(sandbox.url(&path))
        .send()
        .await
        .expect("answers");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(get(path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(format!("/oauth/v1/access-tokens/{}", tokens.access))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
