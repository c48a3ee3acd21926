//! The API key, the private key and user tokens appear in no log line and in no database
//! column in clear, on SQLite (the file's raw bytes) and on PostgreSQL (every row as text).

use std::path::Path;

use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};

use crate::{
    postgres_env::postgres_url,
    support::{ADMIN_KEY, Env, field},
};

/// Runs the guide's setup and a few authenticated calls with every log at TRACE; returns the
/// secrets that were handed out and everything that was logged.
async fn exercise(env: &Env, dir: &Path) -> (Vec<String>, String) {
    let key_file = dir.join("key.pem");
    let key_path = key_file.to_str().expect("utf-8 path");
    let mut logs = String::new();

    let (out, err) = env.run(&[
        "project",
        "create",
        "--name",
        "Acme",
        "--origin",
        "http://localhost:3000",
    ]);
    logs += &err;
    let (project, api_key) = (field(&out, "project id:"), field(&out, "api key:"));
    let (_, err) = env.run(&["keys", "generate", "--project", &project, "--out", key_path]);
    logs += &err;
    let (printed_pem, err) = env.run(&["keys", "generate", "--project", &project]);
    logs += &err;
    let (token, err) = env.run(&["token", "sign", "--key", key_path, "--sub", "user-1"]);
    logs += &err;
    let token = token.trim().to_owned();

    // A webhook endpoint's signing secret, printed once by the CLI.
    let (out, err) = env.run(&[
        "webhooks",
        "add",
        "--project",
        &project,
        "http://127.0.0.1:9/hooks",
    ]);
    logs += &err;
    let cli_webhook_secret = field(&out, "signing secret:");

    let log_path = dir.join("serve.log");
    let server = env.serve(&log_path);
    let client = reqwest::Client::new();
    for path in [
        format!("/projects/{project}/sdk/me"),
        format!("/projects/{project}/sdk/integrations"),
    ] {
        let response = client
            .get(format!("{}{path}", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200);
    }
    let response = client
        .post(format!("{}/projects/{project}/keys", server.url))
        .bearer_auth(&api_key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 201);
    let api_pem = response.json::<serde_json::Value>().await.expect("JSON")["privateKeyPem"]
        .as_str()
        .expect("a generated key")
        .to_owned();
    // And one shown once by the management API.
    let response = client
        .post(format!(
            "{}/projects/{project}/webhooks/endpoints",
            server.url
        ))
        .bearer_auth(&api_key)
        .json(&serde_json::json!({"url": "http://127.0.0.1:9/other"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 201);
    let api_webhook_secret = response.json::<serde_json::Value>().await.expect("JSON")["secret"]
        .as_str()
        .expect("a secret")
        .to_owned();
    // The operator key is used once, so its header passes through the TRACE logs too.
    let response = client
        .post(format!("{}/projects", server.url))
        .bearer_auth(ADMIN_KEY)
        .json(&serde_json::json!({"name": "Other", "allowedOrigins": []}))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 201);
    // A wrong token and a wrong key are logged about, without their value.
    let _ = client
        .get(format!("{}/projects/{project}/sdk/me", server.url))
        .bearer_auth("not-a-token")
        .send()
        .await;
    let _ = client
        .get(format!("{}/projects/{project}", server.url))
        .bearer_auth("prgn_wrong")
        .send()
        .await;
    server.stop();
    logs += &std::fs::read_to_string(&log_path).expect("server log");
    assert!(
        logs.contains("request"),
        "the server did log requests at TRACE: {logs}"
    );

    let file_pem = std::fs::read_to_string(&key_file).expect("key file");
    let mut secrets = vec![
        api_key,
        token,
        "not-a-token".into(),
        "prgn_wrong".into(),
        ADMIN_KEY.into(),
        env.master_key.trim_start_matches("k1:").to_owned(),
        cli_webhook_secret.trim_start_matches("whsec_").to_owned(),
        api_webhook_secret.trim_start_matches("whsec_").to_owned(),
    ];
    for pem in [file_pem, printed_pem, api_pem] {
        secrets.extend(pem_body_lines(&pem));
    }
    (secrets, logs)
}

/// The base64 lines of a PEM: any one of them found elsewhere means the key leaked.
fn pem_body_lines(pem: &str) -> Vec<String> {
    let lines: Vec<String> = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 40)
        .map(str::to_owned)
        .collect();
    assert!(lines.len() > 10, "a real key: {pem}");
    lines
}

fn assert_absent(haystack: &str, secrets: &[String], place: &str) {
    for secret in secrets {
        assert!(
            !haystack.contains(secret.as_str()),
            "a secret ({}…) is in {place}",
            &secret[..8.min(secret.len())]
        );
    }
}

#[test]
fn serve_refuses_a_weak_operator_key_and_does_not_repeat_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);

    let mut child = env
        .command(&["serve", "--port", "0"])
        .env("PARAGON_ADMIN_KEY", "admin123")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run paragon");

    // A server that starts anyway would run forever: give it 30 s to refuse.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("paragon serve started with a weak PARAGON_ADMIN_KEY");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(!status.success(), "a weak key must stop the start");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("stderr");
    assert!(stderr.contains("PARAGON_ADMIN_KEY is too weak"), "{stderr}");
    assert!(!stderr.contains("admin123"), "{stderr}");
}

#[tokio::test]
async fn no_secret_in_logs_or_in_the_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);

    let (secrets, logs) = exercise(&env, dir.path()).await;

    assert_absent(&logs, &secrets, "the logs");
    let mut database = Vec::new();
    for entry in std::fs::read_dir(&env.data_dir)
        .expect("data dir")
        .flatten()
    {
        // paragon.db and its WAL and shared-memory files: whatever SQLite wrote.
        database.extend(std::fs::read(entry.path()).expect("read"));
    }
    assert!(database.len() > 4096, "the database holds data");
    assert_absent(
        &String::from_utf8_lossy(&database),
        &secrets,
        "the SQLite files",
    );
}

#[tokio::test]
async fn no_secret_in_logs_or_in_any_postgresql_row() {
    let Some(base) = postgres_url() else { return };
    let database = crate::support::fresh_database(&base).await;
    let url = database.url.clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), Some(url.clone()));

    let (secrets, logs) = exercise(&env, dir.path()).await;

    assert_absent(&logs, &secrets, "the logs");
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
            .fetch_all(&mut conn)
            .await
            .expect("tables");
    assert!(tables.len() >= 4, "{tables:?}");
    let mut rows = String::new();
    for table in &tables {
        let sql = format!("SELECT row_to_json(t)::text AS row FROM \"{table}\" t");
        for row in sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .expect("rows")
        {
            rows += &row.get::<String, _>("row");
        }
    }
    assert!(rows.contains("Acme"), "the rows were read: {rows}");
    assert_absent(&rows, &secrets, "the PostgreSQL rows");
    drop(conn);
    database.drop().await;
}
