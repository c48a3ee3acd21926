//! Crash: the `paragon` binary is killed with SIGKILL while runs are in flight and started
//! again on the same storage; every run completes and no contact is duplicated.
//! On SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{platform::Platform, postgres_env::postgres_url, support::Env};

const EVENTS: usize = 200;
const HUBS: [u32; 2] = [6_100_001, 6_100_002];
const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hubspot-guide");

async fn crash_and_recover(env: &Env, dir: &std::path::Path) {
    let serve = [
        "--workers",
        "8",
        "--run-lease-secs",
        "2",
        // 100 events per user in a few seconds, to have runs mid-flight at the kill: far over
        // the per-user limit, which this test is not about (tests/api/bounds.rs is).
        "--events-per-user-per-minute",
        "0",
    ];
    let (platform, server) =
        Platform::start(env, dir, std::path::Path::new(GUIDE), &HUBS, &serve).await;
    let (client, hs) = (&platform.client, &platform.hubspot);
    for hub in HUBS {
        let slow = client
            .post(format!("{hs}/_sandbox/accounts/{hub}/faults"))
            .json(&json!({"latencyMs": 700}))
            .send()
            .await
            .expect("answers");
        assert!(slow.status().is_success());
    }

    for n in 0..EVENTS {
        let payload = json!({"first_name": "Ada", "last_name": format!("L{n}"), "email": format!("crash{n}@acme.test"), "company": "AE", "title": "Eng"});
        platform.trigger(n % platform.tokens.len(), &payload).await;
    }
    // HubSpot answers slowly (700 ms a call, 8 workers: about 11 runs a second): runs are
    // mid-flight now, however slow the machine was at sending.
    server.kill();
    let created_before = contacts(&platform).await.len();
    assert!(
        created_before < EVENTS,
        "the kill happened while runs were in flight ({created_before} done)"
    );
    eprintln!("killed with {created_before} of {EVENTS} contacts created");

    let server = platform.serve(env, &dir.join("serve-2.log"));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if platform.runs("limit=200&status=succeeded").await.len() == EVENTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "runs did not all complete after the restart"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let emails: Vec<String> = contacts(&platform)
        .await
        .iter()
        .map(|c| c["properties"]["email"].as_str().expect("email").to_owned())
        .collect();
    let unique: std::collections::BTreeSet<&String> = emails.iter().collect();
    assert_eq!(emails.len(), EVENTS, "every event made its contact");
    assert_eq!(unique.len(), EVENTS, "and none twice");
    server.stop();
    platform.sandbox.stop().await;
}

async fn contacts(platform: &Platform) -> Vec<Value> {
    let mut all = Vec::new();
    for hub in HUBS {
        all.extend(platform.contacts(hub).await);
    }
    all
}

#[tokio::test]
async fn a_killed_server_finishes_every_run_after_restart_without_duplicates_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);
    crash_and_recover(&env, dir.path()).await;
}

#[tokio::test]
async fn a_killed_server_finishes_every_run_after_restart_without_duplicates_on_postgres() {
    let Some(base) = postgres_url() else { return };
    let database = crate::support::fresh_database(&base).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), Some(database.url.clone()));
    crash_and_recover(&env, dir.path()).await;
    database.drop().await;
}
