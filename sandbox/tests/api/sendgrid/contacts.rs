//! Marketing Campaigns contacts: upserted by email, read back by list, count, id and email
//! search, refused with every bad field named, and kept apart per account.

use reqwest::Method;
use serde_json::json;

use super::start;

#[tokio::test]
async fn contacts_are_upserted_by_email_and_read_back() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;

    let first = json!([
        {"email": "Grace@Acme.test", "first_name": "Grace", "city": "Arlington"},
        {"email": "alan@acme.test", "first_name": "Alan", "alternate_emails": ["turing@acme.test"]}
    ]);
    let accepted = sg.upsert(&key, first).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let job_id = accepted.body["job_id"].as_str().expect("a job id");
    let update = json!([{"email": "grace@acme.test", "last_name": "Hopper"}]);
    assert_eq!(sg.upsert(&key, update).await.status, 202);

    let job = sg
        .get(&format!("/v3/marketing/contacts/imports/{job_id}"), &key)
        .await;
    assert_eq!(
        (job.body["status"].as_str(), job.body["job_type"].as_str()),
        (Some("completed"), Some("upsert"))
    );
    assert_eq!(job.body["results"]["created_count"], 2);
    let sample = sg.get("/v3/marketing/contacts", &key).await.body;
    assert_eq!(sample["contact_count"], 2);
    let emails: Vec<&str> = sample["result"]
        .as_array()
        .expect("a result list")
        .iter()
        .filter_map(|c| c["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["alan@acme.test", "grace@acme.test"],
        "sorted by email"
    );
    let grace = &sample["result"][1];
    assert_eq!(
        (&grace["first_name"], &grace["last_name"], &grace["city"]),
        (&json!("Grace"), &json!("Hopper"), &json!("Arlington")),
        "an upsert keeps the fields it leaves out"
    );
    let id = grace["id"].as_str().expect("an id");
    let by_id = sg.get(&format!("/v3/marketing/contacts/{id}"), &key).await;
    assert_eq!(by_id.body["email"], "grace@acme.test");
    assert_eq!(sg.count(&key).await, 2);

    let found = sg
        .search(&key, &["TURING@acme.test", "nobody@acme.test"])
        .await;
    assert_eq!(found.status, 200);
    assert_eq!(
        found.body["result"]["turing@acme.test"]["contact"]["email"],
        "alan@acme.test"
    );
    assert_eq!(
        found.body["result"]["nobody@acme.test"]["error"],
        "contact not found"
    );
    let missing = sg.search(&key, &["nobody@acme.test"]).await;
    assert_eq!(missing.status, 404);
    let knob = sg
        .knob(Method::GET, "/accounts/ada_lovelace/contacts", None)
        .await;
    assert_eq!(knob.body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_invalid_upsert_names_every_bad_field_and_writes_nothing() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;
    let bad = json!([
        {"email": "ok@acme.test"},
        {"email": "not-an-email", "first_name": "x".repeat(51)},
        {"email": "c@acme.test", "custom_fields": {"w1": "coffee"}}
    ]);

    let refused = sg.upsert(&key, bad).await;

    assert_eq!(refused.status, 400);
    let fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "contacts[1].email",
            "contacts[1].first_name",
            "contacts[2].custom_fields"
        ]
    );
    assert!(
        refused
            .body
            .to_string()
            .contains("invalid custom field ids supplied - w1")
    );
    let not_json = sg
        .http
        .put(format!("{}/v3/marketing/contacts", sg.base))
        .bearer_auth(&key)
        .body("{")
        .send()
        .await
        .expect("answers");
    assert_eq!(not_json.status(), 400);
    assert_eq!(sg.count(&key).await, 0);
}

#[tokio::test]
async fn an_account_sees_only_its_own_contacts_and_jobs() {
    let sg = start().await;
    let (ada, grace) = (sg.key("ada_lovelace").await, sg.key("grace").await);
    let accepted = sg.upsert(&ada, json!([{"email": "alan@acme.test"}])).await;
    let job = format!(
        "/v3/marketing/contacts/imports/{}",
        accepted.body["job_id"].as_str().expect("job")
    );

    assert_eq!(sg.count(&grace).await, 0);
    assert_eq!(sg.get(&job, &grace).await.status, 404);
    assert_eq!(sg.get(&job, &ada).await.status, 200);
}
