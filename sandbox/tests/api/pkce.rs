//! PKCE, single-use codes and the exact redirect URI at the token endpoint: each refusal is a
//! 400 and the counters prove that no token was issued.

use reqwest::{Method, StatusCode};

use crate::{
    helpers::*,
    token_errors::{assert_oauth_error, tokens_issued},
};

#[tokio::test]
async fn a_missing_verifier_is_refused_and_no_token_is_issued() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let form = TestSandbox::exchange_form(&code);

    let answer = sandbox
        .token(&with(&pairs(&form), "code_verifier", None))
        .await;

    assert_oauth_error(answer, "BAD_CODE_VERIFIER", "invalid_grant").await;
    assert_eq!(tokens_issued(&sandbox).await, 0);
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_and_the_code_still_works_with_the_right_one() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let form = TestSandbox::exchange_form(&code);
    let wrong = "x".repeat(43);

    for verifier in [wrong.as_str(), "short", CHALLENGE] {
        let answer = sandbox
            .token(&with(&pairs(&form), "code_verifier", Some(verifier)))
            .await;
        assert_oauth_error(answer, "BAD_CODE_VERIFIER", "invalid_grant").await;
    }
    assert_eq!(tokens_issued(&sandbox).await, 0);

    assert_eq!(sandbox.token(&pairs(&form)).await.status(), StatusCode::OK);
    assert_eq!(tokens_issued(&sandbox).await, 1);
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_refused() {
    let sandbox = spawn().await;
    let params = with(
        &with(&authorize_params(), "code_challenge", None),
        "code_challenge_method",
        None,
    );
    let code = sandbox.code_with(&params, HUB).await;
    let form = TestSandbox::exchange_form(&code);

    let answer = sandbox.token(&pairs(&form)).await;
    assert_oauth_error(answer, "BAD_CODE_VERIFIER", "invalid_grant").await;

    let without = with(&pairs(&form), "code_verifier", None);
    assert_eq!(sandbox.token(&without).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_the_tokens_it_bought() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let form = TestSandbox::exchange_form(&code);
    let first: serde_json::Value = sandbox
        .token(&pairs(&form))
        .await
        .json()
        .await
        .expect("JSON");
    let access = first["access_token"].as_str().expect("an access token");
    let contacts = "/crm/v3/objects/contacts";
    assert_eq!(
        sandbox
            .crm(Method::GET, contacts, access, None)
            .await
            .status(),
        StatusCode::OK
    );

    let replay = sandbox.token(&pairs(&form)).await;

    assert_oauth_error(replay, "BAD_AUTH_CODE", "invalid_grant").await;
    assert_eq!(tokens_issued(&sandbox).await, 1);
    assert_eq!(
        sandbox
            .crm(Method::GET, contacts, access, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = first["refresh_token"].as_str().expect("a refresh token");
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", refresh),
    ];
    assert_oauth_error(
        sandbox.token(&refresh_form).await,
        "BAD_REFRESH_TOKEN",
        "invalid_grant",
    )
    .await;
    assert_eq!(tokens_issued(&sandbox).await, 1);
}

#[tokio::test]
async fn a_redirect_uri_that_differs_by_slash_case_port_or_query_is_refused() {
    let sandbox = spawn().await;
    let code = sandbox.code(HUB).await;
    let form = TestSandbox::exchange_form(&code);
    let variants = [
        Some("http://localhost:8080/oauth/callback/"),
        Some("http://localhost:8080/oauth/Callback"),
        Some("http://LOCALHOST:8080/oauth/callback"),
        Some("http://localhost:80/oauth/callback"),
        Some("http://localhost:8080/oauth/callback?x=1"),
        None,
    ];

    for uri in variants {
        let answer = sandbox
            .token(&with(&pairs(&form), "redirect_uri", uri))
            .await;
        assert_oauth_error(answer, "BAD_REDIRECT_URI", "invalid_grant").await;
    }

    assert_eq!(tokens_issued(&sandbox).await, 0);
    assert_eq!(sandbox.token(&pairs(&form)).await.status(), StatusCode::OK);
}
