//! CRM errors with HubSpot's exact bodies: 409 CONFLICT, 400 VALIDATION_ERROR, 401
//! EXPIRED_AUTHENTICATION and INVALID_AUTHENTICATION, 403 MISSING_SCOPES, 404.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const CONTACTS: &str = "/crm/v3/objects/contacts";

/// Asserts status, content type, `status: "error"`, a correlation id and the category.
pub async fn assert_crm_error(
    answer: reqwest::Response,
    status: StatusCode,
    category: &str,
) -> Value {
    assert_eq!(answer.status(), status);
    assert_hubspot_json(&answer);
    let body: Value = answer.json().await.expect("a JSON error");
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["category"], category, "{body}");
    assert_correlation_id(&body);
    body
}

#[tokio::test]
async fn a_second_contact_with_the_same_email_is_a_conflict_naming_the_first() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let first = sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;

    let again = json!({"properties": {"email": "ADA@example.com", "firstname": "Ada"}});
    let answer = sandbox
        .crm(Method::POST, CONTACTS, &token, Some(again))
        .await;

    let body = assert_crm_error(answer, StatusCode::CONFLICT, "CONFLICT").await;
    let id = first["id"].as_str().expect("an id");
    assert_eq!(
        body["message"],
        format!("Contact already exists. Existing ID: {id}")
    );
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(4),
        "status, message, correlationId, category"
    );
    let contacts = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/contacts"))
        .await;
    assert_eq!(contacts.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn an_invalid_email_is_a_validation_error_in_hubspots_exact_words() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;

    let body = json!({"properties": {"email": "example.lcom"}});
    let answer = sandbox
        .crm(Method::POST, CONTACTS, &token, Some(body))
        .await;

    let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert_eq!(
        body["message"],
        "Property values were not valid: [{\"isValid\":false,\"message\":\"Email address example.lcom is invalid\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]"
    );
    assert_eq!(
        body["errors"],
        json!([{"message": "Email address example.lcom is invalid",
        "code": "INVALID_EMAIL", "context": {"propertyName": ["email"]}}])
    );
}

#[tokio::test]
async fn an_unknown_property_is_property_doesnt_exist() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;

    let body = json!({"properties": {"email": "ada@example.com", "description": "x"}});
    let answer = sandbox
        .crm(Method::POST, CONTACTS, &token, Some(body))
        .await;

    let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert_eq!(
        body["message"],
        format!(
            "Property values were not valid: [{{\"isValid\":false,\"message\":\"Property \\\"description\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"description\",\"localizedErrorMessage\":\"Property \\\"description\\\" does not exist\",\"portalId\":{HUB}}}]"
        )
    );
    assert_eq!(
        body["errors"],
        json!([{"message": "Property \"description\" does not exist",
        "code": "PROPERTY_DOESNT_EXIST", "context": {"propertyName": ["description"]}}])
    );
}

#[tokio::test]
async fn non_string_values_read_only_properties_and_bad_options_are_refused() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let cases = [
        (
            json!({"email": "ada@example.com", "phone": 5551234}),
            "must be a string",
        ),
        (json!({"firstname": true}), "must be a string"),
        (json!({"hs_object_id": "7"}), "READ_ONLY_VALUE"),
        (json!({"lifecyclestage": "champion"}), "INVALID_OPTION"),
    ];
    for (properties, expected) in cases {
        let answer = sandbox
            .crm(
                Method::POST,
                CONTACTS,
                &token,
                Some(json!({"properties": properties})),
            )
            .await;
        let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(expected)),
            "{body}"
        );
    }
    let nulls =
        json!({"properties": {"email": "ada@example.com", "company": null}, "associations": []});
    let answer = sandbox
        .crm(Method::POST, CONTACTS, &token, Some(nulls))
        .await;
    assert_eq!(
        answer.status(),
        StatusCode::CREATED,
        "null is ignored, as HubSpot does"
    );
}

