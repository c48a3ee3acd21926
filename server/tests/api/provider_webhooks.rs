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
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("workflows")).expect("workflows/");
    std::fs::write(dir.path().join("workflows/seen.yaml"), SEEN).expect("the workflow");
    hs.deploy(app, dir.path()).await;
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
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("workflows")).expect("workflows/");
        // An update, not a create: a create would be a new contact, and a new webhook event.
        std::fs::write(dir.path().join("workflows/tag.yaml"), TAG).expect("the workflow");
        hs.deploy(&app, dir.path()).await;
        hs.connect(&app, "ann", HUB).await;
        let target = app.url(&format!("/webhooks/hubspot/{}", hs.project.id));
        let settings = hs
            .browser
            .put(format!("{}/_sandbox/apps/{CLIENT_ID}/webhooks", hs.sandbox.base_url()))
            .json(&json!({"targetUrl": target, "subscriptions": [{"subscriptionType": "contact.creation"}]}))
            .send()
            .await
            .expect("answers");
        assert_eq!(settings.status(), 200);

        let created: Value = hs
            .browser
            .post(format!("{}/_sandbox/accounts/{HUB}/contacts", hs.sandbox.base_url()))
            .json(&json!({"properties": {"email": "grace@navy.test", "firstname": "Grace"}}))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        let id = created["id"].as_str().expect("an id").to_owned();

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contact = hs
            .contacts(HUB)
            .await
            .into_iter()
            .find(|c| c["id"] == id.as_str())
            .expect("the contact");
        assert_eq!(contact["properties"]["lastname"], "seen by Acme CRM", "{contact}");
        let deliveries: Value = hs.knob(reqwest::Method::GET, "/webhooks/deliveries").await.json().await.expect("JSON");
        assert_eq!(deliveries[0]["state"], "delivered", "{deliveries}");
    }
}
