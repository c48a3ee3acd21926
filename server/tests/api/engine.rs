//! App Events and the engine against the HubSpot sandbox: the
//! guide end to end, idempotency, no-match events, faults. The crash test is in tests/cli.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::guide_payload,
    helpers::both_backends,
};

fn property<'a>(contact: &'a Value, name: &str) -> &'a str {
    contact["properties"][name].as_str().unwrap_or_default()
}

both_backends! {
    async fn the_guide_creates_the_contact_with_its_five_fields(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.enable(&app, "ann", &workflow).await;

        let (status, body) = hs.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(status, 201);
        assert_eq!(body["runs"], 1);
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 1);
        let contact = &contacts[0];
        assert_eq!(property(contact, "email"), "ada1@analytical.test");
        assert_eq!(property(contact, "firstname"), "Ada1");
        assert_eq!(property(contact, "lastname"), "Lovelace");
        assert_eq!(property(contact, "company"), "Analytical Engines");
        assert_eq!(property(contact, "jobtitle"), "Engineer");
        let detail: Value = app
            .management(Method::GET, &format!("/projects/{}/task-history/workflow-executions/{}", hs.project.id, runs[0]["id"].as_str().expect("id")), &hs.project.api_key)
            .send().await.expect("answers").json().await.expect("JSON");
        assert_eq!(detail["steps"][0]["outcome"], "succeeded");
        assert_eq!(detail["steps"][0]["request"]["path"], "/crm/v3/objects/contacts");
        assert!(!detail.to_string().contains("Bearer"), "no token in Task History");
    }

    async fn the_same_key_twice_is_one_run_and_no_key_twice_is_still_one_contact(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.enable(&app, "ann", &workflow).await;

        let first = hs.trigger(&app, "ann", &guide_payload(7), Some("key-7")).await;
        let repeat = hs.trigger(&app, "ann", &guide_payload(7), Some("key-7")).await;
        assert_eq!(first.0, 201);
        assert_eq!(repeat, first, "a repeat answers the first answer");
        hs.finished_runs(&app, 1, Duration::from_secs(30)).await;

        hs.trigger(&app, "ann", &guide_payload(8), None).await;
        hs.trigger(&app, "ann", &guide_payload(8), None).await;
        let runs = hs.finished_runs(&app, 3, Duration::from_secs(30)).await;

        assert_eq!(runs.len(), 3);
        assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        let emails: Vec<&str> = contacts.iter().map(|c| property(c, "email")).collect();
        assert_eq!(contacts.len(), 2, "{emails:?}");
    }

    async fn events_without_a_matching_enabled_workflow_or_credential_enqueue_nothing(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", HUB).await;

        let disabled = hs.trigger(&app, "ann", &guide_payload(1), None).await;
        hs.enable(&app, "bob", &workflow).await;
        let unconnected = hs.trigger(&app, "bob", &guide_payload(2), None).await;
        hs.enable(&app, "ann", &workflow).await;
        let unknown = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/events/trigger", hs.project.id)))
            .bearer_auth(hs.project.token("ann"))
            .json(&json!({"name": "Deal Closed", "payload": {}}))
            .send().await.expect("answers");

        assert_eq!(disabled, (201, disabled.1.clone()));
        assert_eq!(disabled.1["runs"], 0, "default_enabled is false and ann did not enable it");
        assert_eq!(unconnected.1["runs"], 0, "bob has no credential");
        assert_eq!(unknown.status(), 201);
        assert_eq!(unknown.json::<Value>().await.expect("JSON")["runs"], 0);
    }

    async fn malformed_events_are_400(app) {
        let hs = hubspot(&app).await;
        let url = app.url(&format!("/projects/{}/sdk/events/trigger", hs.project.id));
        for body in [json!({"payload": {}}), json!({"name": "", "payload": {}}), json!({"name": "x", "payload": [1]}), json!({"name": 5})] {
            let response = app.client.post(&url).bearer_auth(hs.project.token("ann")).json(&body).send().await.expect("answers");
            crate::helpers::assert_error(response, 400, "INVALID_REQUEST").await;
        }
    }

    async fn idempotency_keys_with_a_tab_or_other_control_character_are_400(app) {
        let hs = hubspot(&app).await;
        let url = app.url(&format!("/projects/{}/sdk/events/trigger", hs.project.id));
        let send = |key: &'static [u8]| {
            let request = app.client.post(&url).bearer_auth(hs.project.token("ann"))
                .header("Idempotency-Key", reqwest::header::HeaderValue::from_bytes(key).expect("a header value"))
                .json(&json!({"name": "Contact Created", "payload": {}}));
            async move { request.send().await.expect("answers") }
        };

        for key in [&b"order\t7"[..], b"a\tb\tc", b"caf\xc3\xa9"] {
            let message = crate::helpers::assert_error(send(key).await, 400, "INVALID_REQUEST").await;
            assert!(message.contains("printable ASCII"), "{key:?}: {message}");
        }
        assert_eq!(send(b"order 7 (retry)").await.status(), 201, "spaces are printable");
    }

    async fn a_disabled_workflow_is_listed_and_toggled_per_user(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        let listed = |user: &'static str| {
            let request = app.client.get(app.url(&format!("/projects/{}/sdk/integrations", hs.project.id))).bearer_auth(hs.project.token(user));
            async move { request.send().await.expect("answers").json::<Value>().await.expect("JSON")[0]["workflows"][0].clone() }
        };

        assert_eq!(listed("ann").await["enabled"], false);
        hs.enable(&app, "ann", &workflow).await;
        assert_eq!(listed("ann").await, json!({"id": workflow, "description": "Sync new contacts to HubSpot", "enabled": true}));
        assert_eq!(listed("bob").await["enabled"], false, "another user's choice is theirs");
        let unknown = app.client.post(app.url(&format!("/projects/{}/sdk/workflows/nope", hs.project.id))).bearer_auth(hs.project.token("ann")).send().await.expect("answers");
        crate::helpers::assert_error(unknown, 404, "NOT_FOUND").await;
    }
}

