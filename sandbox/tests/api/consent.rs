//! The authorize page and the consent decision, end to end over HTTP, as a browser drives them.

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::helpers::*;

fn html_type(answer: &reqwest::Response) -> String {
    answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Asserts an error page: 400, HTML, no redirect, and the message on the page.
async fn assert_error_page(answer: reqwest::Response, message: &str) {
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(
        answer.headers().get(header::LOCATION).is_none(),
        "no redirect"
    );
    assert!(html_type(&answer).starts_with("text/html"));
    let html = answer.text().await.expect("a page");
    assert!(html.contains(message), "{message:?} not in {html}");
}

#[tokio::test]
async fn the_consent_page_names_the_app_and_each_scope_and_offers_the_accounts() {
    let sandbox = spawn().await;

    let page = sandbox.authorize_page(&authorize_params()).await;

    assert_eq!(page.status(), StatusCode::OK);
    assert!(html_type(&page).starts_with("text/html"));
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.expect("a page");
    assert!(html.contains(APP_NAME));
    for scope in SCOPES.split(' ') {
        assert!(
            html.contains(&format!("<code>{scope}</code>")),
            "{scope} is listed"
        );
    }
    assert!(html.contains("<select name=\"hub_id\""));
    assert!(html.contains(&format!("<option value=\"{HUB}\">")));
    assert!(html.contains(&format!("<option value=\"{OTHER_HUB}\">")));
    assert!(html.contains("<option value=\"new\">A new test account</option>"));
    assert!(html.contains("id=\"grant\">Grant access</button>"));
    assert!(html.contains("id=\"deny\">Deny</button>"));
    assert!(!html.contains("<script"), "no JavaScript is needed");
    assert!(
        !html.contains("name=\"redirect_uri\"") && !html.contains("name=\"client_id\""),
        "the form carries only the opaque consent id"
    );
}

#[tokio::test]
async fn granting_redirects_to_the_registered_uri_with_code_and_state_and_the_code_buys_tokens() {
    let sandbox = spawn().await;

    let answer = sandbox
        .decide(&authorize_params(), &HUB.to_string(), "grant")
        .await;

    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let location = location(&answer).to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?code=")),
        "{location}"
    );
    assert_eq!(
        query_value(&location, "state").as_deref(),
        Some("st4te-123")
    );
    let code = query_value(&location, "code").expect("a code");
    let form = TestSandbox::exchange_form(&code);
    let answer = sandbox.token(&pairs(&form)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_hubspot_json(&answer);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["token_use"], "access_token");
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(body["hub_id"], HUB);
    assert!(body["user_id"].is_u64());
    assert_eq!(
        body["scopes"],
        serde_json::json!(SCOPES.split(' ').collect::<Vec<_>>())
    );
    let refresh = body["refresh_token"].as_str().expect("a refresh token");
    assert!(
        refresh.starts_with("na1-") && refresh.len() == 36,
        "{refresh}"
    );
}

#[tokio::test]
async fn denying_redirects_with_access_denied_and_the_state() {
    let sandbox = spawn().await;

    let answer = sandbox
        .decide(&authorize_params(), &HUB.to_string(), "deny")
        .await;

    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let location = location(&answer);
    assert!(location.starts_with(&format!("{REDIRECT_URI}?")));
    assert_eq!(
        query_value(location, "error").as_deref(),
        Some("access_denied")
    );
    assert!(query_value(location, "error_description").is_some());
    assert_eq!(query_value(location, "state").as_deref(), Some("st4te-123"));
    assert_eq!(query_value(location, "code"), None);
}

#[tokio::test]
async fn a_new_test_account_can_be_chosen_and_exists_afterwards() {
    let sandbox = spawn().await;

    let answer = sandbox.decide(&authorize_params(), "new", "grant").await;
    let code = query_value(location(&answer), "code").expect("a code");
    let tokens: Value = sandbox
        .token(&pairs(&TestSandbox::exchange_form(&code)))
        .await
        .json()
        .await
        .expect("JSON");

    let hub_id = tokens["hub_id"].as_u64().expect("a hub id");
    assert!(hub_id != u64::from(HUB) && hub_id != u64::from(OTHER_HUB));
    let accounts = sandbox.get_json("/_sandbox/accounts").await;
    let hubs: Vec<u64> = accounts
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["hubId"].as_u64())
        .collect();
    assert!(hubs.contains(&hub_id), "{hubs:?}");
}

