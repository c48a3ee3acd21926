//! Webhooks: the sandbox POSTs signed batches of contact events to an app's target URL, here
//! a real local receiver, with HubSpot's retries.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{helpers::*, webhook_receiver};

const CONTACTS: &str = "/crm/v3/objects/contacts";

impl TestSandbox {
    async fn set_webhooks(&self, client_id: &str, body: Value) -> reqwest::Response {
        self.http
            .put(self.url(&format!("/_sandbox/apps/{client_id}/webhooks")))
            .json(&body)
            .send()
            .await
            .expect("the webhooks knob answers")
    }

    async fn subscribe(&self, target_url: &str, subscriptions: Value) {
        let body = json!({"targetUrl": target_url, "subscriptions": subscriptions});
        let answer = self.set_webhooks(CLIENT_ID, body).await;
        assert_eq!(answer.status(), StatusCode::OK, "the webhooks are set");
    }

    async fn deliveries(&self) -> Vec<Value> {
        let list = self.get_json("/_sandbox/webhooks/deliveries").await;
        list.as_array().expect("a list of deliveries").clone()
    }
}

fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0))
}

/// A sandbox whose app sends `subscriptions` to a receiver at `path` answering `statuses`
/// (then 204).
async fn subscribed(
    path: &str,
    statuses: &[u16],
    subscriptions: Value,
) -> (TestSandbox, webhook_receiver::Receiver) {
    let sandbox = spawn().await;
    let receiver = webhook_receiver::start(path, statuses).await;
    sandbox.subscribe(&receiver.url, subscriptions).await;
    (sandbox, receiver)
}

/// A sandbox whose app sends `contact.creation` to a receiver at `path` answering `statuses`
/// (then 204), installed by account `HUB`, in which Ada's contact was just created (returned).
async fn ada_created(
    path: &str,
    statuses: &[u16],
) -> (TestSandbox, webhook_receiver::Receiver, Value) {
    let creation = json!([{"subscriptionType": "contact.creation"}]);
    let (sandbox, receiver) = subscribed(path, statuses, creation).await;
    let token = sandbox.connect(HUB).await.access;
    let contact = sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;
    (sandbox, receiver, contact)
}

/// Long enough for the sender to have sent anything it was going to.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn a_contact_creation_sends_one_batch_whose_v3_signature_verifies() {
    let (_sandbox, receiver, contact) = ada_created("/hooks/hubspot?source=sandbox", &[]).await;

    let received = receiver.wait_for(1).await;
    settle().await;
    assert_eq!(receiver.received().len(), 1, "one batch");
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, receiver.url, "the target URL, query included");
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("x-hubspot-signature-version"), "v3");
    assert!(request.signature_verifies(CLIENT_SECRET), "{request:?}");
    assert!(!request.signature_verifies("another secret"));
    let timestamp: u64 = request
        .header("x-hubspot-request-timestamp")
        .parse()
        .expect("milliseconds");
    assert!(
        now_ms().abs_diff(timestamp) < 300_000,
        "within HubSpot's 5 minutes"
    );
    let events = request.events();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["subscriptionType"], "contact.creation");
    assert_eq!(event["portalId"], HUB);
    assert_eq!(event["attemptNumber"], 0);
    assert_eq!(event["changeSource"], "API");
    assert_eq!(
        event["objectId"].to_string(),
        contact["id"].as_str().expect("an id"),
        "objectId is the contact's id, as a number"
    );
    for field in ["eventId", "subscriptionId", "appId", "occurredAt"] {
        assert!(event[field].is_u64(), "{field} is a number: {event}");
    }
    assert!(event.get("propertyName").is_none());
}

#[tokio::test]
async fn property_changes_are_sent_only_for_subscribed_properties() {
    let (sandbox, receiver) = subscribed(
        "/hooks",
        &[],
        json!([{"subscriptionType": "contact.propertyChange", "propertyName": "firstname"}]),
    )
    .await;
    let token = sandbox.connect(HUB).await.access;
    let contact = sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;
    let path = format!("{CONTACTS}/{}", contact["id"].as_str().expect("an id"));

    let unsubscribed = json!({"properties": {"lastname": "Lovelace"}});
    let answer = sandbox
        .crm(Method::PATCH, &path, &token, Some(unsubscribed))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let subscribed = json!({"properties": {"firstname": "Ada"}});
    let answer = sandbox
        .crm(Method::PATCH, &path, &token, Some(subscribed))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let unchanged = json!({"properties": {"firstname": "Ada"}});
    let answer = sandbox
        .crm(Method::PATCH, &path, &token, Some(unchanged))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);

    receiver.wait_for(1).await;
    settle().await;
    let events: Vec<Value> = receiver
        .received()
        .iter()
        .flat_map(webhook_receiver::Received::events)
        .collect();
    assert_eq!(events.len(), 1, "only the firstname change: {events:?}");
    assert_eq!(events[0]["subscriptionType"], "contact.propertyChange");
    assert_eq!(events[0]["propertyName"], "firstname");
    assert_eq!(events[0]["propertyValue"], "Ada");
}

