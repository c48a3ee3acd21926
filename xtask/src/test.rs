//! `cargo xtask test`: every check and test suite of the project (the last one walks the
//! guide through the demo in Chromium, as `cargo xtask demo --headless`), then one
//! `N passed, N failed` line; exits non-zero on any failure.

use std::{fs, path::PathBuf, process::Command};

use crate::{
    build, demo, postgres,
    process::cargo,
    project,
    server::{RunningServer, free_port},
    setup,
    suite::{self, Report, Tally},
};

pub fn run() -> Result<(), String> {
    setup::run()?;
    let mut total = Tally::default();
    let mut add = |t: Tally| total.add(t);

    add(suite::run(
        "rustfmt",
        &mut cargo(["fmt", "--all", "--", "--check"]),
        Report::ExitStatus,
    ));
    add(suite::run(
        "clippy (host crates)",
        &mut cargo([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        Report::ExitStatus,
    ));
    add(suite::run(
        "clippy (SDK for wasm32)",
        &mut cargo([
            "clippy",
            "--package",
            "paragon-connect",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
        Report::ExitStatus,
    ));
    add(postgres_suite());
    add(suite::run(
        "host tests",
        &mut cargo(["test", "--workspace"]),
        Report::Libtest,
    ));

    let built = build::run();
    if let Err(e) = &built {
        println!("<== build: FAILED: {e}");
        add(Tally {
            passed: 0,
            failed: 1,
        });
    }
    if built.is_ok() {
        add(sdk_browser_tests());
        add(node_browser_tests());
        add(demo::walk_headless());
    }

    println!("\n{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", total.failed))
    }
}

/// PostgreSQL-backed tests read `PARAGON_TEST_POSTGRES_URL`; with `PARAGON_REQUIRE_POSTGRES=1`
/// (CI) an unset or unreachable database fails the run instead of skipping those tests.
fn postgres_suite() -> Tally {
    let required = std::env::var("PARAGON_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let result = match std::env::var("PARAGON_TEST_POSTGRES_URL") {
        Ok(url) => postgres::check(&url),
        Err(_) => Err("PARAGON_TEST_POSTGRES_URL is not set".into()),
    };
    match (result, required) {
        (Ok(()), _) => {
            println!("\n<== postgres: reachable; PostgreSQL-backed tests will run");
            Tally {
                passed: 1,
                failed: 0,
            }
        }
        (Err(e), true) => {
            println!("\n<== postgres: FAILED: {e} (PARAGON_REQUIRE_POSTGRES=1)");
            Tally {
                passed: 0,
                failed: 1,
            }
        }
        (Err(e), false) => {
            println!("\n<== postgres: skipped: {e}; PostgreSQL-backed tests will skip");
            Tally::default()
        }
    }
}

/// wasm-bindgen-test in headless Chromium against a real `paragon serve` on another origin.
/// The runner's page origin must be known to the server's CORS list before either starts, so
/// the runner gets a fixed free port.
fn sdk_browser_tests() -> Tally {
    let started = free_port().and_then(|port| {
        let page_origin = format!("http://127.0.0.1:{port}");
        let server = start_server(&["--allowed-origin", &page_origin], "sdk-browser-tests")?;
        Ok((port, server))
    });
    let (port, server) = match started {
        Ok(ok) => ok,
        Err(e) => {
            println!("<== SDK browser tests: FAILED to start the server: {e}");
            return Tally {
                passed: 0,
                failed: 1,
            };
        }
    };
    // `wasm-pack test`: cargo test for wasm32 with the project's wasm-bindgen-test-runner
    // (found first on PATH, the pinned version) driving headless Chromium through the system's
    // chromedriver; the browser's flags are in webdriver.json.
    let mut command = Command::new(project::wasm_pack());
    command
        .args(["test", "--mode", "no-install", "--headless", "--chrome"])
        .args(["--chromedriver", project::CHROMEDRIVER])
        .arg(project::root())
        // Cargo's own target selection: the SDK's unit tests and each `tests/*.rs`.
        .arg("--lib");
    for name in wasm_test_targets() {
        command.arg("--test").arg(name);
    }
    command
        .current_dir(project::root())
        .env("PATH", project::wasm_pack_path())
        .env("WASM_BINDGEN_TEST_ADDRESS", format!("127.0.0.1:{port}"))
        .env("PARAGON_TEST_SERVER_URL", &server.url);
    let tally = suite::run(
        "SDK browser tests (wasm-pack test, headless Chromium)",
        &mut command,
        Report::Libtest,
    );
    drop(server);
    tally
}

/// The Node suites under `tests/` (`*.test.mjs`): the built npm package under Node and in
/// Chromium through Playwright. They start their own servers from `PARAGON_BIN`, because each
/// needs its own allowed origins.
fn node_browser_tests() -> Tally {
    let root = project::root();
    let has_tests = fs::read_dir(root.join("tests"))
        .map(|dir| {
            dir.flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".test.mjs"))
        })
        .unwrap_or(false);
    if !has_tests {
        println!("\n<== Node browser tests: none under tests/");
        return Tally::default();
    }
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-reporter=tap", "tests/"])
        .current_dir(&root)
        .env("PARAGON_BIN", project::paragon_bin())
        .env("SANDBOX_BIN", project::sandbox_bin())
        .env("PARAGON_PKG", project::pkg_dir())
        .env("CHROMIUM", project::CHROMIUM);
    suite::run(
        "Node browser tests (node --test, Playwright + Chromium)",
        &mut command,
        Report::Tap,
    )
}

fn start_server(extra: &[&str], name: &str) -> Result<RunningServer, String> {
    let logs = project::root().join("target/test-logs");
    fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let data = logs.join(format!("{name}-data"));
    // A fresh database per run, as the vault key below is: a database left by an earlier run
    // holds rows sealed with another key, and the migrations of the build that made it.
    if data.exists() {
        fs::remove_dir_all(&data).map_err(|e| format!("cannot clear {}: {e}", data.display()))?;
    }
    let data = data.to_string_lossy();
    let mut args = vec!["--port", "0", "--data-dir", &data];
    args.extend_from_slice(extra);
    // A fresh vault key per run, made by the binary itself (`paragon vault new-key`).
    let key = crate::process::output(
        std::process::Command::new(project::paragon_bin()).args(["vault", "new-key"]),
    )
    .ok_or("`paragon vault new-key` failed")?;
    RunningServer::start(
        &args,
        &[("PARAGON_MASTER_KEY", key.trim())],
        &logs.join(format!("{name}.log")),
    )
}

/// The integration-test targets of the SDK (`tests/*.rs`), each compiled to wasm.
fn wasm_test_targets() -> Vec<String> {
    let dir: PathBuf = project::root().join("tests");
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".rs")
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
