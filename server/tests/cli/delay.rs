//! A `delay:` outlives the server: the binary is killed with SIGKILL while a run is parked,
//! started again on the same storage, and the run goes on after its wake-up time, once. On
//! SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{platform::Platform, postgres_env::postgres_url, support::Env};

const HUB: u32 = 6_200_001;
const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hubspot-guide");
const DELAYED: &str = include_str!("../shared/delayed.yaml");

async fn parked_across_a_kill(env: &Env, dir: &std::path::Path) {
    let deploy = dir.join("deploy");
    std::fs::create_dir_all(deploy.join("events")).expect("events/");
    std::fs::create_dir_all(deploy.join("workflows")).expect("workflows/");
    std::fs::copy(
        std::path::Path::new(GUIDE).join("events/contact-created.yaml"),
        deploy.join("events/contact-created.yaml"),
    )
    .expect("the guide's event");
    std::fs::write(deploy.join("workflows/delayed.yaml"), DELAYED).expect("the workflow");
    let (platform, server) = Platform::start(env, dir, &deploy, &[HUB], &[]).await;
    let payload = json!({"email": "late@acme.test", "first_name": "L"});
    platform.trigger(0, &payload).await;
    let started = Instant::now();
    // Parked: its delay step is waiting (not merely queued before its first claim).
    loop {
        let waiting = match platform.runs("").await.first() {
            Some(run) => {
                let id = run["id"].as_str().expect("an id");
                let detail = platform.history(&["/", id].concat()).await;
                detail["steps"]
                    .as_array()
                    .is_some_and(|steps| steps.iter().any(|a| a["outcome"] == "waiting"))
            }
            None => false,
        };
        if waiting {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the run was parked"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        platform.contacts(HUB).await.len(),
        1,
        "the step before the delay ran"
    );
    server.kill();
    let server = platform.serve(env, &dir.join("serve-2.log"));

    loop {
        let done = platform.runs("status=succeeded").await;
        if done.len() == 1 {
            assert_eq!(done[0]["attempts"], 1, "parked, not retried: {done:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run went on after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it waited its delay"
    );
    let contacts = platform.contacts(HUB).await;
    assert_eq!(
        contacts.len(),
        1,
        "the step before the delay ran once: {contacts:?}"
    );
    let title = contacts[0]["properties"]["jobtitle"]
        .as_str()
        .unwrap_or_default();
    assert!(
        title.starts_with("woke at "),
        "the step after the delay ran: {title}"
    );
    assert!(platform.runs("status=failed").await.is_empty());
    server.stop();
    platform.sandbox.stop().await;
}

#[tokio::test]
async fn a_parked_run_goes_on_after_a_restart_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);
    parked_across_a_kill(&env, dir.path()).await;
}

#[tokio::test]
async fn a_parked_run_goes_on_after_a_restart_once_on_postgres() {
    let Some(base) = postgres_url() else { return };
    let database = crate::support::fresh_database(&base).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), Some(database.url.clone()));
    parked_across_a_kill(&env, dir.path()).await;
    database.drop().await;
}