#[tokio::test]
async fn accounts_that_did_not_install_the_app_send_it_no_events() {
    let (sandbox, receiver) = subscribed(
        "/hooks",
        &[],
        json!([{"subscriptionType": "contact.creation"}]),
    )
    .await;
    // Another app, installed in the other account only.
    let other = json!({"clientId": "other-app", "clientSecret": "other-secret", "name": "Other",
        "redirectUris": [REDIRECT_URI], "scopes": ["oauth", "crm.objects.contacts.write"]});
    let answer = sandbox.post_json("/_sandbox/apps", other).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let params = [
        ("client_id", "other-app"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "oauth crm.objects.contacts.write"),
    ];
    let code = sandbox.code_with(&params, OTHER_HUB).await;
    let exchange = [
        ("grant_type", "authorization_code"),
        ("client_id", "other-app"),
        ("client_secret", "other-secret"),
        ("redirect_uri", REDIRECT_URI),
        ("code", code.as_str()),
    ];
    let answer = sandbox.token(&exchange).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.expect("a token body");
    let other_token = body["access_token"].as_str().expect("a token").to_owned();
    let token = sandbox.connect(HUB).await.access;

    sandbox
        .create_contact(&other_token, json!({"email": "grace@example.org"}))
        .await;
    sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;

    receiver.wait_for(1).await;
    settle().await;
    let events: Vec<Value> = receiver
        .received()
        .iter()
        .flat_map(webhook_receiver::Received::events)
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["portalId"], HUB, "only the installing account's");
}

#[tokio::test]
async fn a_500_is_retried_and_the_retry_carries_attempt_number_1() {
    let (sandbox, receiver, _) = ada_created("/hooks", &[500]).await;
    receiver.wait_for(1).await;
    settle().await;
    let deliveries = sandbox.deliveries().await;
    assert_eq!(deliveries[0]["state"], "pending", "{deliveries:?}");
    assert_eq!(deliveries[0]["attempts"][0]["status"], 500);
    assert!(deliveries[0]["nextAttemptAt"].is_string());

    let answer = sandbox
        .post_json("/_sandbox/webhooks/retry-now", json!({}))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let due: Value = answer.json().await.expect("JSON");
    assert_eq!(due["due"], 1);

    let received = receiver.wait_for(2).await;
    assert_eq!(received[0].events()[0]["attemptNumber"], 0);
    let retry = &received[1];
    assert_eq!(retry.events()[0]["attemptNumber"], 1);
    assert_eq!(
        retry.events()[0]["eventId"],
        received[0].events()[0]["eventId"]
    );
    assert!(retry.signature_verifies(CLIENT_SECRET), "signed again");
    settle().await;
    let deliveries = sandbox.deliveries().await;
    assert_eq!(deliveries[0]["state"], "delivered");
    assert_eq!(deliveries[0]["attempts"][1]["status"], 204);
    let listed = serde_json::to_string(&deliveries).expect("JSON");
    assert!(!listed.contains(CLIENT_SECRET), "no secret in the knob");
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let (sandbox, receiver, _) = ada_created("/hooks", &[400]).await;
    receiver.wait_for(1).await;
    settle().await;

    let answer = sandbox
        .post_json("/_sandbox/webhooks/retry-now", json!({}))
        .await;
    let due: Value = answer.json().await.expect("JSON");
    settle().await;

    assert_eq!(due["due"], 0);
    assert_eq!(receiver.received().len(), 1);
    let deliveries = sandbox.deliveries().await;
    assert_eq!(deliveries[0]["state"], "refused");
}

#[tokio::test]
async fn more_than_100_events_come_in_several_posts_of_at_most_100() {
    let (sandbox, receiver) = subscribed(
        "/hooks",
        &[],
        json!([{"subscriptionType": "contact.creation"},
                {"subscriptionType": "contact.propertyChange", "propertyName": "email"}]),
    )
    .await;
    let token = sandbox.connect(HUB).await.access;
    let inputs: Vec<Value> = (0..100)
        .map(|i| json!({"id": format!("person{i}@example.com"), "idProperty": "email", "properties": {}}))
        .collect();

    let answer = sandbox
        .crm(
            Method::POST,
            &format!("{CONTACTS}/batch/upsert"),
            &token,
            Some(json!({"inputs": inputs})),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);

    // A creation also fires the propertyChange of each property it sets: 200 events.
    let received = receiver.wait_for_events(200).await;
    let sizes: Vec<usize> = received.iter().map(|r| r.events().len()).collect();
    assert_eq!(sizes, [100, 100], "two full batches");
    assert!(received.iter().all(|r| r.signature_verifies(CLIENT_SECRET)));
}