#[tokio::test]
async fn a_malformed_or_non_json_body_is_a_400_or_415_never_a_crash() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let send = |content_type: &'static str, body: &'static str| {
        let sandbox = &sandbox;
        let token = token.clone();
        async move {
            sandbox
                .http
                .post(sandbox.url(CONTACTS))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("answers")
        }
    };

    let body = assert_crm_error(
        send("application/json", "{\"properties\": {").await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Invalid input JSON on line 1")),
        "{body}"
    );
    for bad in ["[]", "\"x\"", "{\"properties\": 5}", "{}", "\u{0}"] {
        assert_crm_error(
            send("application/json", bad).await,
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
    }
    assert_eq!(
        send("text/plain", "{}").await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        sandbox
            .crm(Method::GET, CONTACTS, &token, None)
            .await
            .status(),
        StatusCode::OK,
        "still serving"
    );
}

#[tokio::test]
async fn an_expired_token_gets_expired_authentication_with_the_expiry() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let expired = sandbox
        .post_json(
            &format!("/_sandbox/accounts/{HUB}/expire-tokens"),
            json!({}),
        )
        .await;
    assert_eq!(expired.json::<Value>().await.expect("JSON")["expired"], 1);

    let answer = sandbox.crm(Method::GET, CONTACTS, &token, None).await;

    let body = assert_crm_error(answer, StatusCode::UNAUTHORIZED, "EXPIRED_AUTHENTICATION").await;
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with("The OAuth token used to make this call expired ")
            && message.ends_with(" second(s) ago."),
        "{message}"
    );
    assert!(
        body["context"]["expire time"][0]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn a_missing_unknown_or_malformed_token_gets_invalid_authentication() {
    let sandbox = spawn().await;

    let none = sandbox
        .http
        .get(sandbox.url(CONTACTS))
        .send()
        .await
        .expect("answers");
    let body = assert_crm_error(none, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Authentication credentials not found."))
    );
    let unknown = sandbox
        .crm(Method::GET, CONTACTS, "CJSP-not-a-token", None)
        .await;
    assert_crm_error(unknown, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
    let basic = sandbox
        .http
        .get(sandbox.url(CONTACTS))
        .basic_auth("a", Some("b"))
        .send()
        .await
        .expect("answers");
    assert_crm_error(basic, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
}

#[tokio::test]
async fn a_token_without_the_needed_scope_gets_missing_scopes() {
    let mut config = config();
    config.apps[0].optional_scopes = vec!["crm.objects.contacts.write".into()];
    config.apps[0].scopes = vec!["oauth".into(), "crm.objects.contacts.read".into()];
    let sandbox = spawn_with(config).await;
    let params = with(
        &authorize_params(),
        "scope",
        Some("oauth crm.objects.contacts.read"),
    );
    let code = sandbox.code_with(&params, HUB).await;
    let tokens: Value = sandbox
        .token(&pairs(&TestSandbox::exchange_form(&code)))
        .await
        .json()
        .await
        .expect("JSON");
    let token = tokens["access_token"].as_str().expect("a token");

    let body = json!({"properties": {"email": "ada@example.com"}});
    let answer = sandbox.crm(Method::POST, CONTACTS, token, Some(body)).await;

    let body = assert_crm_error(answer, StatusCode::FORBIDDEN, "MISSING_SCOPES").await;
    assert_eq!(
        body["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.objects.contacts.write"])
    );
    assert_eq!(
        sandbox
            .crm(Method::GET, CONTACTS, token, None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unknown_contact_is_object_not_found() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;

    for path in [
        "/999999",
        "/not-a-number",
        "/nobody@example.com?idProperty=email",
    ] {
        let answer = sandbox
            .crm(Method::GET, &format!("{CONTACTS}{path}"), &token, None)
            .await;
        assert_crm_error(answer, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND").await;
    }
    let patch = json!({"properties": {"firstname": "X"}});
    let answer = sandbox
        .crm(
            Method::PATCH,
            &format!("{CONTACTS}/999999"),
            &token,
            Some(patch),
        )
        .await;
    assert_crm_error(answer, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND").await;
}
