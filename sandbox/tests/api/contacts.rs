//! CRM contacts v3: create, read, update, archive and list, with HubSpot's shapes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const CONTACTS: &str = "/crm/v3/objects/contacts";

fn is_iso_millis(text: &Value) -> bool {
    // 2026-03-10T23:04:41.164Z
    text.as_str().is_some_and(|t| {
        t.len() == 24 && t.ends_with('Z') && t.as_bytes()[10] == b'T' && t.as_bytes()[19] == b'.'
    })
}

#[tokio::test]
async fn a_created_contact_echoes_string_properties_with_the_system_ones() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;

    let body = json!({"properties": {"email": "Ada@Example.com", "firstname": "Ada", "lastname": "Lovelace",
        "company": "Analytical Engines", "jobtitle": "Engineer"}});
    let answer = sandbox
        .crm(Method::POST, CONTACTS, &token, Some(body))
        .await;

    assert_eq!(answer.status(), StatusCode::CREATED);
    assert_hubspot_json(&answer);
    let contact: Value = answer.json().await.expect("JSON");
    let id = contact["id"].as_str().expect("a string id");
    assert!(id.parse::<u64>().is_ok(), "{id} is numeric");
    let properties = &contact["properties"];
    assert_eq!(
        properties["email"], "ada@example.com",
        "HubSpot stores emails lower-case"
    );
    assert_eq!(properties["jobtitle"], "Engineer");
    assert_eq!(properties["hs_object_id"], id);
    assert!(
        is_iso_millis(&properties["createdate"]) && is_iso_millis(&properties["lastmodifieddate"])
    );
    assert!(
        properties
            .as_object()
            .into_iter()
            .flatten()
            .all(|(_, v)| v.is_string())
    );
    assert!(is_iso_millis(&contact["createdAt"]) && is_iso_millis(&contact["updatedAt"]));
    assert_eq!(contact["archived"], false);
}

