//! Crash: the `paragon` binary is killed with SIGKILL while runs are in flight and started
//! again on the same storage; every run completes and no contact is duplicated.
//! On SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use hubspot_sandbox::{AccountConfig, AppConfig, SandboxConfig};
use serde_json::{Value, json};

use crate::{
    oauth_popup,
    postgres_env::postgres_url,
    support::{Env, field},
};

const APP_ORIGIN: &str = "http://localhost:3000";
const EVENTS: usize = 200;
const HUBS: [u32; 2] = [6_100_001, 6_100_002];
const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hubspot-guide");

async fn crash_and_recover(env: &Env, dir: &std::path::Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let platform = format!("http://127.0.0.1:{port}");
    let sandbox = hubspot_sandbox::start(SandboxConfig {
        apps: vec![
            AppConfig::new("crash-app", "crash-secret", "Acme CRM")
                .redirect_uri(&format!("{platform}/oauth/callback")),
        ],
        accounts: HUBS
            .iter()
            .map(|&h| AccountConfig::new(h, &format!("u{h}@acme.test")))
            .collect(),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let hs = sandbox.base_url();
    let key_file = dir.join("key.pem");
    let key_path = key_file.to_str().expect("utf-8");
    let (out, _) = env.run(&[
        "project", "create", "--name", "Acme", "--origin", APP_ORIGIN,
    ]);
    let (project, api_key) = (field(&out, "project id:"), field(&out, "api key:"));
    env.run(&["keys", "generate", "--project", &project, "--out", key_path]);
    env.run(&[
        "integration",
        "set",
        "--project",
        &project,
        "hubspot",
        "--client-id",
        "crash-app",
        "--client-secret",
        "crash-secret",
        "--auth-url",
        &format!("{hs}/oauth/authorize"),
        "--token-url",
        &format!("{hs}/oauth/v3/token"),
        "--api-base",
        &hs,
    ]);
    let (deployed, _) = env.run(&["deploy", "--project", &project, GUIDE]);
    let workflow = deployed
        .lines()
        .find_map(|l| l.strip_prefix("workflow "))
        .and_then(|l| l.split_whitespace().next())
        .expect("a workflow id")
        .to_owned();
    let serve = [
        "serve",
        "--port",
        &port.to_string(),
        "--workers",
        "8",
        "--run-lease-secs",
        "2",
        // 100 events per user in a few seconds, to have runs mid-flight at the kill: far over
        // the per-user limit, which this test is not about (tests/api/bounds.rs is).
        "--events-per-user-per-minute",
        "0",
    ];
    let server = env.serve_with(&serve, &dir.join("serve-1.log"));
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for (i, hub) in HUBS.iter().enumerate() {
        let (token, _) = env.run(&[
            "token",
            "sign",
            "--key",
            key_path,
            "--sub",
            &format!("user-{i}"),
        ]);
        let token = token.trim().to_owned();
        assert_eq!(
            oauth_popup::connect(&platform, &project, &token, APP_ORIGIN, &hs, *hub).await,
            200
        );
        let enabled = client
            .post(format!(
                "{platform}/projects/{project}/sdk/workflows/{workflow}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answers");
        assert_eq!(enabled.status(), 204);
        tokens.push(token);
    }
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
        let sent = client
            .post(format!(
                "{platform}/v2/projects/{project}/sdk/events/trigger"
            ))
            .bearer_auth(&tokens[n % tokens.len()])
            .json(&json!({"name": "Contact Created", "payload": payload}))
            .send()
            .await
            .expect("answers");
        assert_eq!(sent.status(), 201);
    }
    // HubSpot answers slowly (700 ms a call, 8 workers: about 11 runs a second): runs are
    // mid-flight now, however slow the machine was at sending.
    server.kill();
    let created_before = contacts(&client, &hs).await.len();
    assert!(
        created_before < EVENTS,
        "the kill happened while runs were in flight ({created_before} done)"
    );
    eprintln!("killed with {created_before} of {EVENTS} contacts created");

    let server = env.serve_with(&serve, &dir.join("serve-2.log"));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let page: Value = client
            .get(format!("{platform}/projects/{project}/task-history/workflow-executions?limit=200&status=succeeded"))
            .bearer_auth(&api_key)
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        if page["data"].as_array().map_or(0, Vec::len) == EVENTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "runs did not all complete after the restart"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let emails: Vec<String> = contacts(&client, &hs)
        .await
        .iter()
        .map(|c| c["properties"]["email"].as_str().expect("email").to_owned())
        .collect();
    let unique: std::collections::BTreeSet<&String> = emails.iter().collect();
    assert_eq!(emails.len(), EVENTS, "every event made its contact");
    assert_eq!(unique.len(), EVENTS, "and none twice");
    server.stop();
    sandbox.stop().await;
}

async fn contacts(client: &reqwest::Client, sandbox: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for hub in HUBS {
        let list: Vec<Value> = client
            .get(format!("{sandbox}/_sandbox/accounts/{hub}/contacts"))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        all.extend(list);
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
