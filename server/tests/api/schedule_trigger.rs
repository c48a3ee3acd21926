//! `trigger: schedule:` on both databases: a tick runs once per user who has the workflow enabled
//! and a valid connection, with `schedule.time` and Task History's `scheduledAt`; ticks missed
//! while no replica ran collapse into one run; two replicas on one database fire each tick once,
//! and one keeps firing when the other stops.
//!
//! The main server of these tests serves the API only (no engine, so no scheduler): the runs are
//! executed by scheduler replicas, each on a pool of its own. A tick is made due by writing the
//! stored next tick (a yearly schedule never fires by itself during a test), except in the
//! replica test, which waits for the real ticks of a per-minute schedule.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use jiff::{civil::date, tz::TimeZone};
use paragon_server::storage::{RunFilter, jitter_ms};
use serde_json::Value;

use crate::{
    connect_support::{HUB, Hubspot, OTHER_HUB, hubspot},
    helpers::{Backend, TestApp, assert_error, spawn_app_with_workers},
};

/// Each test once on SQLite and once on PostgreSQL, its main server without an engine.
macro_rules! scheduled {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test]
                async fn sqlite() {
                    let $app = spawn_app_with_workers(Backend::Sqlite, 0)
                        .await
                        .expect("SQLite always runs");
                    $body
                }

                #[tokio::test]
                async fn postgres() {
                    let Some($app) = spawn_app_with_workers(Backend::Postgres, 0).await else {
                        return;
                    };
                    $body
                }
            }
        )*
    };
}
pub(crate) use scheduled;

/// The workflow with `trigger` (its indented lines); it writes `schedule.time` into a contact.
pub(crate) fn digest(trigger: &str) -> String {
    format!(
        r#"
id: digest
name: Digest
integration: hubspot
default_enabled: true
trigger:
{trigger}
steps:
  - id: create
    action: hubspot.create_contact
    input:
      email: "digest-{{{{user.id}}}}@acme.test"
      firstname: "{{{{schedule.time}}}}"
"#
    )
}

/// Deploys `workflow` alone; returns its id.
pub(crate) async fn deploy(hs: &Hubspot, app: &TestApp, workflow: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("workflows")).expect("workflows/");
    std::fs::write(dir.path().join("workflows/digest.yaml"), workflow).expect("the workflow");
    hs.deploy(app, dir.path()).await[0].id.to_string()
}

/// `DELETE /sdk/workflows/{id}` as `user`: the user turns the workflow off.
async fn disable(hs: &Hubspot, app: &TestApp, user: &str, workflow: &str) {
    let response = app
        .client
        .delete(app.url(&format!(
            "/projects/{}/sdk/workflows/{workflow}",
            hs.project.id
        )))
        .bearer_auth(hs.project.token(user))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 204);
}

/// Jan 1 00:00 UTC of this year plus `years`, Unix ms.
pub(crate) fn new_year_ms(years: i16) -> i64 {
    let year = jiff::Timestamp::now().to_zoned(TimeZone::UTC).year() + years;
    date(year, 1, 1)
        .at(0, 0, 0, 0)
        .to_zoned(TimeZone::UTC)
        .expect("a UTC time")
        .timestamp()
        .as_millisecond()
}

/// Sets every stored next tick to `ms`: what a schedule looks like when its tick is due, or
/// when the replicas were down since `ms`.
pub(crate) async fn set_next_tick(app: &TestApp, ms: i64) {
    let sql = format!("UPDATE schedules SET next_tick_ms = {ms}");
    app.execute(Box::leak(sql.into_boxed_str())).await;
}

