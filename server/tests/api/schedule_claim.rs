//! Firing a tick at the storage, on both databases: the claim lets one caller fire a due tick
//! and tells the others they lost it, whether they come one after the other or at once (the
//! per-user idempotency key alone would also keep the runs single, so only the claim's answer
//! shows it works); a tick of 1,200 users, written a few hundred per statement, enqueues one
//! run each, none due at or after the next slot; on PostgreSQL a tick another replica holds is
//! skipped rather than waited for.
//!
//! No scheduler runs here (the main server has no engine): the tests call
//! [`ScheduleStore::fire_schedule`] as the scheduler does.

use std::{collections::BTreeSet, time::Duration};

use paragon_server::{
    clock,
    storage::{DueSchedule, RunFilter, Tick},
};
use serde_json::json;

use crate::{
    connect_support::{HUB, Hubspot, hubspot},
    helpers::{Backend, TestApp, spawn_app_with_workers},
    schedule_trigger::{deploy, digest, new_year_ms, scheduled, set_next_tick},
};

/// Users of the big tick: more than two statements' worth.
const USERS: usize = 1_200;

/// ann connected and a yearly schedule deployed; its id.
async fn yearly(app: &TestApp) -> (Hubspot, String) {
    let hs = hubspot(app).await;
    hs.connect(app, "ann", HUB).await;
    let workflow = deploy(&hs, app, &digest("  schedule: \"0 0 1 1 *\"")).await;
    (hs, workflow)
}

/// The one schedule, made due at `tick_ms`, as the scheduler reads it.
async fn due_at(app: &TestApp, tick_ms: i64) -> DueSchedule {
    set_next_tick(app, tick_ms).await;
    let mut due = app
        .store
        .due_schedules(clock::now_ms(), 10)
        .await
        .expect("reads");
    assert_eq!(due.len(), 1, "{due:?}");
    due.remove(0)
}

/// Firing `due` at its stored tick, the next slot `next_tick_ms`.
fn tick<'a>(
    due: &'a DueSchedule,
    next_tick_ms: i64,
    payload: &'a serde_json::Value,
    jitter_window_ms: i64,
) -> Tick<'a> {
    Tick {
        due,
        tick_ms: due.next_tick_ms,
        next_tick_ms,
        payload,
        now_ms: due.next_tick_ms,
        jitter_window_ms,
    }
}

/// Every run of the project.
async fn runs(app: &TestApp, hs: &Hubspot) -> Vec<paragon_server::storage::Run> {
    app.store
        .runs(
            hs.project.id,
            &RunFilter {
                limit: 10_000,
                ..RunFilter::default()
            },
        )
        .await
        .expect("runs")
}

/// On PostgreSQL a replica stalled in the middle of firing a tick (its transaction open, the
/// row locked) does not hold up the others: they skip the tick, which stays due, and take it
/// once it is released.
#[tokio::test]
async fn a_tick_held_by_a_stalled_replica_is_skipped_not_waited_for() {
    let Some(app) = spawn_app_with_workers(Backend::Postgres, 0).await else {
        return;
    };
    let (hs, _) = yearly(&app).await;
    let payload = json!({ "time": "then" });
    let due = due_at(&app, new_year_ms(0)).await;
    let held = tick(&due, new_year_ms(1), &payload, 0);
    let mut stalled = app.postgres_connection().await.expect("PostgreSQL");
    sqlx::raw_sql("BEGIN; SELECT 1 FROM schedules FOR UPDATE")
        .execute(&mut stalled)
        .await
        .expect("holds the row");

    let skipped = tokio::time::timeout(Duration::from_secs(5), app.store.fire_schedule(&held))
        .await
        .expect("not blocked behind the held row");
    assert_eq!(skipped.expect("answers"), None);
    assert_eq!(
        app.store.next_schedule_tick().await.expect("reads"),
        Some(new_year_ms(0)),
        "still due"
    );

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut stalled)
        .await
        .expect("releases");
    assert_eq!(
        app.store.fire_schedule(&held).await.expect("fires"),
        Some(1)
    );
    assert_eq!(runs(&app, &hs).await.len(), 1);
}