mod faults {
    use std::{collections::HashMap, time::Duration};

    use reqwest::Method;
    use serde_json::{Value, json};

    use crate::{
        connect_support::hubspot_with_hubs, engine_support::guide_payload, helpers::both_backends,
    };

    const HUBS: [u32; 5] = [5_100_001, 5_100_002, 5_100_003, 5_100_004, 5_100_005];
    const USERS: usize = 20;
    const EVENTS: usize = 500;

    both_backends! {
        async fn five_hundred_events_under_faults_make_every_contact_exactly_once(app) {
            let hs = hubspot_with_hubs(&app, &HUBS).await;
            let workflow = hs.deploy_guide(&app).await;
            let hub_of = |user: usize| HUBS[user % HUBS.len()];
            for user in 0..USERS {
                hs.connect(&app, &format!("user-{user}"), hub_of(user)).await;
                hs.enable(&app, &format!("user-{user}"), &workflow).await;
            }
            for hub in HUBS {
                let set = hs
                    .browser
                    .post(format!("{}/_sandbox/accounts/{hub}/faults", hs.sandbox.base_url()))
                    .json(&json!({"errorRate": 0.3, "force429": 5}))
                    .send()
                    .await
                    .expect("answers");
                assert!(set.status().is_success());
            }

            let url = app.url(&format!("/v2/projects/{}/sdk/events/trigger", hs.project.id));
            let tokens: Vec<String> = (0..USERS).map(|u| hs.project.token(&format!("user-{u}"))).collect();
            for chunk in (0..EVENTS).collect::<Vec<_>>().chunks(10) {
                let sends: Vec<_> = chunk
                    .iter()
                    .map(|&n| {
                        let request = app.client.post(&url).bearer_auth(&tokens[n % USERS]).json(&json!({"name": "Contact Created", "payload": guide_payload(n)}));
                        tokio::spawn(request.send())
                    })
                    .collect();
                for send in sends {
                    let response = send.await.expect("task").expect("answers");
                    assert_eq!(response.status(), 201);
                }
            }
            let runs = hs.finished_runs(&app, EVENTS, Duration::from_secs(300)).await;

            assert_eq!(runs.len(), EVENTS, "one run per event, none lost");
            let failed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "succeeded").collect();
            assert!(failed.is_empty(), "{} runs failed: {:?}", failed.len(), failed.first());
            let mut seen: HashMap<String, u32> = HashMap::new();
            for hub in HUBS {
                for contact in hs.contacts(hub).await {
                    let email = contact["properties"]["email"].as_str().expect("email").to_owned();
                    assert!(seen.insert(email.clone(), hub).is_none(), "{email} exists twice");
                }
            }
            assert_eq!(seen.len(), EVENTS, "every expected contact exists");
            for n in 0..EVENTS {
                assert_eq!(seen.get(&format!("ada{n}@analytical.test")), Some(&hub_of(n % USERS)), "event {n} went to its user's hub");
            }
            let retried = runs.iter().filter(|r| r["attempts"].as_i64().unwrap_or(0) > 1).collect::<Vec<_>>();
            assert!(!retried.is_empty(), "the faults caused retries");
            let path = format!("/projects/{}/task-history/workflow-executions/{}", hs.project.id, retried[0]["id"].as_str().expect("id"));
            let detail: Value = app.management(Method::GET, &path, &hs.project.api_key).send().await.expect("answers").json().await.expect("JSON");
            let outcomes: Vec<&str> = detail["steps"].as_array().expect("steps").iter().filter_map(|s| s["outcome"].as_str()).collect();
            assert!(outcomes.contains(&"retry") && outcomes.last() == Some(&"succeeded"), "Task History shows the retries: {outcomes:?}");
        }
    }
}

