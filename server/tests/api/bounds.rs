//! Everything a caller can grow is bounded (issue 12, section 4): user metadata, connect flows,
//! the App Events rate (shared by replicas) and failed authentications per source.

use std::time::Duration;

use paragon_server::config::Limits;
use reqwest::Response;
use serde_json::{Value, json};

use crate::{
    connect_support::hubspot,
    helpers::{
        Backend, TestApp, TestProject, assert_error, both_backends, id, pid, spawn_app_with_limits,
    },
};

/// Waits while the current one-minute rate window has under 10 s left, so a test's burst falls
/// inside one window.
async fn inside_one_window() {
    let left = 60 - paragon_server::clock::now_secs().rem_euclid(60);
    if left < 10 {
        tokio::time::sleep(Duration::from_secs(left as u64 + 1)).await;
    }
}

fn limits(per_user: u32, per_project: u32) -> Limits {
    Limits {
        events_per_user_per_minute: per_user,
        events_per_project_per_minute: per_project,
        ..Limits::default()
    }
}

async fn trigger(base_url: &str, project: &TestProject, user: &str, key: Option<&str>) -> Response {
    let mut request = reqwest::Client::new()
        .post(format!(
            "{base_url}/v2/projects/{}/sdk/events/trigger",
            project.id
        ))
        .bearer_auth(project.token(user))
        .json(&json!({"name": "Contact Created", "payload": {"n": 1}}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("the server answers")
}

/// Asserts a 429 with the protocol's body and a `Retry-After` within the window.
async fn assert_rate_limited(response: Response) -> String {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_error(response, 429, "RATE_LIMITED").await
}

both_backends! {
    async fn metadata_that_would_pass_64_kib_is_refused_with_413_and_the_stored_metadata_is_kept(app) {
        let project = app.new_project().await;
        let token = project.token("ann");
        let first = json!({"meta": {"notes": "a".repeat(40 * 1024)}}).to_string();
        let second = json!({"meta": {"more": "b".repeat(40 * 1024)}}).to_string();

        let accepted = app.patch_me_raw(project.id, &token, first).await;
        let refused = app.patch_me_raw(project.id, &token, second).await;

        assert_eq!(accepted.status(), 200);
        let message = assert_error(refused, 413, "PAYLOAD_TOO_LARGE").await;
        assert!(message.contains("65536"), "{message}");
        let me: Value = app.get_me(project.id, &token).await.json().await.expect("JSON");
        assert_eq!(me["meta"]["notes"].as_str().map(str::len), Some(40 * 1024), "the first write is kept");
        assert!(me["meta"].get("more").is_none(), "nothing of the refused write");
        let replaced = app.patch_me_raw(project.id, &token, json!({"meta": {"notes": null, "more": "b"}}).to_string()).await;
        assert_eq!(replaced.status(), 200, "removing keys makes room again");
    }

    async fn a_user_keeps_at_most_twenty_flows_and_the_newest_is_never_the_one_dropped(app) {
        let hs = hubspot(&app).await;
        let bobs = hs.create_flow(&app, "bob").await.id;
        let mut anns = Vec::new();

        for _ in 0..30 {
            anns.push(hs.create_flow(&app, "ann").await.id);
        }

        let mut kept = 0;
        for flow in &anns {
            kept += usize::from(app.store.flow(&id(flow)).await.expect("read").is_some());
        }
        assert_eq!(kept, 20, "ann's older flows were deleted");
        let newest = anns.last().expect("flows");
        assert!(app.store.flow(&id(newest)).await.expect("read").is_some(), "the flow just created works");
        assert!(app.store.flow(&id(&bobs)).await.expect("read").is_some(), "another user's flow is untouched");
    }
}

/// Writes a scenario that starts its own app (other limits, no engine) once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

mod events {
    use super::*;

    on_both_backends!(
        a_user_over_the_limit_gets_429_and_is_not_counted_against_the_project,
        a_resend_of_an_accepted_event_gets_its_first_answer_even_over_the_limit,
    );

    async fn a_user_over_the_limit_gets_429_and_is_not_counted_against_the_project(
        backend: Backend,
    ) {
        let Some(app) = spawn_app_with_limits(backend, 0, limits(3, 5)).await else {
            return;
        };
        let project = app.new_project().await;
        inside_one_window().await;

        let mut ann = Vec::new();
        for _ in 0..5 {
            ann.push(trigger(&app.base_url, &project, "ann", None).await);
        }
        let bob = [
            trigger(&app.base_url, &project, "bob", None).await,
            trigger(&app.base_url, &project, "bob", None).await,
        ];
        let cid = trigger(&app.base_url, &project, "cid", None).await;

        let statuses: Vec<u16> = ann.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(
            statuses,
            [201, 201, 201, 429, 429],
            "ann's limit is 3 a minute"
        );
        let message = assert_rate_limited(ann.pop().expect("answer")).await;
        assert!(message.contains("this user"), "{message}");
        assert_eq!(
            bob.map(|r| r.status().as_u16()),
            [201, 201],
            "ann's refused events did not use up the project's 5"
        );
        let message = assert_rate_limited(cid).await;
        assert!(message.contains("the project"), "{message}");
    }

    async fn a_resend_of_an_accepted_event_gets_its_first_answer_even_over_the_limit(
        backend: Backend,
    ) {
        let Some(app) = spawn_app_with_limits(backend, 0, limits(2, 0)).await else {
            return;
        };
        let project = app.new_project().await;
        inside_one_window().await;

        let first = trigger(&app.base_url, &project, "ann", Some("key-1")).await;
        let second = trigger(&app.base_url, &project, "ann", Some("key-2")).await;
        let resend = trigger(&app.base_url, &project, "ann", Some("key-1")).await;
        let new = trigger(&app.base_url, &project, "ann", Some("key-3")).await;

        assert_eq!(
            [first.status().as_u16(), second.status().as_u16()],
            [201, 201]
        );
        let first: Value = first.json().await.expect("JSON");
        assert_eq!(resend.status(), 201, "over the limit, yet already accepted");
        assert_eq!(
            resend.json::<Value>().await.expect("JSON"),
            first,
            "the first answer"
        );
        assert_rate_limited(new).await;
    }

    /// PostgreSQL only: replicas share a PostgreSQL; SQLite is one process's database.
    #[tokio::test]
    async fn two_replicas_on_one_database_share_one_limit() {
        let Some(app) = spawn_app_with_limits(Backend::Postgres, 0, limits(4, 0)).await else {
            return;
        };
        let (replica, _stop) = app.api_replica().await;
        let project = app.new_project().await;
        inside_one_window().await;

        let mut statuses = Vec::new();
        for base_url in [
            &app.base_url,
            &replica,
            &app.base_url,
            &replica,
            &app.base_url,
            &replica,
        ] {
            statuses.push(
                trigger(base_url, &project, "ann", None)
                    .await
                    .status()
                    .as_u16(),
            );
        }

        assert_eq!(
            statuses,
            [201, 201, 201, 201, 429, 429],
            "each replica alone has seen only 2 or 3"
        );
    }
}

mod housekeeping {
    use super::*;

    async fn event_exists(app: &TestApp, project: &str, answer: &Value) -> bool {
        let event = answer["id"].as_str().expect("an event id");
        app.store
            .event(pid(project), &id(event))
            .await
            .expect("read")
            .is_some()
    }

    on_both_backends!(
        a_sweep_deletes_old_events_with_their_finished_runs_and_expired_flows_and_keeps_the_rest
    );

    async fn a_sweep_deletes_old_events_with_their_finished_runs_and_expired_flows_and_keeps_the_rest(
        backend: Backend,
    ) {
        // No engine here: every run stays queued until the test moves it on.
        let Some(app) = crate::helpers::spawn_app_with_workers(backend, 0).await else {
            return;
        };
        // The server's own first sweep runs at start; let it pass before arranging rows.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", crate::connect_support::HUB).await;
        hs.enable(&app, "ann", &workflow).await;
        let project = hs.project.id.to_string();
        let (_, finished) = hs.trigger(&app, "ann", &json!({}), Some("finished")).await;
        let (_, pending) = hs.trigger(&app, "ann", &json!({}), Some("pending")).await;
        let (_, no_runs) = hs.trigger(&app, "bob", &json!({}), Some("no-runs")).await;
        let old_flow = hs.create_flow(&app, "cid").await.id;
        // 31 days back (in ms), past the default retention of 30.
        app.execute("UPDATE app_events SET created_at = created_at - 2678400000")
            .await;
        app.execute(
            "UPDATE oauth_flows SET expires_at = expires_at - 2 * 3600 * 1000 WHERE user_id = 'cid'",
        )
        .await;
        app.execute("INSERT INTO rate_windows (bucket, window_start, hits) VALUES ('events/user/old', 0, 1)").await;
        let (_, recent) = hs.trigger(&app, "bob", &json!({}), Some("recent")).await;
        let new_flow = hs.create_flow(&app, "cid").await.id;
        let runs = app
            .store
            .runs(
                pid(&project),
                &paragon_server::storage::RunFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("runs");
        let run_of = |event: &Value| {
            runs.iter()
                .find(|r| r.event_id.as_str() == event["id"].as_str().expect("id"))
                .expect("a run")
                .clone()
        };
        let (done_run, queued_run) = (run_of(&finished), run_of(&pending));
        app.execute("UPDATE runs SET status = 'succeeded', finished_ms = 1 WHERE event_id IN (SELECT id FROM app_events WHERE idempotency_key = 'finished')").await;
        app.store
            .record_attempt(&paragon_server::storage::Attempt {
                run_id: done_run.id.clone(),
                attempt: 1,
                step_id: "create".into(),
                outcome: paragon_server::storage::AttemptOutcome::Succeeded,
                request: json!({}),
                response: json!({}),
                error: None,
                started_ms: 1,
                finished_ms: 2,
            })
            .await
            .expect("attempt");

        let swept = paragon_server::housekeeping::sweep(
            &app.store,
            &Default::default(),
            paragon_server::clock::now_ms(),
        )
        .await
        .expect("sweep");

        assert_eq!(
            (swept.events, swept.flows, swept.rate_windows),
            (2, 1, 1),
            "{swept:?}"
        );
        assert!(
            !event_exists(&app, &project, &finished).await,
            "an old event whose runs ended"
        );
        assert!(
            !event_exists(&app, &project, &no_runs).await,
            "an old event without runs"
        );
        assert!(
            app.store
                .run(pid(&project), &done_run.id)
                .await
                .expect("read")
                .is_none(),
            "its run went with it"
        );
        assert!(
            app.store
                .attempts(&done_run.id)
                .await
                .expect("read")
                .is_empty(),
            "and the run's attempts"
        );
        assert!(
            event_exists(&app, &project, &pending).await,
            "an old event whose run is still queued"
        );
        assert!(
            app.store
                .run(pid(&project), &queued_run.id)
                .await
                .expect("read")
                .is_some()
        );
        assert!(
            event_exists(&app, &project, &recent).await,
            "an event within the retention"
        );
        assert!(
            app.store
                .flow(&id(&old_flow))
                .await
                .expect("read")
                .is_none(),
            "a flow expired over an hour ago"
        );
        assert!(
            app.store
                .flow(&id(&new_flow))
                .await
                .expect("read")
                .is_some()
        );
    }

    /// SQLite only: the wiring of the job, the same on both backends.
    #[tokio::test]
    async fn a_server_sweeps_when_it_starts() {
        let app = crate::helpers::spawn_app_with_workers(Backend::Sqlite, 0)
            .await
            .expect("SQLite always runs");
        let project = app.new_project().await;
        let old = trigger(&app.base_url, &project, "ann", None)
            .await
            .json::<Value>()
            .await
            .expect("JSON");
        app.execute("UPDATE app_events SET created_at = created_at - 2678400000")
            .await;

        let _replica = app.replica(0, Duration::from_secs(60)).await;

        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while event_exists(&app, &project.id.to_string(), &old).await {
            assert!(
                std::time::Instant::now() < deadline,
                "the replica's first sweep deleted the old event"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

mod auth_failures {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    /// SQLite only: the throttle is per process and reads no storage.
    #[tokio::test]
    async fn a_failing_source_is_throttled_without_locking_out_known_credentials_or_other_sources()
    {
        let limits = Limits {
            auth_failures_per_minute: 5,
            ..Limits::default()
        };
        let app = spawn_app_with_limits(Backend::Sqlite, 0, limits)
            .await
            .expect("SQLite always runs");
        let project = app.new_project().await;
        let history = format!("/projects/{}/task-history/workflow-executions", project.id);
        let (known, fresh) = (project.token("ann"), project.token("bob"));
        assert_eq!(app.get_me(project.id, &known).await.status(), 200);
        let key_works = app
            .management(reqwest::Method::GET, &history, &project.api_key)
            .send()
            .await
            .expect("answers");
        assert_eq!(key_works.status(), 200);

        for n in 0..5 {
            assert_eq!(
                app.get_me(project.id, &format!("guess-{n}")).await.status(),
                401,
                "failure {n} is checked"
            );
        }
        let guess = app.get_me(project.id, "guess-5").await;
        let wrong_key = app
            .management(reqwest::Method::GET, &history, "wrong-key")
            .send()
            .await
            .expect("answers");
        let new_token_here = app.get_me(project.id, &fresh).await;
        let known_token = app.get_me(project.id, &known).await;
        let known_key = app
            .management(reqwest::Method::GET, &history, &project.api_key)
            .send()
            .await
            .expect("answers");
        let elsewhere = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
            .build()
            .expect("a client")
            .get(app.url(&format!("/projects/{}/sdk/me", project.id)))
            .bearer_auth(&fresh)
            .send()
            .await
            .expect("answers");

        let message = assert_rate_limited(guess).await;
        assert!(message.contains("failed authentications"), "{message}");
        assert_rate_limited(wrong_key).await;
        assert_rate_limited(new_token_here).await;
        assert_eq!(
            known_token.status(),
            200,
            "a token this server accepted before still works here"
        );
        assert_eq!(known_key.status(), 200, "so does a known API key");
        assert_eq!(elsewhere.status(), 200, "another source is not throttled");
    }
}