scheduled! {
    async fn one_caller_fires_a_tick_and_the_others_lose_the_claim(app) {
        let (hs, _) = yearly(&app).await;
        let payload = json!({ "time": "then" });

        // One after the other: the second finds the tick moved.
        let due = due_at(&app, new_year_ms(0)).await;
        let once = tick(&due, new_year_ms(1), &payload, 0);
        assert_eq!(app.store.fire_schedule(&once).await.expect("fires"), Some(1));
        assert_eq!(
            app.store.fire_schedule(&once).await.expect("answers"),
            None,
            "the tick was claimed already"
        );

        // At once, from two pools (two replicas): one fires, the other loses.
        let due = due_at(&app, new_year_ms(-1)).await;
        let raced = tick(&due, new_year_ms(1), &payload, 0);
        let other = app.second_store().await;
        let (first, second) =
            tokio::join!(app.store.fire_schedule(&raced), other.fire_schedule(&raced));
        let mut outcomes = [first.expect("answers"), second.expect("answers")];
        outcomes.sort();
        assert_eq!(outcomes, [None, Some(1)], "exactly one fires");

        assert_eq!(runs(&app, &hs).await.len(), 2, "one run per fired tick");
        // Queued and never claimed (no engine here): Task History says not started yet.
        for run in hs.executions(&app).await {
            assert!(run["startedAt"].is_null() && run["scheduledAt"].is_i64(), "{run}");
        }
        assert_eq!(
            app.store.next_schedule_tick().await.expect("reads"),
            Some(new_year_ms(1))
        );
    }

    async fn a_tick_of_many_users_enqueues_one_run_each_before_the_next_slot(app) {
        let (hs, workflow) = yearly(&app).await;
        // ann's user and connection copied for USERS - 1 more users.
        let more = USERS - 1;
        let users = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {more})
             INSERT INTO users (project_id, id, meta, version, created_at)
             SELECT u.project_id, 'user-' || n.i, u.meta, u.version, u.created_at
             FROM users u, n WHERE u.id = 'ann'"
        );
        app.execute(Box::leak(users.into_boxed_str())).await;
        let credentials = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {more})
             INSERT INTO credentials (id, project_id, user_id, integration_id, status,
               provider_id, provider_data, access_token, refresh_token, access_expires_at,
               version, refreshing_until, refresh_failures, created_at, updated_at, refreshed_at)
             SELECT 'credential-' || n.i, c.project_id, 'user-' || n.i, c.integration_id,
               c.status, c.provider_id, c.provider_data, c.access_token, c.refresh_token,
               c.access_expires_at, c.version, c.refreshing_until, c.refresh_failures,
               c.created_at, c.updated_at, c.refreshed_at
             FROM credentials c, n WHERE c.user_id = 'ann'"
        );
        app.execute(Box::leak(credentials.into_boxed_str())).await;

        // The next slot a second after the tick, far inside the 60 s jitter window.
        let payload = json!({ "time": "then" });
        let due = due_at(&app, new_year_ms(0)).await;
        let next_slot = due.next_tick_ms + 1_000;
        let fired = tick(&due, next_slot, &payload, 60_000);
        assert_eq!(
            app.store.fire_schedule(&fired).await.expect("fires"),
            Some(USERS as u64)
        );

        let runs = runs(&app, &hs).await;
        assert_eq!(runs.len(), USERS);
        let users: BTreeSet<String> = runs.iter().map(|r| r.user_id.to_string()).collect();
        assert_eq!(users.len(), USERS, "one run per user");
        assert!(users.contains("ann") && users.contains(&format!("user-{more}")));
        for run in &runs {
            assert_eq!(run.workflow_id.to_string(), workflow);
            assert_eq!(run.scheduled_ms, Some(due.next_tick_ms));
            assert!(
                (due.next_tick_ms..next_slot).contains(&run.next_attempt_ms),
                "due from the tick and before the next slot: {run:?}"
            );
        }
        // The runs spread over the narrowed window rather than bunching at its end.
        let distinct: BTreeSet<i64> = runs.iter().map(|r| r.next_attempt_ms).collect();
        assert!(distinct.len() > 500, "{} distinct due times", distinct.len());
    }
}