mod history {
    use std::time::Duration;

    use reqwest::Method;
    use serde_json::Value;

    use crate::{
        connect_support::{HUB, OTHER_HUB, hubspot},
        engine_support::guide_payload,
        helpers::{assert_error, both_backends},
    };

    both_backends! {
        async fn task_history_filters_pages_and_replays(app) {
            let hs = hubspot(&app).await;
            let workflow = hs.deploy_guide(&app).await;
            for (user, hub) in [("ann", HUB), ("bob", OTHER_HUB)] {
                hs.connect(&app, user, hub).await;
                hs.enable(&app, user, &workflow).await;
            }
            for n in 0..3 {
                hs.trigger(&app, "ann", &guide_payload(n), None).await;
            }
            hs.trigger(&app, "bob", &guide_payload(10), None).await;
            hs.finished_runs(&app, 4, Duration::from_secs(30)).await;
            let base = format!("/projects/{}/task-history/workflow-executions", hs.project.id);
            let get = |path: String| {
                let request = app.management(Method::GET, &path, &hs.project.api_key);
                async move { request.send().await.expect("answers") }
            };

            let anns: Value = get(format!("{base}?userId=ann&status=succeeded")).await.json().await.expect("JSON");
            let first_page: Value = get(format!("{base}?limit=3")).await.json().await.expect("JSON");
            let cursor = first_page["nextCursor"].as_str().expect("a next page").to_owned();
            let second_page: Value = get(format!("{base}?limit=3&cursor={cursor}")).await.json().await.expect("JSON");
            let none: Value = get(format!("{base}?workflowId=nope")).await.json().await.expect("JSON");

            assert_eq!(anns["data"].as_array().expect("list").len(), 3);
            assert_eq!(second_page["data"].as_array().expect("list").len(), 1);
            assert!(second_page["nextCursor"].is_null());
            assert!(none["data"].as_array().expect("list").is_empty());
            assert_error(get(format!("{base}?status=weird")).await, 400, "INVALID_REQUEST").await;
            assert_error(get(format!("{base}/no-such-run")).await, 404, "NOT_FOUND").await;
            let other = app.new_project().await;
            let foreign = app.management(Method::GET, &base, &other.api_key).send().await.expect("answers");
            assert_error(foreign, 401, "UNAUTHORIZED").await;

            let replayed = app
                .management(Method::POST, &format!("{base}/{}/replay", anns["data"][0]["id"].as_str().expect("id")), &hs.project.api_key)
                .send()
                .await
                .expect("answers");
            assert_eq!(replayed.status(), 201);
            let runs = hs.finished_runs(&app, 5, Duration::from_secs(30)).await;
            assert!(runs.iter().all(|r| r["status"] == "succeeded"), "the replay succeeded too: {runs:?}");
            assert_eq!(hs.contacts(HUB).await.len(), 3, "a replayed create is the same contact (on_conflict: update)");
        }
    }
}

mod replicas {
    use std::time::{Duration, Instant};

    use crate::{
        connect_support::{HUB, hubspot},
        engine_support::guide_payload,
        helpers::{Backend, spawn_app_with_workers},
    };

    /// PostgreSQL only: SQLite is one process's database, woken in-process.
    #[tokio::test]
    async fn an_event_taken_by_one_replica_wakes_another_replicas_engine_through_postgres() {
        let Some(app) = spawn_app_with_workers(Backend::Postgres, 0).await else {
            return;
        };
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.enable(&app, "ann", &workflow).await;
        // The only engine polls once a minute: only a NOTIFY can start it sooner.
        let _replica = app.replica(2, Duration::from_secs(60)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let started = Instant::now();

        let (status, _) = hs.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(status, 201);
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(20)).await;
        assert_eq!(runs[0]["status"], "succeeded");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "woken by NOTIFY, not by the minute's poll"
        );
    }
}
