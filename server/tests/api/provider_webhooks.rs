//! HubSpot's webhooks into the platform, on both databases: a signed batch runs the
//! `provider_event` workflows of the users connected to its account, with `event.*`; a forged,
//! stale or unsigned request is refused and stores nothing; a repeated `eventId` runs nothing
//! more; an event of an account nobody connected is dropped. The requests are signed here as
//! HubSpot signs them (v3), checked against HubSpot's own test vector in the unit tests; the
//! last test has the HubSpot stand-in send them itself, retrying while the platform refuses.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{
    connect_support::{CLIENT_ID, CLIENT_SECRET, HUB, Hubspot, OTHER_HUB, hubspot},
    helpers::{TestApp, both_backends},
};

const SEEN: &str = r#"
id: seen
name: Contacts created in HubSpot reach Acme CRM
integration: hubspot
default_enabled: true
trigger:
  provider_event: contact.creation
steps:
  - id: note
    action: hubspot.create_contact
    input:
      email: "seen-{{event.objectId}}@acme.test"
      lastname: "{{event.subscriptionType}}"
"#;

const TAG: &str = r#"
id: tag
name: Tag contacts created in HubSpot
integration: hubspot
default_enabled: true
trigger:
  provider_event: contact.creation
steps:
  - id: tag
    action: hubspot.update_contact
    input:
      id: "{{event.objectId}}"
      lastname: seen by Acme CRM
"#;

/// HubSpot's v3 signature of a POST of `body` to `uri` at `timestamp` (ms).
fn sign(secret: &str, uri: &str, body: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("a key");
    mac.update(format!("POST{uri}{body}{timestamp}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis(),
    )
    .expect("in range")
}

fn creation(event_id: u64, portal: u32, object: u64) -> Value {
    json!({"eventId": event_id, "subscriptionId": 9, "portalId": portal, "appId": 1, "occurredAt": now_ms(),
           "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": object, "changeSource": "CRM"})
}

/// Posts `events` to the project's webhook URL, signed with `secret` at `timestamp`.
async fn deliver(
    app: &TestApp,
    hs: &Hubspot,
    events: &Value,
    secret: &str,
    timestamp: i64,
) -> reqwest::Response {
    let url = app.url(&format!("/webhooks/hubspot/{}", hs.project.id));
    let body = events.to_string();
    app.client
        .post(&url)
        .header("Content-Type", "application/json")
        .header("X-HubSpot-Signature-Version", "v3")
        .header("X-HubSpot-Request-Timestamp", timestamp.to_string())
        .header(
            "X-HubSpot-Signature-v3",
            sign(secret, &url, &body, timestamp),
        )
        .body(body)
        .send()
        .await
        .expect("answers")
}

async fn deploy_seen(app: &TestApp, hs: &Hubspot) {
    deploy_one(app, hs, SEEN).await;
}

/// Deploys one workflow.
async fn deploy_one(app: &TestApp, hs: &Hubspot, yaml: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("workflows")).expect("workflows/");
    std::fs::write(dir.path().join("workflows/one.yaml"), yaml).expect("the workflow");
    hs.deploy(app, dir.path()).await;
}

/// The contact `id` of account `HUB` was tagged by the `TAG` workflow.
async fn assert_tagged(hs: &Hubspot, id: &str) {
    let contact = hs
        .contacts(HUB)
        .await
        .into_iter()
        .find(|c| c["id"] == id)
        .expect("the contact");
    assert_eq!(
        contact["properties"]["lastname"], "seen by Acme CRM",
        "{contact}"
    );
}

fn seen(contacts: &[Value]) -> Vec<String> {
    contacts
        .iter()
        .filter_map(|c| c["properties"]["email"].as_str())
        .filter(|e| e.starts_with("seen-"))
        .map(str::to_owned)
        .collect()
}

