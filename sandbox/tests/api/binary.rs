//! The `hubspot-sandbox` binary: one stdout line with the URL, logs on stderr, flags honoured.
//! [`spawn_listening`] starts the other stand-ins' binaries for their tests too.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::StatusCode;

use crate::helpers::{CLIENT_ID, REDIRECT_URI};

/// Kills the child when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hubspot-sandbox"))
}

/// The first stdout line, read on a blocking thread with a timeout.
async fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let read = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("the binary prints its line within 30 s")
        .expect("the reader thread finishes")
        .expect("stdout is readable")
}

/// Starts a stand-in's binary `bin`, which announces itself as `name`, with `args` and its
/// stderr dropped; answers the running child and the URL of its one stdout line.
pub async fn spawn_listening(bin: &str, name: &str, args: &[&str]) -> (Running, String) {
    let child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut running = Running(child);
    let line = first_line(&mut running.0).await;
    let prefix = format!("{name} listening on ");
    let url = line
        .trim_end()
        .strip_prefix(&prefix)
        .expect(&line)
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    (running, url)
}

#[tokio::test]
async fn the_binary_prints_its_url_once_and_serves_the_configured_app_and_account() {
    let args = [
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        "from-the-command-line",
        "--redirect-uri",
        REDIRECT_URI,
        "--app-name",
        "Binary App",
        "--account",
        "4242:ops@example.com",
        "--require-pkce",
    ];
    let bin = env!("CARGO_BIN_EXE_hubspot-sandbox");

    let (_running, url) = spawn_listening(bin, "hubspot-sandbox", &args).await;

    let page = reqwest::Client::new()
        .get(format!("{url}/oauth/authorize"))
        .query(&[
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            (
                "scope",
                "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read",
            ),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("the binary serves");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("a page");
    assert!(html.contains("Binary App") && html.contains("4242 (ops@example.com)"));
    let without_pkce = reqwest::get(format!(
        "{url}/oauth/authorize?client_id={CLIENT_ID}&redirect_uri={REDIRECT_URI}&scope=oauth"
    ))
    .await
    .expect("answers");
    assert_eq!(
        without_pkce.status(),
        StatusCode::BAD_REQUEST,
        "--require-pkce is honoured"
    );
}

#[tokio::test]
async fn a_bad_flag_exits_with_an_error_on_stderr_and_nothing_on_stdout() {
    let output = binary()
        .args(["--port", "0", "--account", "not-an-account"])
        .output()
        .expect("the binary runs");

    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HUBID:EMAIL"), "{stderr}");
}

#[tokio::test]
async fn the_binary_logs_to_stderr_only() {
    let child = binary()
        .args(["--port", "0"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut running = Running(child);

    let line = first_line(&mut running.0).await;
    let _ = running.0.kill();
    let mut stderr = String::new();
    if let Some(mut pipe) = running.0.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }

    assert!(line.starts_with("hubspot-sandbox listening on http://127.0.0.1:"));
    assert!(stderr.contains("hubspot-sandbox started"), "{stderr}");
}
