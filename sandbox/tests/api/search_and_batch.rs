//! CRM search (filters, sorts as strings or objects, paging) and batch upsert by email
//! (200 with `new`, 207 with `errors[]`, refusal of duplicate ids).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{contact_errors::assert_crm_error, helpers::*};

const SEARCH: &str = "/crm/v3/objects/contacts/search";
const UPSERT: &str = "/crm/v3/objects/contacts/batch/upsert";

async fn seeded() -> (TestSandbox, String) {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    for (email, first, city) in [
        ("ada@example.com", "Ada", "London"),
        ("grace@example.org", "Grace", "New York"),
        ("alan@example.net", "Alan", "London"),
    ] {
        sandbox
            .create_contact(
                &token,
                json!({"email": email, "firstname": first, "city": city}),
            )
            .await;
    }
    (sandbox, token)
}

async fn search(sandbox: &TestSandbox, token: &str, body: Value) -> Value {
    let answer = sandbox.crm(Method::POST, SEARCH, token, Some(body)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.expect("JSON")
}

fn emails(found: &Value) -> Vec<String> {
    found["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["properties"]["email"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn search_finds_a_contact_by_email() {
    let (sandbox, token) = seeded().await;

    let body = json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "GRACE@example.org"}]}],
        "properties": ["email", "city"], "limit": 1});
    let found = search(&sandbox, &token, body).await;

    assert_eq!(found["total"], 1);
    assert_eq!(emails(&found), ["grace@example.org"]);
    assert_eq!(found["results"][0]["properties"]["city"], "New York");
    assert!(found.get("paging").is_none());
}

#[tokio::test]
async fn search_takes_in_or_groups_sorts_and_pages() {
    let (sandbox, token) = seeded().await;

    let any = json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN",
        "values": ["ada@example.com", "alan@example.net"]}]}]});
    assert_eq!(search(&sandbox, &token, any).await["total"], 2);
    let or = json!({"filterGroups": [
        {"filters": [{"propertyName": "city", "operator": "EQ", "value": "New York"}]},
        {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Alan"}]}]});
    assert_eq!(search(&sandbox, &token, or).await["total"], 2);

    let by_name =
        json!({"sorts": [{"propertyName": "firstname", "direction": "DESCENDING"}], "limit": 2});
    let page = search(&sandbox, &token, by_name).await;
    assert_eq!(emails(&page), ["grace@example.org", "alan@example.net"]);
    assert_eq!(page["total"], 3);
    let after = page["paging"]["next"]["after"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let rest = search(
        &sandbox,
        &token,
        json!({"sorts": ["-firstname"], "limit": 2, "after": after}),
    )
    .await;
    assert_eq!(emails(&rest), ["ada@example.com"]);
}

#[tokio::test]
async fn search_has_no_rate_limit_headers_and_refuses_bad_filters() {
    let (sandbox, token) = seeded().await;

    let answer = sandbox
        .crm(Method::POST, SEARCH, &token, Some(json!({})))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .headers()
            .get("x-hubspot-ratelimit-remaining")
            .is_none()
    );

    let unknown = json!({"filterGroups": [{"filters": [{"propertyName": "shoe_size", "operator": "EQ", "value": "9"}]}]});
    let answer = sandbox
        .crm(Method::POST, SEARCH, &token, Some(unknown))
        .await;
    assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    let too_big = json!({"limit": 201});
    let answer = sandbox
        .crm(Method::POST, SEARCH, &token, Some(too_big))
        .await;
    assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn batch_upsert_creates_or_updates_by_email_and_says_which() {
    let (sandbox, token) = seeded().await;

    let inputs = json!({"inputs": [
        {"idProperty": "email", "id": "ada@example.com", "properties": {"company": "Analytical Engines"}},
        {"idProperty": "email", "id": "Barbara@Example.com", "properties": {"firstname": "Barbara"}}]});
    let answer = sandbox
        .crm(Method::POST, UPSERT, &token, Some(inputs))
        .await;

    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["status"], "COMPLETE");
    let results = body["results"].as_array().expect("results");
    assert_eq!(results[0]["new"], false);
    assert_eq!(results[0]["properties"]["company"], "Analytical Engines");
    assert_eq!(results[0]["properties"]["firstname"], "Ada");
    assert_eq!(results[1]["new"], true);
    assert_eq!(results[1]["properties"]["email"], "barbara@example.com");
    let all = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/contacts"))
        .await;
    assert_eq!(all.as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn batch_upsert_with_some_bad_inputs_answers_207_with_the_errors() {
    let (sandbox, token) = seeded().await;

    let inputs = json!({"inputs": [
        {"idProperty": "email", "id": "ada@example.com", "properties": {"city": "Paris"}},
        {"idProperty": "email", "id": "not-an-email", "properties": {}},
        {"idProperty": "email", "id": "new@example.com", "properties": {"shoe_size": "9"}}]});
    let answer = sandbox
        .crm(Method::POST, UPSERT, &token, Some(inputs))
        .await;

    assert_eq!(answer.status(), StatusCode::MULTI_STATUS);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["numErrors"], 2);
    assert_eq!(body["results"].as_array().map(Vec::len), Some(1));
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["context"]["ids"], json!(["not-an-email"]));
    assert_eq!(errors[1]["category"], "VALIDATION_ERROR");
    assert_eq!(errors[1]["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    let created = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/contacts"))
        .await;
    assert_eq!(
        created.as_array().map(Vec::len),
        Some(3),
        "the failed inputs wrote nothing"
    );
}

#[tokio::test]
async fn batch_upsert_refuses_two_inputs_for_one_email_and_writes_nothing() {
    let (sandbox, token) = seeded().await;

    let inputs = json!({"inputs": [
        {"idProperty": "email", "id": "new@example.com", "properties": {"firstname": "A"}},
        {"idProperty": "email", "id": "NEW@example.com", "properties": {"firstname": "B"}}]});
    let answer = sandbox
        .crm(Method::POST, UPSERT, &token, Some(inputs))
        .await;

    let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Duplicate IDs found in batch input"))
    );
    let all = sandbox
        .get_json(&format!("/_sandbox/accounts/{HUB}/contacts"))
        .await;
    assert_eq!(all.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn batch_upsert_where_every_input_fails_is_a_plain_error() {
    let (sandbox, token) = seeded().await;

    let inputs = json!({"inputs": [{"idProperty": "email", "id": "x@example.com", "properties": {"email": "broken"}}]});
    let answer = sandbox
        .crm(Method::POST, UPSERT, &token, Some(inputs))
        .await;

    let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("INVALID_EMAIL")),
        "{body}"
    );
}
