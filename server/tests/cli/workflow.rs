//! The guide's steps 2 and 4 with the CLI: a project, a signing key written once with mode
//! 0600, a token from `paragon token sign`, accepted by `paragon serve` until revoked.

use crate::support::{Env, field};

#[tokio::test]
async fn project_key_and_token_from_the_cli_are_accepted_by_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);
    let key_file = dir.path().join("signing-key.pem");
    let key_path = key_file.to_str().expect("utf-8 path");

    let (out, _) = env.run(&[
        "project",
        "create",
        "--name",
        "Acme CRM",
        "--origin",
        "http://localhost:3000",
    ]);
    let project = field(&out, "project id:");
    let api_key = field(&out, "api key:");
    let (out, _) = env.run(&["keys", "generate", "--project", &project, "--out", key_path]);
    let kid = field(&out, "kid:");
    let (token, _) = env.run(&[
        "token", "sign", "--key", key_path, "--sub", "user-1", "--ttl", "15m",
    ]);
    let server = env.serve(&dir.path().join("serve.log"));
    let client = reqwest::Client::new();
    let me = |token: String| {
        client
            .get(format!("{}/projects/{project}/sdk/me", server.url))
            .bearer_auth(token)
            .send()
    };

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(
            mode, 0o600,
            "the private key file is readable by its owner only"
        );
    }
    assert!(
        std::fs::read_to_string(&key_file)
            .expect("pem")
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let response = me(token.trim().to_owned()).await.expect("answers");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["userId"], "user-1");
    let shown = client
        .get(format!("{}/projects/{project}", server.url))
        .bearer_auth(&api_key)
        .send()
        .await
        .expect("answers");
    assert_eq!(
        shown.status(),
        200,
        "the printed API key opens the management API"
    );

    let (list, _) = env.run(&["keys", "list", "--project", &project]);
    assert!(list.contains(&kid) && list.contains("active"), "{list}");
    env.run_failing(&["keys", "generate", "--project", &project, "--out", key_path]);

    env.run(&["keys", "revoke", "--project", &project, &kid]);
    let response = me(token.trim().to_owned()).await.expect("answers");
    assert_eq!(
        response.status(),
        401,
        "the running server sees the revocation at once"
    );
    server.stop();
}

#[test]
fn cli_errors_are_clear_and_nonzero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);

    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "project",
                "create",
                "--name",
                "x",
                "--origin",
                "localhost:3000",
            ],
            "invalid origin",
        ),
        (
            &["keys", "generate", "--project", "not-a-uuid"],
            "not a project id",
        ),
        (
            &[
                "keys",
                "list",
                "--project",
                "9b2e4f0c-7d1a-4c3e-8f6b-2a5d9e1c4b7a",
            ],
            "no project",
        ),
        (
            &["token", "sign", "--key", "/no/such/file", "--sub", "u"],
            "cannot read",
        ),
        (
            &[
                "project",
                "create",
                "--name",
                "x",
                "--max-token-lifetime",
                "1y",
            ],
            "unknown unit",
        ),
    ];
    for (args, expected) in cases {
        let output = env.run_failing(args);
        let stderr = crate::support::text(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn serve_refuses_to_start_without_a_master_key_outside_demo_mode() {
    let dir = tempfile::tempdir().expect("temp dir");

    let output = std::process::Command::new(crate::support::BIN)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .env_remove("PARAGON_MASTER_KEY")
        .output()
        .expect("run paragon");

    assert!(!output.status.success());
    let stderr = crate::support::text(&output.stderr);
    assert!(
        stderr.contains("PARAGON_MASTER_KEY is not set") && stderr.contains("--demo"),
        "{stderr}"
    );
}

#[test]
fn demo_mode_makes_a_master_key_file_readable_by_its_owner_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);
    let (out, _) = env.run(&["project", "create", "--name", "x"]);
    let project = field(&out, "project id:");

    let mut command = env.command(&[
        "integration",
        "set",
        "--project",
        &project,
        "hubspot",
        "--client-id",
        "id",
        "--demo",
    ]);
    let output = command
        .env_remove("PARAGON_MASTER_KEY")
        .env("PARAGON_CLIENT_SECRET", "s3cret")
        .output()
        .expect("run");

    assert!(
        output.status.success(),
        "{}",
        crate::support::text(&output.stderr)
    );
    let key_file = env.data_dir.join("demo-master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn deploy_refuses_a_broken_workflow_naming_file_and_line_and_deploys_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);
    let (out, _) = env.run(&["project", "create", "--name", "x"]);
    let project = field(&out, "project id:");
    let defs = dir.path().join("defs");
    std::fs::create_dir_all(defs.join("events")).expect("dirs");
    std::fs::create_dir_all(defs.join("workflows")).expect("dirs");
    std::fs::write(
        defs.join("events/contact.yaml"),
        "name: Contact Created\nexample:\n  email: a@b.test\n",
    )
    .expect("write");
    std::fs::write(
        defs.join("workflows/sync.yaml"),
        "id: sync\nname: Sync\nintegration: hubspot\ntrigger:\n  app_event: Contact Created\nsteps:\n  - id: create\n    action: hubspot.delete_everything\n    input:\n      email: \"{{evnt.email}}\"\n",
    )
    .expect("write");

    let output = env.run_failing(&[
        "deploy",
        "--project",
        &project,
        defs.to_str().expect("utf-8"),
    ]);

    let stderr = crate::support::text(&output.stderr);
    assert!(
        stderr.contains("workflows/sync.yaml:8"),
        "the unknown action, with file and line: {stderr}"
    );
    assert!(
        stderr.contains("workflows/sync.yaml:10"),
        "the unknown variable root, with file and line: {stderr}"
    );
    assert!(stderr.contains("nothing was deployed"), "{stderr}");
    let (good, _) = env.run(&[
        "deploy",
        "--project",
        &project,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hubspot-guide"),
    ]);
    assert!(
        good.contains("deployed version 1"),
        "the refused deploy made no version: {good}"
    );
}
