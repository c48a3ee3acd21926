//! Webhooks out on both databases: endpoints (the secret shown once), signed deliveries to a
//! real receiver, retries (5xx, 429 with Retry-After, timeouts; never another 4xx) with the
//! same id, resend, disabling after a long failure, tenant isolation, and the egress policy.

use std::time::Duration;

use paragon_server::{
    connect::egress::EgressPolicy,
    ids::WebhookEndpointId,
    storage::{NewMessage, WebhookEndpoint},
    webhooks_out,
};
use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::guide_payload,
    helpers::{Backend, TestApp, assert_error, both_backends, spawn_app_configured},
    webhooks_out_support::{
        Reply, create_endpoint, deliveries_until, endpoint, get, receiver, verify,
    },
};

const WAIT: Duration = Duration::from_secs(20);

fn attempts(delivery: &Value) -> Vec<Value> {
    delivery["attempts"].as_array().expect("attempts").clone()
}

async fn send(app: &TestApp, project: &crate::helpers::TestProject, kind: &str) -> String {
    webhooks_out::enqueue(&app.store, project.id, kind, json!({"contactId": "42"}))
        .await
        .expect("stored")
}

both_backends! {
    async fn an_endpoint_shows_its_secret_once_and_refuses_bad_input(app) {
        let project = app.new_project().await;
        let (status, created) = create_endpoint(&app, &project, json!({"url": "http://127.0.0.1:9/hooks", "description": "CRM sync"})).await;
        assert_eq!(status, 201, "{created}");
        let secret = created["secret"].as_str().expect("the secret");
        assert!(secret.starts_with("whsec_"), "{secret}");
        assert_eq!(created["eventTypes"], json!(["connection.created", "connection.deleted", "connection.invalid", "run.failed", "endpoint.disabled"]));
        let id = created["id"].as_str().expect("id");

        let (_, shown) = get(&app, &project, &format!("/webhooks/endpoints/{id}")).await;
        assert_eq!(shown["disabled"], false);
        assert!(!shown.to_string().contains(secret) && shown.get("secret").is_none(), "{shown}");
        let (_, listed) = get(&app, &project, "/webhooks/endpoints").await;
        assert_eq!(listed["data"].as_array().expect("data").len(), 1);
        assert!(!listed.to_string().contains(secret));
        assert!(!app.database_dump().await.contains(secret), "the secret is sealed at rest");

        let (status, bad_type) = create_endpoint(&app, &project, json!({"url": "http://127.0.0.1:9/", "eventTypes": ["run.started"]})).await;
        assert_eq!(status, 422);
        let message = bad_type["message"].as_str().expect("message");
        assert!(message.contains("run.started") && message.contains("connection.created") && message.contains("event.received"), "{message}");
        let (status, custom) = create_endpoint(&app, &project, json!({"url": "http://127.0.0.1:9/", "eventTypes": ["contact.changed"]})).await;
        assert_eq!(status, 201, "custom types are accepted: {custom}");
        let (status, bad_url) = create_endpoint(&app, &project, json!({"url": "ftp://example.com/x"})).await;
        assert_eq!(status, 422);
        assert!(bad_url["message"].as_str().expect("message").contains("must use https"), "{bad_url}");
        let (status, _) = create_endpoint(&app, &project, json!({"url": "http://127.0.0.1:9/", "secret": "mine"})).await;
        assert_eq!(status, 400, "unknown fields are refused");

        let patched = app
            .management(reqwest::Method::PATCH, &format!("/projects/{}/webhooks/endpoints/{id}", project.id), &project.api_key)
            .json(&json!({"eventTypes": ["run.failed", "run.succeeded"], "enabled": false}))
            .send().await.expect("answers");
        assert_eq!(patched.status(), 200);
        let patched: Value = patched.json().await.expect("JSON");
        assert_eq!(patched["eventTypes"], json!(["run.failed", "run.succeeded"]));
        assert_eq!(patched["disabled"], true);

        let rotated: Value = app
            .management(reqwest::Method::POST, &format!("/projects/{}/webhooks/endpoints/{id}/rotate-secret", project.id), &project.api_key)
            .send().await.expect("answers").json().await.expect("JSON");
        assert!(rotated["secret"].as_str().is_some_and(|s| s.starts_with("whsec_") && s != secret), "{rotated}");

        let deleted = app
            .management(reqwest::Method::DELETE, &format!("/projects/{}/webhooks/endpoints/{id}", project.id), &project.api_key)
            .send().await.expect("answers");
        assert_eq!(deleted.status(), 204);
        let (status, _) = get(&app, &project, &format!("/webhooks/endpoints/{id}")).await;
        assert_eq!(status, 404);
    }

    async fn a_new_connection_is_delivered_signed_and_without_tokens(app) {
        let hs = hubspot(&app).await;
        let backend = receiver(&[]).await;
        let (endpoint_id, secret) = endpoint(&app, &hs.project, &backend.url, &["connection.created", "connection.deleted"]).await;

        hs.connect(&app, "ann", HUB).await;

        let got = backend.wait_for(1, WAIT).await;
        let message = &got[0];
        assert!(verify(&secret, message), "the signature checks: {message:?}");
        assert!(message.header("webhook-id").starts_with("msg_"));
        let body = message.json();
        assert_eq!(body["type"], "connection.created");
        assert_eq!(body["id"], message.header("webhook-id"));
        assert_eq!(body["data"]["userId"], "ann");
        assert_eq!(body["data"]["integration"], "hubspot");
        assert_eq!(body["data"]["providerId"], HUB.to_string());
        assert!(body["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
        assert!(!message.body.contains("access") && !message.body.contains("refresh"), "no token: {}", message.body);
        let timestamp: i64 = message.header("webhook-timestamp").parse().expect("seconds");
        assert!((timestamp - paragon_server::clock::now_secs()).abs() < 60);

        assert_eq!(hs.disconnect(&app, "ann").await, 204);
        let got = backend.wait_for(2, WAIT).await;
        assert_eq!(got[1].json()["type"], "connection.deleted");
        assert!(verify(&secret, &got[1]));

        let log = deliveries_until(&app, &hs.project, WAIT, |d| d.len() == 2 && d.iter().all(|d| d["status"] == "delivered")).await;
        assert!(log.iter().all(|d| d["endpointId"] == endpoint_id.as_str()));
        assert_eq!(attempts(&log[0])[0]["statusCode"], 200);
    }

    async fn a_5xx_is_retried_with_the_same_id_and_both_attempts_are_logged(app) {
        let project = app.new_project().await;
        let backend = receiver(&[Reply::status(500)]).await;
        let (_, secret) = endpoint(&app, &project, &backend.url, &["contact.changed"]).await;

        let id = send(&app, &project, "contact.changed").await;

        let got = backend.wait_for(2, WAIT).await;
        assert_eq!(got[0].header("webhook-id"), id);
        assert_eq!(got[1].header("webhook-id"), id, "the same id on every attempt");
        assert_eq!(got[0].body, got[1].body);
        assert!(verify(&secret, &got[1]));
        let log = deliveries_until(&app, &project, WAIT, |d| d.first().is_some_and(|d| d["status"] == "delivered")).await;
        let tries = attempts(&log[0]);
        assert_eq!(tries.len(), 2, "{log:?}");
        assert_eq!(tries[0]["statusCode"], 500);
        assert_eq!(tries[0]["error"], "HTTP 500");
        assert_eq!(tries[1]["statusCode"], 200);
        assert_eq!(log[0]["messageId"], id.as_str());
    }

    async fn a_4xx_other_than_429_is_not_retried(app) {
        let project = app.new_project().await;
        let backend = receiver(&[Reply::status(400)]).await;
        endpoint(&app, &project, &backend.url, &["contact.changed"]).await;

        send(&app, &project, "contact.changed").await;

        let log = deliveries_until(&app, &project, WAIT, |d| d.first().is_some_and(|d| d["status"] == "failed")).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(backend.got().len(), 1, "never retried");
        assert_eq!(attempts(&log[0]).len(), 1);
        assert_eq!(log[0]["error"], "HTTP 400");
    }

    async fn a_429_is_retried_after_its_retry_after(app) {
        let project = app.new_project().await;
        let backend = receiver(&[Reply { status: 429, retry_after: Some(2), delay: Duration::ZERO }]).await;
        endpoint(&app, &project, &backend.url, &["contact.changed"]).await;

        send(&app, &project, "contact.changed").await;

        let got = backend.wait_for(2, WAIT).await;
        let gap = got[1].at - got[0].at;
        assert!(gap >= Duration::from_millis(1900), "waited {gap:?}, not the 300 ms of the schedule");
    }

    async fn a_timeout_is_retried(app) {
        let project = app.new_project().await;
        let backend = receiver(&[Reply { status: 200, retry_after: None, delay: Duration::from_secs(4) }]).await;
        endpoint(&app, &project, &backend.url, &["contact.changed"]).await;

        send(&app, &project, "contact.changed").await;

        let log = deliveries_until(&app, &project, WAIT, |d| d.first().is_some_and(|d| d["status"] == "delivered")).await;
        let tries = attempts(&log[0]);
        assert_eq!(tries.len(), 2, "{log:?}");
        assert_eq!(tries[0]["statusCode"], Value::Null);
        assert!(tries[0]["error"].as_str().is_some_and(|e| e.contains("timed out")), "{tries:?}");
    }

    async fn resend_delivers_the_same_message_again(app) {
        let project = app.new_project().await;
        let backend = receiver(&[]).await;
        let (_, secret) = endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
        let id = send(&app, &project, "contact.changed").await;
        let log = deliveries_until(&app, &project, WAIT, |d| d.first().is_some_and(|d| d["status"] == "delivered")).await;
        let delivery = log[0]["id"].as_str().expect("id");

        let resent = app
            .management(reqwest::Method::POST, &format!("/projects/{}/webhooks/deliveries/{delivery}/resend", project.id), &project.api_key)
            .send().await.expect("answers");
        assert_eq!(resent.status(), 202);

        let got = backend.wait_for(2, WAIT).await;
        assert_eq!(got[1].header("webhook-id"), id);
        assert!(verify(&secret, &got[1]));
        let (_, shown) = get(&app, &project, &format!("/webhooks/deliveries/{delivery}")).await;
        assert_eq!(shown["message"]["id"], id.as_str());
    }

    async fn opt_in_types_are_sent_only_when_subscribed(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let defaults = receiver(&[]).await;
        let (status, _) = create_endpoint(&app, &hs.project, json!({"url": defaults.url})).await;
        assert_eq!(status, 201);
        let opted = receiver(&[]).await;
        endpoint(&app, &hs.project, &opted.url, &["event.received"]).await;

        let (status, _) = hs.trigger(&app, "ann", &guide_payload(1), None).await;
        assert_eq!(status, 201);

        let got = opted.wait_for(1, WAIT).await;
        let body = got[0].json();
        assert_eq!(body["type"], "event.received");
        assert_eq!(body["data"]["name"], "Contact Created");
        assert_eq!(body["data"]["userId"], "ann");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(defaults.got().is_empty(), "event.received is opt-in: {:?}", defaults.got());
    }

    async fn a_failed_run_is_delivered(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let backend = receiver(&[]).await;
        endpoint(&app, &hs.project, &backend.url, &["run.failed", "run.succeeded"]).await;
        let workflow = hs.deploy_workflow(&app, "ann", READ_MISSING).await;

        hs.trigger(&app, "ann", &guide_payload(2), None).await;

        let got = backend.wait_for(1, Duration::from_secs(40)).await;
        let body = got[0].json();
        assert_eq!(body["type"], "run.failed", "{body}");
        assert_eq!(body["data"]["workflowId"], workflow.as_str());
        assert_eq!(body["data"]["workflowName"], "Read a contact that is not there");
        assert_eq!(body["data"]["status"], "failed");
        assert!(body["data"]["error"].as_str().is_some_and(|e| e.contains("404")), "{body}");
        assert!(body["data"]["runId"].is_string() && body["data"]["finishedAt"].is_string());
    }

    async fn a_refused_refresh_is_delivered_as_connection_invalid(app) {
        let hs = hubspot(&app).await;
        let backend = receiver(&[]).await;
        endpoint(&app, &hs.project, &backend.url, &["connection.invalid"]).await;
        hs.connect(&app, "ann", HUB).await;
        let project = hs.project.id.to_string();
        let ann = &app.store.user_credentials(hs.project.id, &crate::helpers::id("ann")).await.expect("read")[0];
        let binding = paragon_server::vault::UserBinding { project: &project, user: "ann", row: ann.id.as_str(), column: "refresh_token" };
        let refresh = app.master_keys().open_string(ann.refresh_token.as_deref().expect("refresh"), binding).expect("opens");
        let revoked = hs
            .browser
            .post(format!("{}/oauth/v3/token/revoke", hs.sandbox.base_url()))
            .form(&[("client_id", crate::connect_support::CLIENT_ID), ("client_secret", crate::connect_support::CLIENT_SECRET), ("token", refresh.as_str())])
            .send().await.expect("answers");
        assert!(revoked.status().is_success());
        hs.knob(reqwest::Method::POST, &format!("/accounts/{HUB}/expire-tokens")).await;

        assert_eq!(hs.proxy(&app, "ann", "crm/v3/objects/contacts").await.status(), 409);

        let got = backend.wait_for(1, WAIT).await;
        let body = got[0].json();
        assert_eq!(body["type"], "connection.invalid", "{body}");
        assert_eq!(body["data"]["userId"], "ann");
        assert_eq!(body["data"]["connectionId"], ann.id.as_str());
        assert!(!got[0].body.contains(&refresh), "no token in the message");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(backend.got().len(), 1, "connection.created was not subscribed");
    }

    async fn housekeeping_purges_ended_deliveries_past_the_retention_from_their_end(app) {
        let project = app.new_project().await;
        let backend = receiver(&[]).await;
        let (_, _) = endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
        let config = paragon_server::housekeeping::HousekeepingConfig::default();
        let retention = i64::try_from(config.event_retention.expect("a retention").as_millis()).expect("ms");
        // A message created before the retention (a delivery waiting that long, or resent
        // since) that ends now: kept for the retention from its end, not from its creation.
        let created = paragon_server::clock::now_ms() - retention - 60_000;
        app.store
            .enqueue_webhook(&NewMessage {
                project_id: project.id,
                message_id: "msg_old",
                event_type: "contact.changed",
                body: r#"{"id":"msg_old","type":"contact.changed","data":{}}"#,
                now_ms: created,
            })
            .await
            .expect("stored");
        webhooks_out::announce(&app.store).await;
        deliveries_until(&app, &project, WAIT, |d| d.first().is_some_and(|d| d["status"] == "delivered")).await;

        let now = paragon_server::clock::now_ms();
        let kept = paragon_server::housekeeping::sweep(&app.store, &config, now + 1000).await.expect("sweep");
        assert_eq!(kept.webhook_deliveries, 0, "ended within the retention");
        let swept = paragon_server::housekeeping::sweep(&app.store, &config, now + retention + 1000).await.expect("sweep");

        assert_eq!(swept.webhook_deliveries, 1, "{swept:?}");
        assert_eq!(get(&app, &project, "/webhooks/deliveries").await.1["data"], json!([]));
    }

    async fn a_cursor_without_an_id_is_refused(app) {
        let project = app.new_project().await;
        let (status, body) = get(&app, &project, "/webhooks/deliveries?cursor=123_").await;
        assert_eq!(status, 400, "{body}");
        let (status, body) = get(&app, &project, "/task-history/workflow-executions?cursor=123_").await;
        assert_eq!(status, 400, "{body}");
    }

    async fn a_patch_keeps_what_the_worker_and_a_rotation_wrote(app) {
        let project = app.new_project().await;
        let backend = receiver(&[]).await;
        let (id, first_secret) = endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
        let path = format!("/projects/{}/webhooks/endpoints/{id}", project.id);
        let patch = |body: Value| {
            app.management(reqwest::Method::PATCH, &path, &project.api_key).json(&body).send()
        };
        let endpoint_id = WebhookEndpointId::parse(&id).expect("an id");
        // The worker disables it; a description change must not re-enable it.
        assert!(app.store.disable_webhook_endpoint(&endpoint_id, "every delivery attempt failed", paragon_server::clock::now_ms()).await.expect("disables"));
        let patched: Value = patch(json!({"description": "renamed"})).await.expect("answers").json().await.expect("JSON");
        assert_eq!(patched["description"], "renamed");
        assert_eq!(patched["disabled"], true, "{patched}");
        assert_eq!(patched["disabledReason"], "every delivery attempt failed");
        // Disabling it again keeps the first reason.
        let patched: Value = patch(json!({"enabled": false})).await.expect("answers").json().await.expect("JSON");
        assert_eq!(patched["disabledReason"], "every delivery attempt failed");

        let rotated: Value = app
            .management(reqwest::Method::POST, &format!("{path}/rotate-secret"), &project.api_key)
            .send().await.expect("answers").json().await.expect("JSON");
        let secret = rotated["secret"].as_str().expect("a secret").to_owned();
        let enabled: Value = patch(json!({"enabled": true, "eventTypes": ["contact.changed", "deal.changed"]})).await.expect("answers").json().await.expect("JSON");
        assert_eq!(enabled["disabled"], false, "{enabled}");
        assert_eq!(enabled["description"], "renamed");
        assert_eq!(enabled["eventTypes"], json!(["contact.changed", "deal.changed"]));

        send(&app, &project, "deal.changed").await;
        let got = backend.wait_for(1, WAIT).await;
        assert!(verify(&secret, &got[0]), "signed with the rotated secret");
        assert!(!verify(&first_secret, &got[0]));
    }

    async fn an_endpoint_deleted_while_a_message_is_stored_costs_the_others_nothing(app) {
        // No worker needed: only what is stored matters. Each round deletes an endpoint while a
        // message for it and for a kept one is being stored; the kept one always gets it.
        let project = app.new_project().await;
        let (kept, _) = endpoint(&app, &project, "http://127.0.0.1:9/kept", &["contact.changed"]).await;
        for round in 0..30 {
            let (doomed, _) = endpoint(&app, &project, "http://127.0.0.1:9/doomed", &["contact.changed"]).await;
            let doomed = WebhookEndpointId::parse(&doomed).expect("an id");
            let message = format!("msg_round{round}");
            let store = app.store.clone();
            let deleting = tokio::spawn(async move { store.delete_webhook_endpoint(project.id, &doomed).await });
            app.store
                .enqueue_webhook(&NewMessage {
                    project_id: project.id,
                    message_id: &message,
                    event_type: "contact.changed",
                    body: "{}",
                    now_ms: paragon_server::clock::now_ms(),
                })
                .await
                .expect("stored for the endpoints still there");
            assert!(deleting.await.expect("joined").expect("deleted"));
        }
        let kept = WebhookEndpointId::parse(&kept).expect("an id");
        let log = app
            .store
            .webhook_deliveries(project.id, &paragon_server::storage::DeliveryFilter { endpoint_id: Some(kept), limit: 100, ..Default::default() })
            .await
            .expect("read");
        assert_eq!(log.len(), 30, "every message reached the kept endpoint");
    }

    async fn a_slow_endpoint_leaves_workers_to_the_others(app) {
        let project = app.new_project().await;
        let slow = receiver(&[Reply { status: 200, retry_after: None, delay: Duration::from_millis(1500) }; 12]).await;
        let fast = receiver(&[]).await;
        endpoint(&app, &project, &slow.url, &["contact.changed"]).await;
        endpoint(&app, &project, &fast.url, &["deal.changed"]).await;
        for _ in 0..12 {
            send(&app, &project, "contact.changed").await;
        }
        slow.wait_for(1, WAIT).await;

        let sent = std::time::Instant::now();
        send(&app, &project, "deal.changed").await;
        let got = fast.wait_for(1, WAIT).await;

        assert!(got[0].at - sent < Duration::from_millis(1000), "waited {:?} behind the slow endpoint", got[0].at - sent);
        assert!(slow.got().len() <= 4, "at most 4 of one endpoint in flight: {}", slow.got().len());
        slow.wait_for(12, WAIT).await;
    }

    async fn another_project_cannot_see_or_resend_deliveries(app) {
        let a = app.new_project().await;
        let b = app.new_project().await;
        let backend = receiver(&[]).await;
        let (endpoint_id, _) = endpoint(&app, &a, &backend.url, &["contact.changed"]).await;
        send(&app, &a, "contact.changed").await;
        let log = deliveries_until(&app, &a, WAIT, |d| !d.is_empty()).await;
        let delivery = log[0]["id"].as_str().expect("id");

        let (status, listed) = get(&app, &b, "/webhooks/deliveries").await;
        assert_eq!(status, 200);
        assert_eq!(listed["data"], json!([]));
        assert_eq!(get(&app, &b, &format!("/webhooks/endpoints/{endpoint_id}")).await.0, 404);
        assert_eq!(get(&app, &b, &format!("/webhooks/deliveries/{delivery}")).await.0, 404);
        let resent = app
            .management(reqwest::Method::POST, &format!("/projects/{}/webhooks/deliveries/{delivery}/resend", b.id), &b.api_key)
            .send().await.expect("answers");
        assert_error(resent, 404, "NOT_FOUND").await;
        let removed = app
            .management(reqwest::Method::DELETE, &format!("/projects/{}/webhooks/endpoints/{endpoint_id}", b.id), &b.api_key)
            .send().await.expect("answers");
        assert_eq!(removed.status(), 404);
        // B's key on A's path is refused outright.
        let crossed = app
            .management(reqwest::Method::GET, &format!("/projects/{}/webhooks/deliveries", a.id), &b.api_key)
            .send().await.expect("answers");
        assert_eq!(crossed.status(), 401);
    }
}

const READ_MISSING: &str = r#"
id: read-missing-contact
name: Read a contact that is not there
integration: hubspot
trigger:
  app_event: Contact Created
steps:
  - id: read
    request:
      method: GET
      path: /crm/v3/objects/contacts/{{event.email}}
      query:
        idProperty: email
"#;

/// An endpoint that fails every attempt for longer than the threshold is disabled, says why,
/// receives nothing more, tells the project's other endpoints (`endpoint.disabled`), and is
/// delivered to again once enabled.
#[tokio::test]
async fn an_endpoint_failing_for_long_is_disabled_until_enabled() {
    let app = spawn_app_configured(Backend::Sqlite, 4, Default::default(), |config| {
        config.webhooks.schedule = vec![Duration::from_millis(200); 20];
        config.webhooks.disable_after = Duration::from_millis(700);
    })
    .await
    .expect("SQLite always runs");
    let project = app.new_project().await;
    let backend = receiver(&[Reply::status(503); 40]).await;
    let (id, _) = endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
    let watcher = receiver(&[]).await;
    let (_, watcher_secret) = endpoint(&app, &project, &watcher.url, &["endpoint.disabled"]).await;
    send(&app, &project, "contact.changed").await;

    let deadline = std::time::Instant::now() + WAIT;
    let shown = loop {
        let (_, shown) = get(&app, &project, &format!("/webhooks/endpoints/{id}")).await;
        if shown["disabled"] == true {
            break shown;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never disabled: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        shown["disabledReason"]
            .as_str()
            .is_some_and(|r| r.contains("failed")),
        "{shown}"
    );
    let log = deliveries_until(&app, &project, WAIT, |d| {
        d.iter()
            .any(|d| d["endpointId"] == id.as_str() && d["status"] == "failed")
    })
    .await;
    let failed = log
        .iter()
        .find(|d| d["endpointId"] == id.as_str())
        .expect("its delivery");
    assert!(
        attempts(failed).len() >= 5,
        "five failed attempts at least: {log:?}"
    );
    let told = watcher.wait_for(1, WAIT).await;
    assert!(verify(&watcher_secret, &told[0]));
    let told = told[0].json();
    assert_eq!(told["type"], "endpoint.disabled", "{told}");
    assert_eq!(told["data"]["endpointId"], id.as_str());
    assert_eq!(told["data"]["url"], backend.url.as_str());
    assert_eq!(told["data"]["reason"], shown["disabledReason"]);
    assert!(
        told["data"]["disabledAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{told}"
    );
    let tried = backend.got().len();
    send(&app, &project, "contact.changed").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        backend.got().len(),
        tried,
        "nothing is sent to a disabled endpoint"
    );

    let enabled = app
        .management(
            reqwest::Method::PATCH,
            &format!("/projects/{}/webhooks/endpoints/{id}", project.id),
            &project.api_key,
        )
        .json(&json!({"enabled": true}))
        .send()
        .await
        .expect("answers");
    assert_eq!(enabled.status(), 200);
    let enabled: Value = enabled.json().await.expect("JSON");
    assert_eq!(enabled["disabled"], false);
    assert_eq!(enabled["disabledReason"], Value::Null);

    // Once enabled, a new message reaches it.
    backend.answer(&[]);
    let again = send(&app, &project, "contact.changed").await;
    let got = backend.wait_for(tried + 1, WAIT).await;
    assert_eq!(got[tried].header("webhook-id"), again);
    deliveries_until(&app, &project, WAIT, |d| {
        d.iter()
            .any(|d| d["messageId"] == again.as_str() && d["status"] == "delivered")
    })
    .await;
    assert_eq!(watcher.got().len(), 1, "told once");
}

/// A `PATCH` writes only the columns it changes and a rotation only the secret, so neither can
/// write back a disabled state, streak or secret that another writer changed meanwhile. The
/// database refuses (by trigger) any write of the others.
#[tokio::test]
async fn a_patch_and_a_rotation_write_only_their_columns() {
    let app = crate::helpers::spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let project = app.new_project().await;
    let (id, _) = endpoint(
        &app,
        &project,
        "http://127.0.0.1:9/hooks",
        &["contact.changed"],
    )
    .await;
    app.execute(
        "CREATE TRIGGER patch_writes_its_columns BEFORE UPDATE OF secret, failing_since_ms,
           failed_attempts, last_failed_ms, disabled_ms, disabled_reason ON webhook_endpoints
         WHEN NEW.description = 'renamed' AND OLD.description <> 'renamed'
         BEGIN SELECT RAISE(ABORT, 'a PATCH wrote more than it changed'); END;
         CREATE TRIGGER rotation_writes_the_secret BEFORE UPDATE OF url, description,
           event_types, failing_since_ms, failed_attempts, last_failed_ms, disabled_ms,
           disabled_reason ON webhook_endpoints
         WHEN NEW.secret <> OLD.secret
         BEGIN SELECT RAISE(ABORT, 'a rotation wrote more than the secret'); END;",
    )
    .await;
    let path = format!("/projects/{}/webhooks/endpoints/{id}", project.id);

    let patched = app
        .management(reqwest::Method::PATCH, &path, &project.api_key)
        .json(&json!({"description": "renamed", "eventTypes": ["deal.changed"]}))
        .send()
        .await
        .expect("answers");
    assert_eq!(patched.status(), 200, "{:?}", patched.text().await);
    let rotated = app
        .management(
            reqwest::Method::POST,
            &format!("{path}/rotate-secret"),
            &project.api_key,
        )
        .send()
        .await
        .expect("answers");
    assert_eq!(rotated.status(), 200, "{:?}", rotated.text().await);
}

/// A failing streak whose latest failure is older than the retry window starts again: a quiet
/// endpoint whose last message failed long ago is not disabled on one transient error.
#[tokio::test]
async fn a_stale_failing_streak_does_not_disable_on_one_error() {
    let app = spawn_app_configured(Backend::Sqlite, 4, Default::default(), |config| {
        config.webhooks.schedule = vec![Duration::from_millis(200); 20];
        config.webhooks.disable_after = Duration::from_millis(700);
    })
    .await
    .expect("SQLite always runs");
    let project = app.new_project().await;
    let backend = receiver(&[Reply::status(503)]).await;
    let (id, _) = endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
    // An hour ago its last message failed every attempt.
    let endpoint_id = WebhookEndpointId::parse(&id).expect("an id");
    let hour_ago = paragon_server::clock::now_ms() - 3_600_000;
    for attempt in 0..8 {
        app.store
            .endpoint_failed(&endpoint_id, hour_ago + attempt, i64::MIN)
            .await
            .expect("noted");
    }

    let sent = send(&app, &project, "contact.changed").await;

    deliveries_until(&app, &project, WAIT, |d| {
        d.first()
            .is_some_and(|d| d["messageId"] == sent.as_str() && d["status"] == "delivered")
    })
    .await;
    let (_, shown) = get(&app, &project, &format!("/webhooks/endpoints/{id}")).await;
    assert_eq!(shown["disabled"], false, "{shown}");
    assert_eq!(backend.got().len(), 2, "the 503, then the retry");
}

/// The delivery's outcome is stored first, with its attempt: when the endpoint's failing
/// streak cannot be written, a refused delivery still ends (it is not left `sending` to be sent
/// again once its lease runs out).
#[tokio::test]
async fn a_delivery_ends_even_when_the_endpoint_streak_is_not_written() {
    let app = crate::helpers::spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let project = app.new_project().await;
    let backend = receiver(&[Reply::status(400)]).await;
    endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
    app.execute(
        "CREATE TRIGGER refuse_streak BEFORE UPDATE OF failing_since_ms ON webhook_endpoints
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .await;

    send(&app, &project, "contact.changed").await;

    let log = deliveries_until(&app, &project, Duration::from_secs(5), |d| {
        d.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(log[0]["error"], "HTTP 400");
    assert_eq!(attempts(&log[0]).len(), 1, "{log:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(backend.got().len(), 1, "never sent again");
}

/// Under the default egress policy (no --allow-private-provider-urls), an endpoint at
/// loopback, at the metadata address or at a name resolving to loopback is refused when it
/// is set, and a name that turns private after it was set is refused at connection time:
/// the receiver sees no connection at all.
#[tokio::test]
async fn the_egress_policy_keeps_endpoints_off_private_addresses() {
    let app = spawn_app_configured(Backend::Sqlite, 4, Default::default(), |config| {
        config.egress = EgressPolicy::PublicOnly;
    })
    .await
    .expect("SQLite always runs");
    let project = app.new_project().await;
    for url in [
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "http://hooks.example.com/",
    ] {
        let (status, body) = create_endpoint(&app, &project, json!({"url": url})).await;
        assert_eq!(status, 422, "{url}: {body}");
    }

    // A name that resolved to a public address when it was set and to loopback now (DNS
    // rebinding): written as the API would have, then checked again at connection time.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    let id = paragon_server::ids::WebhookEndpointId::generate();
    let keys = paragon_server::vault::demo_keys(app.data_dir.path()).expect("the key");
    let binding = paragon_server::vault::Binding {
        project: project.id.as_str(),
        row: id.as_str(),
        column: "secret",
    };
    app.store
        .create_webhook_endpoint(&WebhookEndpoint {
            secret: keys.seal(b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", binding),
            id,
            project_id: project.id,
            url: format!("https://localhost:{port}/hooks"),
            description: String::new(),
            event_types: vec!["contact.changed".into()],
            failing_since_ms: None,
            disabled_ms: None,
            disabled_reason: None,
            created_ms: 0,
            updated_ms: 0,
        })
        .await
        .expect("stored");
    send(&app, &project, "contact.changed").await;

    let log = deliveries_until(&app, &project, WAIT, |d| {
        d.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    let tries = attempts(&log[0]);
    assert_eq!(tries.len(), 1, "a refusal is not retried: {log:?}");
    assert!(
        tries[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("non-public")),
        "{tries:?}"
    );
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no connection was made"
    );
}

/// A worker that claims a delivery and dies leaves it to its lease: once that runs out, a live
/// worker sends it. Two replicas' workers on one database share the deliveries, each sent once.
async fn crashed_worker_and_shared_work(backend_kind: Backend) {
    // No worker in this process: the test plays the crashed one, then starts two replicas.
    let Some(app) = spawn_app_configured(backend_kind, 0, Default::default(), |config| {
        config.webhooks.workers = 0;
    })
    .await
    else {
        return;
    };
    let project = app.new_project().await;
    let backend = receiver(&[]).await;
    endpoint(&app, &project, &backend.url, &["contact.changed"]).await;
    let first = send(&app, &project, "contact.changed").await;
    let crashed = paragon_server::ids::WorkerId::parse("crashed-worker").expect("an id");
    let now = paragon_server::clock::now_ms();
    let claimed_at = std::time::Instant::now();
    let claimed = app
        .store
        .claim_deliveries(&crashed, now, 1500, 10, 4)
        .await
        .expect("claims");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message_id, first);

    let _one = app.replica(0, Duration::from_millis(100)).await;
    let _two = app.replica(0, Duration::from_millis(100)).await;
    for _ in 0..20 {
        send(&app, &project, "contact.changed").await;
    }

    let log = deliveries_until(&app, &project, WAIT, |d| {
        d.len() == 21 && d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    let mut ids: Vec<String> = backend
        .got()
        .iter()
        .map(|r| r.header("webhook-id"))
        .collect();
    assert!(
        ids.contains(&first),
        "the crashed worker's delivery was sent"
    );
    let sent = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), log.len(), "every message arrived");
    assert_eq!(sent, ids.len(), "no delivery was sent twice");
    let resent = backend
        .got()
        .into_iter()
        .find(|r| r.header("webhook-id") == first)
        .expect("sent");
    assert!(
        resent.at - claimed_at >= Duration::from_millis(1400),
        "not before the lease ran out"
    );
}

#[tokio::test]
async fn a_crashed_workers_delivery_is_sent_by_another_and_replicas_share_the_work_sqlite() {
    crashed_worker_and_shared_work(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_crashed_workers_delivery_is_sent_by_another_and_replicas_share_the_work_postgres() {
    crashed_worker_and_shared_work(Backend::Postgres).await;
}

/// On PostgreSQL a queued delivery wakes every replica's worker (`NOTIFY`), not only the one
/// of the process that queued it.
#[tokio::test]
async fn postgres_announces_deliveries_to_every_listener() {
    let Some(url) = crate::helpers::postgres_url() else {
        return;
    };
    let (store, _schema) = crate::helpers::postgres_store(&url).await;
    let wake: &'static tokio::sync::Notify = Box::leak(Box::new(tokio::sync::Notify::new()));
    store.watch_deliveries(wake);
    // LISTEN runs on its own task: announce until it is heard.
    let heard = tokio::time::timeout(WAIT, async {
        loop {
            store.announce_deliveries().await.expect("NOTIFY");
            if tokio::time::timeout(Duration::from_millis(200), wake.notified())
                .await
                .is_ok()
            {
                return;
            }
        }
    })
    .await;
    assert!(heard.is_ok(), "the listener was woken");
}
