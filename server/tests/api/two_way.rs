//! `examples/hubspot-two-way/` on both databases: data from the user's HubSpot reaches the
//! app's backend. A contact changed in the HubSpot stand-in is sent to the platform as HubSpot
//! sends it (a signed webhook), runs the example's `provider_event` workflow, whose `notify:`
//! step reaches the app's endpoint as a signed `contact.changed`; the nightly `schedule`
//! workflow sends its `contacts.reviewed` report. A notification stored twice under one id (a
//! retried step) is delivered once.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, Hubspot, hubspot},
    helpers::{Backend, TestApp, both_backends, spawn_app_with_workers},
    provider_webhooks::{create_contact, subscribe_to},
    webhooks_out_support::{deliveries_until, endpoint, receiver, verify},
};

const TWO_WAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hubspot-two-way");
const WAIT: Duration = Duration::from_secs(30);

/// The detail of the project's only run, once it finished.
async fn the_run(app: &TestApp, hs: &Hubspot) -> Value {
    let runs = hs.finished_runs(app, 1, WAIT).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    let id = runs[0]["id"].as_str().expect("a run id");
    app.client
        .get(app.url(&format!(
            "/projects/{}/task-history/workflow-executions/{id}",
            hs.project.id
        )))
        .bearer_auth(&hs.project.api_key)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

both_backends! {
    async fn a_contact_changed_in_hubspot_reaches_the_apps_backend_signed(app) {
        let hs = hubspot(&app).await;
        hs.deploy(&app, std::path::Path::new(TWO_WAY)).await;
        hs.connect(&app, "ann", HUB).await;
        let backend = receiver(&[]).await;
        let (_, secret) = endpoint(&app, &hs.project, &backend.url, &["contact.changed"]).await;
        let target = app.url(&format!("/webhooks/hubspot/{}", hs.project.id));
        let lastname = json!([{"subscriptionType": "contact.propertyChange", "propertyName": "lastname"}]);
        subscribe_to(&hs, &target, lastname).await;
        let id = create_contact(&hs, "ada@engine.test").await;

        let changed = hs
            .browser
            .patch(format!("{}/_sandbox/accounts/{HUB}/contacts/{id}", hs.sandbox.base_url()))
            .json(&json!({"properties": {"lastname": "Byron"}}))
            .send()
            .await
            .expect("answers");
        assert_eq!(changed.status(), 200);

        let got = backend.wait_for(1, WAIT).await;
        assert!(verify(&secret, &got[0]), "signed with the endpoint's secret");
        let message = got[0].json();
        assert_eq!(message["type"], "contact.changed", "{message}");
        // A lone variable keeps its type: HubSpot's object ids are numbers.
        assert_eq!(message["data"]["hubspotId"].to_string(), id);
        assert_eq!(message["data"]["userId"], "ann", "the user whose HubSpot it is");
        assert_eq!(message["data"]["property"], "lastname");
        assert_eq!(message["data"]["value"], "Byron");
        assert!(message["data"]["changeSource"].is_string(), "{message}");
        let run = the_run(&app, &hs).await;
        let output = &run["outputs"]["tell_the_app"];
        assert_eq!(output["id"], got[0].header("webhook-id").as_str(), "{run}");
        assert_eq!(output["endpoints"], 1);
        let log = deliveries_until(&app, &hs.project, WAIT, |d| d.first().is_some_and(|d| d["status"] == "delivered")).await;
        assert_eq!(log.len(), 1, "one delivery: {log:?}");
    }

    async fn a_notification_stored_twice_under_one_id_is_delivered_once(app) {
        let project = app.new_project().await;
        let backend = receiver(&[]).await;
        endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
        let data = json!({"hubspotId": "7"});

        for _ in 0..2 {
            let endpoints = paragon_server::webhooks_out::enqueue_with_id(
                &app.store, project.id, "msg_retried", "contact.changed", data.clone(),
            )
            .await
            .expect("stored");
            assert_eq!(endpoints, 1);
        }

        backend.wait_for(1, WAIT).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(backend.got().len(), 1, "delivered once");
        let log = deliveries_until(&app, &project, WAIT, |d| !d.is_empty()).await;
        assert_eq!(log.len(), 1, "{log:?}");
    }
}

/// The nightly review, its tick made due: one `contacts.reviewed` with the user's contacts and
/// the tick's time.
async fn the_nightly_review_reports_the_users_contacts(backend_kind: Backend) {
    let Some(app) = spawn_app_with_workers(backend_kind, 0).await else {
        return;
    };
    let hs = hubspot(&app).await;
    hs.deploy(&app, std::path::Path::new(TWO_WAY)).await;
    hs.connect(&app, "ann", HUB).await;
    create_contact(&hs, "grace@navy.test").await;
    let backend = receiver(&[]).await;
    endpoint(&app, &hs.project, &backend.url, &["contacts.reviewed"]).await;
    // Due since yesterday: the scheduler fires the latest 03:00 slot once.
    app.execute("UPDATE schedules SET next_tick_ms = 0").await;
    let _replica = app.scheduler_replica(app.second_store().await).await;

    let got = backend.wait_for(1, WAIT).await;
    let message = got[0].json();
    assert_eq!(message["type"], "contacts.reviewed", "{message}");
    let scheduled = message["data"]["scheduledFor"]
        .as_str()
        .expect("the tick's time");
    assert!(scheduled.contains("T03:00:00"), "{message}");
    let contacts = message["data"]["contacts"].as_array().expect("a list");
    assert!(
        contacts
            .iter()
            .any(|c| c["properties"]["email"] == "grace@navy.test"),
        "{message}"
    );
    assert_eq!(message["data"]["total"], contacts.len(), "{message}");
}

#[tokio::test]
async fn the_nightly_review_reports_the_users_contacts_sqlite() {
    the_nightly_review_reports_the_users_contacts(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_nightly_review_reports_the_users_contacts_postgres() {
    the_nightly_review_reports_the_users_contacts(Backend::Postgres).await;
}