/// Task History after every run is created and a few scheduler looks more (so that a second
/// firing of the tick, if there were one, would be there).
async fn settled_runs(hs: &Hubspot, app: &TestApp, count: usize) -> Vec<Value> {
    hs.finished_runs(app, count, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    hs.executions(app).await
}

scheduled! {
    async fn a_tick_runs_once_for_each_enabled_user_with_a_connection(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.connect(&app, "bob", OTHER_HUB).await;
        // carl has the workflow on by default, and no connection.
        let workflow = deploy(&hs, &app, &digest("  schedule: \"0 0 1 1 *\"")).await;
        disable(&hs, &app, "bob", &workflow).await;
        let _replica = app.scheduler_replica(app.second_store().await).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(hs.executions(&app).await.is_empty(), "nothing is due before next new year");

        let slot = new_year_ms(0);
        set_next_tick(&app, slot).await;

        let runs = settled_runs(&hs, &app, 1).await;
        assert_eq!(runs.len(), 1, "ann only: bob turned it off, carl has no connection: {runs:?}");
        assert_eq!(runs[0]["userId"], "ann");
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        // Task History: the tick beside the start, which is the first step attempt's.
        assert_eq!(runs[0]["scheduledAt"], slot);
        assert!(runs[0]["createdAt"].as_i64() >= Some(slot));
        let detail = hs.execution(&app, &runs[0]).await;
        let first_attempt = detail["steps"]
            .as_array()
            .and_then(|steps| steps.iter().filter_map(|s| s["startedAt"].as_i64()).min())
            .expect("a step attempt");
        assert_eq!(runs[0]["startedAt"], first_attempt, "{detail}");
        assert_eq!(detail["startedAt"], first_attempt);
        assert!(runs[0]["createdAt"].as_i64() <= Some(first_attempt));
        let year = jiff::Timestamp::now().to_zoned(TimeZone::UTC).year();
        let time = format!("{year}-01-01T00:00:00.000Z");
        assert_eq!(detail["trigger"]["payload"]["time"], time.as_str(), "{detail}");
        assert_eq!(detail["scheduledAt"], slot);
        let contacts = hs.contacts(HUB).await;
        assert!(
            contacts.iter().any(|c| c["properties"]["firstname"] == time.as_str()),
            "schedule.time reached the step: {contacts:?}"
        );
        // The schedule moved on to its next slot.
        assert_eq!(app.store.next_schedule_tick().await.expect("reads"), Some(new_year_ms(1)));

        // A replay reads the same input: the same tick.
        let replay = format!(
            "/projects/{}/task-history/workflow-executions/{}/replay",
            hs.project.id,
            runs[0]["id"].as_str().expect("a run id")
        );
        let replayed: Value = app
            .management(reqwest::Method::POST, &replay, &hs.project.api_key)
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        let runs = hs.finished_runs(&app, 2, Duration::from_secs(30)).await;
        let again = runs.iter().find(|r| r["id"] == replayed["id"]).expect("the replay");
        assert_eq!(again["scheduledAt"], slot, "{again}");
    }

    async fn ticks_missed_while_down_run_once_at_the_latest_slot(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.connect(&app, "bob", OTHER_HUB).await;
        // 09:00 in Tokyo on Jan 1 is 00:00 UTC.
        let trigger = "  schedule: \"0 9 1 1 *\"\n  timezone: Asia/Tokyo";
        let workflow = deploy(&hs, &app, &digest(trigger)).await;
        assert_eq!(app.store.next_schedule_tick().await.expect("reads"), Some(new_year_ms(1)));

        let replica = app.scheduler_replica(app.second_store().await).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(replica);
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Down since two new years ago: three slots were missed.
        set_next_tick(&app, new_year_ms(-2)).await;
        let _restarted = app.scheduler_replica(app.second_store().await).await;

        let runs = settled_runs(&hs, &app, 2).await;
        assert_eq!(runs.len(), 2, "one run per user, not one per missed slot: {runs:?}");
        let users: BTreeSet<&str> = runs.iter().filter_map(|r| r["userId"].as_str()).collect();
        assert_eq!(users, BTreeSet::from(["ann", "bob"]));
        for run in &runs {
            assert_eq!(run["scheduledAt"], new_year_ms(0), "the latest missed slot: {run}");
        }
        assert_eq!(app.store.next_schedule_tick().await.expect("reads"), Some(new_year_ms(1)));

        // Jitter: each user's run was due at the firing plus the user's own offset in the
        // window (500 ms in these replicas).
        let stored = app
            .store
            .runs(hs.project.id, &RunFilter { limit: 10, ..RunFilter::default() })
            .await
            .expect("runs");
        let workflow = crate::helpers::id(&workflow);
        for run in &stored {
            let offset = jitter_ms(&workflow, &run.user_id, 500);
            assert!((0..500).contains(&offset));
            assert_eq!(run.next_attempt_ms, run.created_ms + offset, "{run:?}");
        }
    }

    async fn a_redeploy_keeps_an_unchanged_tick_and_restarts_a_changed_rule(app) {
        let hs = hubspot(&app).await;
        let yearly = digest("  schedule: \"0 0 1 1 *\"");
        deploy(&hs, &app, &yearly).await;
        // A tick that is due and not fired yet (no replica runs a scheduler here).
        set_next_tick(&app, new_year_ms(0)).await;
        deploy(&hs, &app, &yearly).await;
        assert_eq!(
            app.store.next_schedule_tick().await.expect("reads"),
            Some(new_year_ms(0)),
            "the same rule keeps its due tick"
        );
        let in_utc = digest("  schedule: \"0 0 1 1 *\"\n  timezone: UTC");
        deploy(&hs, &app, &in_utc).await;
        assert_eq!(
            app.store.next_schedule_tick().await.expect("reads"),
            Some(new_year_ms(1)),
            "another zone is another rule: from its first slot"
        );
        // A deploy without the workflow drops its schedule.
        let other = digest("  app_event: Contact Created")
            .replace("id: digest", "id: other")
            .replace("{{schedule.time}}", "{{event.email}}");
        hs.deploy_on_guide_event(&app, &other).await;
        assert_eq!(app.store.next_schedule_tick().await.expect("reads"), None);
    }

    async fn a_user_cannot_pre_empt_a_tick_with_its_idempotency_key(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let workflow = deploy(&hs, &app, &digest("  schedule: \"0 0 1 1 *\"")).await;
        let slot = new_year_ms(0);
        let send = |key: String| {
            app.client
                .post(app.url(&format!("/projects/{}/sdk/events/trigger", hs.project.id)))
                .bearer_auth(hs.project.token("ann"))
                .header("Idempotency-Key", key)
                .json(&serde_json::json!({ "name": "Anything", "payload": {} }))
                .send()
        };
        // The key the tick's input will have: recorded first, it would make the tick's a
        // duplicate, and ann's run would never be enqueued.
        for key in [
            format!("schedule:{workflow}:{slot}"),
            " hubspot:62515:1".to_owned(),
            "integration_enabled:anything".to_owned(),
        ] {
            let response = send(key.clone()).await.expect("answers");
            let message = assert_error(response, 400, "INVALID_REQUEST").await;
            assert!(message.contains("may not start with"), "{key}: {message}");
        }
        let ordinary = send(format!("order-{slot}")).await.expect("answers");
        assert_eq!(ordinary.status(), 201);

        set_next_tick(&app, slot).await;
        let _replica = app.scheduler_replica(app.second_store().await).await;
        let runs = settled_runs(&hs, &app, 1).await;
        assert_eq!(runs.len(), 1, "ann's run of the tick: {runs:?}");
        assert_eq!(runs[0]["scheduledAt"], slot);
    }

    async fn two_replicas_fire_each_tick_once_and_one_keeps_firing_alone(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.connect(&app, "bob", OTHER_HUB).await;
        deploy(&hs, &app, &digest("  schedule: \"* * * * *\"")).await;
        let first = app.scheduler_replica(app.second_store().await).await;
        let _second = app.scheduler_replica(app.second_store().await).await;

        // Both replicas wake at the minute and race for its tick.
        let round_one = ticks(&hs, &app, 1).await;
        drop(first);
        // The next minute, the second replica fires alone.
        let round_two = ticks(&hs, &app, round_one.len() + 1).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;

        let runs = hs.executions(&app).await;
        let mut per_user_tick: BTreeMap<(String, i64), usize> = BTreeMap::new();
        for run in &runs {
            let user = run["userId"].as_str().expect("a user").to_owned();
            let tick = run["scheduledAt"].as_i64().expect("a scheduled run");
            assert_eq!(tick % 60_000, 0, "a minute slot: {run}");
            *per_user_tick.entry((user, tick)).or_default() += 1;
        }
        assert!(
            per_user_tick.values().all(|n| *n == 1),
            "each tick once per user across the replicas: {per_user_tick:?}"
        );
        let ticks_seen: BTreeSet<i64> = per_user_tick.keys().map(|(_, tick)| *tick).collect();
        for tick in &ticks_seen {
            for user in ["ann", "bob"] {
                let key = (user.to_owned(), *tick);
                assert!(per_user_tick.contains_key(&key), "{user} at {tick}: {per_user_tick:?}");
            }
        }
        assert!(round_two.len() > round_one.len(), "{round_one:?} then {round_two:?}");
    }
}

/// Waits (up to a minute and a bit) until runs exist for at least `count` distinct ticks;
/// returns the ticks.
async fn ticks(hs: &Hubspot, app: &TestApp, count: usize) -> BTreeSet<i64> {
    let deadline = Instant::now() + Duration::from_secs(75);
    loop {
        let seen: BTreeSet<i64> = hs
            .executions(app)
            .await
            .iter()
            .filter_map(|r| r["scheduledAt"].as_i64())
            .collect();
        if seen.len() >= count {
            return seen;
        }
        assert!(Instant::now() < deadline, "{count} ticks in time: {seen:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
