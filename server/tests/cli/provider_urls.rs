//! `--allow-private-provider-urls` (`PARAGON_ALLOW_PRIVATE_PROVIDER_URLS`): without it, the CLI
//! refuses an integration URL on loopback with a clear message; with it, or with `--demo`, the
//! sandbox's http://127.0.0.1 is accepted.

use crate::support::{Env, field, text};

fn set_integration(env: &Env, project: &str, flags: &[&str]) -> std::process::Output {
    let mut args = vec![
        "integration",
        "set",
        "--project",
        project,
        "hubspot",
        "--client-id",
        "id",
        "--client-secret",
        "secret",
        "--api-base",
        "http://127.0.0.1:9",
    ];
    args.extend_from_slice(flags);
    env.command(&args)
        .env_remove("PARAGON_ALLOW_PRIVATE_PROVIDER_URLS")
        .output()
        .expect("run paragon")
}

#[test]
fn integration_set_accepts_a_loopback_url_only_when_private_urls_are_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path().join("data"), None);
    let (out, _) = env.run(&["project", "create", "--name", "x"]);
    let project = field(&out, "project id:");

    let refused = set_integration(&env, &project, &[]);
    let allowed = set_integration(&env, &project, &["--allow-private-provider-urls"]);
    let allowed_by_env = env
        .command(&[
            "integration",
            "set",
            "--project",
            &project,
            "hubspot",
            "--client-id",
            "id",
            "--client-secret",
            "secret",
            "--api-base",
            "http://127.0.0.1:9",
        ])
        .output()
        .expect("run paragon");

    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("the API base must use https")
            && stderr.contains("--allow-private-provider-urls"),
        "{stderr}"
    );
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
    assert!(
        allowed_by_env.status.success(),
        "{}",
        text(&allowed_by_env.stderr)
    );
}

#[test]
fn serve_documents_the_flag_and_its_default() {
    let output = std::process::Command::new(crate::support::BIN)
        .args(["serve", "--help"])
        .output()
        .expect("run paragon");

    let help = text(&output.stdout);
    assert!(help.contains("--allow-private-provider-urls"), "{help}");
    assert!(
        help.contains("PARAGON_ALLOW_PRIVATE_PROVIDER_URLS"),
        "{help}"
    );
}