#[tokio::test]
async fn webhook_settings_are_checked_and_read_back() {
    let sandbox = spawn().await;
    let bad = [
        json!({"targetUrl": "not a url", "subscriptions": []}),
        json!({"targetUrl": "ftp://example.com/x", "subscriptions": []}),
        json!({"targetUrl": "http://example.com/x", "subscriptions": [{"subscriptionType": "deal.creation"}]}),
        json!({"targetUrl": "http://example.com/x", "subscriptions": [{"subscriptionType": "contact.propertyChange"}]}),
        json!({"targetUrl": "http://example.com/x", "subscriptions": [], "maxConcurrentRequests": 0}),
        json!({"targetUrl": "http://example.com/x", "surprise": true}),
    ];
    for body in bad {
        let answer = sandbox.set_webhooks(CLIENT_ID, body.clone()).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let unknown = sandbox
        .set_webhooks("nobody", json!({"targetUrl": "http://example.com/x"}))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let body = json!({"targetUrl": "http://example.com", "maxConcurrentRequests": 5,
        "subscriptions": [{"subscriptionType": "contact.deletion"}]});
    let set: Value = sandbox
        .set_webhooks(CLIENT_ID, body)
        .await
        .json()
        .await
        .expect("JSON");
    let read = sandbox
        .get_json(&format!("/_sandbox/apps/{CLIENT_ID}/webhooks"))
        .await;

    assert_eq!(read, set);
    assert_eq!(
        read["targetUrl"], "http://example.com/",
        "as it will be called"
    );
    assert_eq!(read["maxConcurrentRequests"], 5);
    assert_eq!(
        read["subscriptions"][0]["subscriptionType"],
        "contact.deletion"
    );
    assert!(read["subscriptions"][0]["id"].is_u64());
}

#[tokio::test]
async fn changes_made_by_the_contact_knobs_are_sent_as_crm_ui_with_deletions() {
    let (sandbox, receiver) = subscribed(
        "/hooks",
        &[],
        json!([{"subscriptionType": "contact.creation"},
                {"subscriptionType": "contact.propertyChange", "propertyName": "lastname"},
                {"subscriptionType": "contact.deletion"}]),
    )
    .await;
    sandbox.connect(HUB).await;
    let contacts = format!("/_sandbox/accounts/{HUB}/contacts");
    let answer = sandbox
        .post_json(
            &contacts,
            json!({"properties": {"email": "ada@example.com"}}),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let contact: Value = answer.json().await.expect("JSON");
    let one = format!("{contacts}/{}", contact["id"].as_str().expect("an id"));

    let answer = sandbox
        .http
        .patch(sandbox.url(&one))
        .json(&json!({"properties": {"lastname": "Lovelace"}}))
        .send()
        .await
        .expect("PATCH answers");
    assert_eq!(answer.status(), StatusCode::OK);
    let answer = sandbox
        .http
        .delete(sandbox.url(&one))
        .send()
        .await
        .expect("DELETE answers");
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    let again = sandbox
        .http
        .delete(sandbox.url(&one))
        .send()
        .await
        .expect("DELETE answers");
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "already archived");

    let received = receiver.wait_for_events(3).await;
    let mut events: Vec<Value> = received
        .iter()
        .flat_map(webhook_receiver::Received::events)
        .collect();
    // Separate batches may arrive in any order (HubSpot does not promise one either).
    events.sort_by_key(|e| e["eventId"].as_u64());
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["subscriptionType"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "contact.creation",
            "contact.propertyChange",
            "contact.deletion"
        ]
    );
    assert!(events.iter().all(|e| e["changeSource"] == "CRM_UI"));
}

#[tokio::test]
async fn the_sandbox_stops_promptly_while_a_receiver_does_not_answer() {
    let sandbox = spawn().await;
    // Accepts connections (the kernel's backlog) and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let target = format!("http://{}/hooks", silent.local_addr().expect("an address"));
    sandbox
        .subscribe(&target, json!([{"subscriptionType": "contact.creation"}]))
        .await;
    let token = sandbox.connect(HUB).await.access;
    sandbox
        .create_contact(&token, json!({"email": "ada@example.com"}))
        .await;
    settle().await;
    assert_eq!(sandbox.deliveries().await[0]["state"], "sending");

    let started = std::time::Instant::now();
    sandbox.handle.stop().await;

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