both_backends! {
    async fn a_signed_batch_runs_the_workflows_of_the_users_of_its_account_once(app) {
        let hs = hubspot(&app).await;
        deploy_seen(&app, &hs).await;
        hs.connect(&app, "ann", HUB).await;
        let batch = json!([creation(1, HUB, 501), creation(2, HUB, 502), creation(3, OTHER_HUB, 503)]);

        let answer = deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms()).await;

        assert_eq!(answer.status(), 204);
        let runs = hs.finished_runs(&app, 2, Duration::from_secs(30)).await;
        assert_eq!(runs.len(), 2, "the event of an account nobody connected is dropped: {runs:?}");
        assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
        let mut emails = seen(&hs.contacts(HUB).await);
        emails.sort();
        assert_eq!(emails, ["seen-501@acme.test", "seen-502@acme.test"]);

        // HubSpot retries a delivery it thinks failed: the same events run nothing more.
        let again = deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms()).await;
        assert_eq!(again.status(), 204);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(hs.executions(&app).await.len(), 2, "a repeated eventId runs once");
    }

    async fn forged_stale_and_unsigned_requests_store_nothing(app) {
        let hs = hubspot(&app).await;
        deploy_seen(&app, &hs).await;
        hs.connect(&app, "ann", HUB).await;
        let batch = json!([creation(7, HUB, 700)]);

        let forged = deliver(&app, &hs, &batch, "not-the-apps-secret", now_ms()).await;
        let stale = deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms() - 6 * 60 * 1000).await;
        let future = deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms() + 10 * 60 * 1000).await;
        let unsigned = app
            .client
            .post(app.url(&format!("/webhooks/hubspot/{}", hs.project.id)))
            .json(&batch)
            .send()
            .await
            .expect("answers");
        let other_project = app.new_project().await;
        let elsewhere = app
            .client
            .post(app.url(&format!("/webhooks/hubspot/{}", other_project.id)))
            .json(&batch)
            .send()
            .await
            .expect("answers");

        for (what, answer) in [("forged", forged), ("stale", stale), ("future", future), ("unsigned", unsigned), ("a project without HubSpot", elsewhere)] {
            assert_eq!(answer.status(), 401, "{what}");
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(hs.executions(&app).await.is_empty(), "nothing ran");
        assert!(seen(&hs.contacts(HUB).await).is_empty());
        // The same event, signed, still runs: the refusals stored nothing, not even its id.
        assert_eq!(deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms()).await.status(), 204);
        assert_eq!(hs.finished_runs(&app, 1, Duration::from_secs(30)).await.len(), 1);
    }

    async fn a_contact_created_in_hubspot_reaches_the_workflow_through_the_stand_ins_signed_webhook(app) {
        let hs = hubspot(&app).await;
        // An update, not a create: a create would be a new contact, and a new webhook event.
        deploy_one(&app, &hs, TAG).await;
        hs.connect(&app, "ann", HUB).await;
        subscribe(&hs, &app.url(&format!("/webhooks/hubspot/{}", hs.project.id))).await;

        let id = create_contact(&hs, "grace@navy.test").await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_tagged(&hs, &id).await;
        let deliveries: Value = hs.knob(reqwest::Method::GET, "/webhooks/deliveries").await.json().await.expect("JSON");
        assert_eq!(deliveries[0]["state"], "delivered", "{deliveries}");
    }

    async fn the_stand_in_delivers_what_the_platform_missed_while_it_was_down(app) {
        let hs = hubspot(&app).await;
        deploy_one(&app, &hs, TAG).await;
        hs.connect(&app, "ann", HUB).await;
        // The platform HubSpot sends to is a replica, stopped before the contact is made.
        let (replica, stop) = app.api_replica().await;
        let addr: std::net::SocketAddr = replica
            .trim_start_matches("http://")
            .parse()
            .expect("a socket address");
        drop(stop);
        wait_until_closed(addr).await;
        subscribe(&hs, &format!("{replica}/webhooks/hubspot/{}", hs.project.id)).await;

        let id = create_contact(&hs, "ada@engine.test").await;
        let missed = wait_for_delivery(&hs, |d| {
            d["state"] == "pending" && d["attempts"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        assert!(missed["attempts"][0]["error"].is_string(), "{missed}");
        assert!(hs.executions(&app).await.is_empty(), "nothing could run while it was down");

        // The platform is back on the same address; the stand-in's next retry is due now.
        let _back = app.api_replica_at(addr).await;
        let due = hs.knob(reqwest::Method::POST, "/webhooks/retry-now").await;
        assert_eq!(due.status(), 200);

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_tagged(&hs, &id).await;
        let delivered = wait_for_delivery(&hs, |d| d["state"] == "delivered").await;
        assert!(delivered["attempts"].as_array().is_some_and(|a| a.len() >= 2), "{delivered}");
    }
}

/// Points the project's HubSpot app (in the stand-in) at `target`, subscribed to creations.
async fn subscribe(hs: &Hubspot, target: &str) {
    subscribe_to(
        hs,
        target,
        json!([{"subscriptionType": "contact.creation"}]),
    )
    .await;
}

/// Points the project's HubSpot app (in the stand-in) at `target` with `subscriptions`.
pub(crate) async fn subscribe_to(hs: &Hubspot, target: &str, subscriptions: Value) {
    let settings = hs
        .browser
        .put(format!(
            "{}/_sandbox/apps/{CLIENT_ID}/webhooks",
            hs.sandbox.base_url()
        ))
        .json(&json!({"targetUrl": target, "subscriptions": subscriptions}))
        .send()
        .await
        .expect("answers");
    assert_eq!(settings.status(), 200);
}

/// Creates a contact in the stand-in's account `HUB` (as its user would in HubSpot); its id.
pub(crate) async fn create_contact(hs: &Hubspot, email: &str) -> String {
    let created: Value = hs
        .browser
        .post(format!(
            "{}/_sandbox/accounts/{HUB}/contacts",
            hs.sandbox.base_url()
        ))
        .json(&json!({"properties": {"email": email}}))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    created["id"].as_str().expect("an id").to_owned()
}

/// The stand-in's first delivery once `ready` holds of it (10 s at most).
async fn wait_for_delivery(hs: &Hubspot, ready: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let deliveries: Value = hs
            .knob(reqwest::Method::GET, "/webhooks/deliveries")
            .await
            .json()
            .await
            .expect("JSON");
        if ready(&deliveries[0]) {
            return deliveries[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the delivery never reached the expected state");
}

/// Waits until nothing accepts connections on `addr` (a stopped server has let its port go).
async fn wait_until_closed(addr: std::net::SocketAddr) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{addr} still accepts connections");
}

/// A batch is stored whole or not at all: an event the database refuses fails the request
/// (HubSpot will retry it) and leaves no run of the batch's other events behind.
#[tokio::test]
async fn a_batch_the_database_refuses_part_of_stores_none_of_it() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let hs = hubspot(&app).await;
    deploy_seen(&app, &hs).await;
    hs.connect(&app, "ann", HUB).await;
    app.execute(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON app_events WHEN NEW.payload LIKE '%\"objectId\":602%'
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .await;
    let batch = json!([creation(21, HUB, 601), creation(22, HUB, 602)]);

    let answer = deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms()).await;

    assert_eq!(answer.status(), 500);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        hs.executions(&app).await.is_empty(),
        "the event before the refused one ran"
    );
    // HubSpot retries the batch; this time the database takes it, and each event runs once.
    app.execute("DROP TRIGGER refuse_one").await;
    assert_eq!(
        deliver(&app, &hs, &batch, CLIENT_SECRET, now_ms())
            .await
            .status(),
        204
    );
    assert_eq!(
        hs.finished_runs(&app, 2, Duration::from_secs(30))
            .await
            .len(),
        2
    );
}