#[tokio::test]
async fn a_consent_is_answered_once_and_a_forged_consent_id_is_refused() {
    let sandbox = spawn().await;
    let html = sandbox
        .authorize_page(&authorize_params())
        .await
        .text()
        .await
        .expect("a page");
    let consent = consent_id(&html);
    let post = |id: String| {
        let sandbox = &sandbox;
        async move {
            let form = [
                ("consent_id", id.as_str()),
                ("hub_id", "12345678"),
                ("decision", "grant"),
            ];
            sandbox
                .http
                .post(sandbox.url("/oauth/authorize"))
                .form(&form)
                .send()
                .await
                .expect("answers")
        }
    };

    assert_eq!(post(consent.clone()).await.status(), StatusCode::SEE_OTHER);
    assert_error_page(post(consent).await, "expired or was already answered").await;
    assert_error_page(
        post("forged".into()).await,
        "expired or was already answered",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_client_id_gets_an_error_page_and_no_redirect() {
    let sandbox = spawn().await;

    let params = with(&authorize_params(), "client_id", Some("someone-else"));
    let answer = sandbox.authorize_page(&params).await;

    assert_error_page(answer, "does not belong to any app").await;
}

#[tokio::test]
async fn a_redirect_uri_that_differs_in_any_way_gets_an_error_page_and_no_redirect() {
    let sandbox = spawn().await;
    let variants = [
        "http://localhost:8080/oauth/callback/",
        "http://localhost:8080/OAuth/callback",
        "http://LOCALHOST:8080/oauth/callback",
        "http://localhost:8081/oauth/callback",
        "http://localhost:8080/oauth/callback?x=1",
        "https://localhost:8080/oauth/callback",
        "http://evil.example/oauth/callback",
    ];
    for uri in variants {
        let params = with(&authorize_params(), "redirect_uri", Some(uri));
        assert_error_page(
            sandbox.authorize_page(&params).await,
            "does not exactly match",
        )
        .await;
    }
    let params = with(&authorize_params(), "redirect_uri", None);
    assert_error_page(
        sandbox.authorize_page(&params).await,
        "does not exactly match",
    )
    .await;
}

#[tokio::test]
async fn scopes_the_app_does_not_have_or_missing_required_scopes_are_refused_like_hubspot() {
    let sandbox = spawn().await;
    let mismatch = "mismatch between the scopes in the install URL";

    let extra = format!("{SCOPES} crm.objects.deals.read");
    let params = with(&authorize_params(), "scope", Some(&extra));
    assert_error_page(sandbox.authorize_page(&params).await, mismatch).await;
    let params = with(
        &authorize_params(),
        "scope",
        Some("oauth crm.objects.contacts.read"),
    );
    assert_error_page(sandbox.authorize_page(&params).await, mismatch).await;
    let params = with(
        &authorize_params(),
        "optional_scope",
        Some("crm.objects.deals.read"),
    );
    assert_error_page(sandbox.authorize_page(&params).await, mismatch).await;
}

#[tokio::test]
async fn required_pkce_refuses_an_authorize_request_without_a_challenge() {
    let sandbox = spawn_with(hubspot_sandbox::SandboxConfig {
        require_pkce: true,
        ..config()
    })
    .await;

    let params = with(
        &with(&authorize_params(), "code_challenge", None),
        "code_challenge_method",
        None,
    );
    assert_error_page(sandbox.authorize_page(&params).await, "PKCE is required").await;
    assert_eq!(
        sandbox.authorize_page(&authorize_params()).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn only_s256_challenges_are_accepted() {
    let sandbox = spawn().await;

    let params = with(&authorize_params(), "code_challenge_method", Some("plain"));
    assert_error_page(sandbox.authorize_page(&params).await, "must be S256").await;
    let params = with(&authorize_params(), "code_challenge", Some("too-short"));
    assert_error_page(sandbox.authorize_page(&params).await, "43 to 128").await;
}

#[tokio::test]
async fn the_account_pinned_authorize_url_offers_only_that_account() {
    let sandbox = spawn().await;

    let answer = sandbox
        .http
        .get(sandbox.url(&format!("/oauth/{OTHER_HUB}/authorize")))
        .query(&authorize_params())
        .send()
        .await
        .expect("answers");

    let html = answer.text().await.expect("a page");
    assert!(html.contains(&format!("<option value=\"{OTHER_HUB}\">")));
    assert!(!html.contains(&format!("<option value=\"{HUB}\">")));
    assert!(!html.contains("value=\"new\""));
    let form = [
        ("consent_id", consent_id(&html)),
        ("hub_id", HUB.to_string()),
        ("decision", "grant".into()),
    ];
    let forged = sandbox
        .http
        .post(sandbox.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .expect("answers");
    assert_error_page(forged, "Choose one of the offered").await;
}