#[tokio::test]
async fn a_contact_reads_by_id_and_by_email_with_the_asked_properties() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let created = sandbox
        .create_contact(
            &token,
            json!({"email": "ada@example.com", "firstname": "Ada", "city": "London"}),
        )
        .await;
    let id = created["id"].as_str().expect("an id");

    let by_id: Value = sandbox
        .crm(Method::GET, &format!("{CONTACTS}/{id}"), &token, None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(by_id["properties"]["firstname"], "Ada");
    assert!(
        by_id["properties"].get("city").is_none(),
        "city is not a default property"
    );
    let path = format!(
        "{CONTACTS}/ADA@example.com?idProperty=email&properties=city,firstname&properties=zip"
    );
    let by_email: Value = sandbox
        .crm(Method::GET, &path, &token, None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(by_email["id"], id);
    assert_eq!(by_email["properties"]["city"], "London");
    assert!(
        by_email["properties"].get("email").is_none(),
        "only what was asked, plus system ones"
    );
    assert_eq!(by_email["properties"]["hs_object_id"], id);
}

#[tokio::test]
async fn a_contact_updates_by_id_and_by_email() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let created = sandbox
        .create_contact(
            &token,
            json!({"email": "ada@example.com", "firstname": "Ada"}),
        )
        .await;
    let id = created["id"].as_str().expect("an id");

    let patch = json!({"properties": {"jobtitle": "Countess", "firstname": ""}});
    let answer = sandbox
        .crm(
            Method::PATCH,
            &format!("{CONTACTS}/{id}"),
            &token,
            Some(patch),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let updated: Value = answer.json().await.expect("JSON");
    assert_eq!(updated["properties"]["jobtitle"], "Countess");
    assert!(
        updated["properties"].get("firstname").is_none(),
        "an empty string clears"
    );
    assert!(updated["updatedAt"].as_str() >= created["updatedAt"].as_str());

    let patch = json!({"properties": {"city": "London"}});
    let path = format!("{CONTACTS}/ada@example.com?idProperty=email");
    let by_email: Value = sandbox
        .crm(Method::PATCH, &path, &token, Some(patch))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(by_email["id"], id);
    assert_eq!(by_email["properties"]["city"], "London");
    assert_eq!(by_email["properties"]["jobtitle"], "Countess");
}

#[tokio::test]
async fn an_archived_contact_is_gone_and_its_email_is_free_again() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let created = sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;
    let path = format!("{CONTACTS}/{}", created["id"].as_str().expect("an id"));

    let answer = sandbox.crm(Method::DELETE, &path, &token, None).await;
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sandbox
            .crm(Method::DELETE, &path, &token, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        sandbox.crm(Method::GET, &path, &token, None).await.status(),
        StatusCode::NOT_FOUND
    );
    let archived: Value = sandbox
        .crm(Method::GET, &format!("{path}?archived=true"), &token, None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(archived["archived"], true);
    assert!(archived["archivedAt"].is_string());
    let again = sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;
    assert_ne!(again["id"], created["id"]);
}

#[tokio::test]
async fn the_list_pages_with_an_after_cursor_and_a_link() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    for n in 0..5 {
        sandbox
            .create_contact(&token, json!({"email": format!("c{n}@example.com")}))
            .await;
    }

    let first: Value = sandbox
        .crm(
            Method::GET,
            &format!("{CONTACTS}?limit=2&properties=email"),
            &token,
            None,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(first["results"].as_array().map(Vec::len), Some(2));
    let after = first["paging"]["next"]["after"].as_str().expect("a cursor");
    let link = first["paging"]["next"]["link"].as_str().expect("a link");
    assert!(
        link.starts_with(&format!("{}{CONTACTS}?after={after}", sandbox.base)),
        "{link}"
    );

    let mut emails = Vec::new();
    let mut next = Some(format!("{CONTACTS}?limit=2&properties=email"));
    while let Some(path) = next {
        let page: Value = sandbox
            .crm(Method::GET, &path, &token, None)
            .await
            .json()
            .await
            .expect("JSON");
        emails.extend(
            page["results"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["properties"]["email"].clone()),
        );
        next = page["paging"]["next"]["link"]
            .as_str()
            .map(|l| l.trim_start_matches(&sandbox.base).to_owned());
    }
    assert_eq!(
        emails,
        (0..5)
            .map(|n| json!(format!("c{n}@example.com")))
            .collect::<Vec<_>>()
    );

    let default: Value = sandbox
        .crm(Method::GET, CONTACTS, &token, None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        default["results"].as_array().map(Vec::len),
        Some(5),
        "the default limit is 10"
    );
    assert!(default.get("paging").is_none());
}

#[tokio::test]
async fn a_limit_above_100_or_a_bad_cursor_is_a_validation_error() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;

    for query in ["limit=101", "limit=0", "limit=ten", "after=abc"] {
        let answer = sandbox
            .crm(Method::GET, &format!("{CONTACTS}?{query}"), &token, None)
            .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = answer.json().await.expect("JSON");
        assert_eq!(body["category"], "VALIDATION_ERROR");
    }
    let answer = sandbox
        .crm(Method::GET, &format!("{CONTACTS}?limit=100"), &token, None)
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn each_account_sees_only_its_own_contacts() {
    let sandbox = spawn().await;
    let ours = sandbox.connect(HUB).await.access;
    let theirs = sandbox.connect(OTHER_HUB).await.access;
    let created = sandbox
        .create_contact(&ours, json!({"email": "ada@example.com"}))
        .await;

    let path = format!("{CONTACTS}/{}", created["id"].as_str().expect("an id"));
    assert_eq!(
        sandbox
            .crm(Method::GET, &path, &theirs, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    sandbox
        .create_contact(&theirs, json!({"email": "ada@example.com"}))
        .await;

    let knob = sandbox
        .get_json(&format!("/_sandbox/accounts/{OTHER_HUB}/contacts"))
        .await;
    assert_eq!(knob.as_array().map(Vec::len), Some(1));
}
