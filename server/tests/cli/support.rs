//! Running the `paragon` binary: one-shot commands and a server on a free port.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

pub const BIN: &str = env!("CARGO_BIN_EXE_paragon");
/// The operator key every command runs with (only `serve` reads it); the secrets test looks
/// for it in the logs.
pub const ADMIN_KEY: &str = "cli-test-operator-key-Vb7Xq2Lp9Zr4";

/// Where a test's state lives: a data folder, and a PostgreSQL database when one is given.
pub struct Env {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// The vault key every command of this environment shares.
    pub master_key: String,
}

impl Env {
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> Self {
        let master_key = format!(
            "k1:{}",
            paragon_server::vault::MasterKeys::generate_encoded()
        );
        Self {
            data_dir,
            database_url,
            master_key,
        }
    }

    /// `paragon ARGS` with the storage of this environment and `RUST_LOG=trace`, so that the
    /// most talkative logs are the ones checked for secrets. Provider URLs may point at the
    /// sandbox on http://127.0.0.1 (`PARAGON_ALLOW_PRIVATE_PROVIDER_URLS`).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("PARAGON_DATA_DIR", &self.data_dir)
            .env("PARAGON_MASTER_KEY", &self.master_key)
            .env("PARAGON_ALLOW_PRIVATE_PROVIDER_URLS", "1")
            .env("PARAGON_ADMIN_KEY", ADMIN_KEY)
            .env("RUST_LOG", "trace");
        match &self.database_url {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        command
    }

    /// Runs a command that must succeed; returns (stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (String, String) {
        let output = self.command(args).output().expect("run paragon");
        assert!(
            output.status.success(),
            "paragon {args:?} failed: {}",
            text(&output.stderr)
        );
        (text(&output.stdout), text(&output.stderr))
    }

    /// Runs a command that must fail.
    pub fn run_failing(&self, args: &[&str]) -> Output {
        let output = self.command(args).output().expect("run paragon");
        assert!(!output.status.success(), "paragon {args:?} should fail");
        output
    }

    /// Starts `paragon serve --port 0`, with its stderr in `log`.
    pub fn serve(&self, log: &Path) -> Server {
        self.serve_with(&["serve", "--port", "0"], log)
    }

    /// Starts `paragon ARGS` (a `serve` command line), with its stderr in `log`.
    pub fn serve_with(&self, args: &[&str], log: &Path) -> Server {
        let log_file = std::fs::File::create(log).expect("a log file");
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("start paragon serve");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("paragon listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "the server did not start: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                )
            });
        Server { child, url }
    }
}

pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// The server's process id (its memory is in /proc/PID/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL: no shutdown, in-flight work is cut off.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the server with SIGTERM, as an operator would, and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The value after `label` on the line that starts with it.
pub fn field(output: &str, label: &str) -> String {
    output
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {label:?} in {output:?}"))
}

/// A fresh PostgreSQL database on the server of `base`, dropped by [`Database::drop`].
pub struct Database {
    pub url: String,
    name: String,
    base: String,
}

pub async fn fresh_database(base: &str) -> Database {
    use sqlx::Connection;
    let name = format!("paragon_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(base)
        .await
        .expect("PostgreSQL is reachable");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create database");
    Database {
        url: with_database(base, &name),
        name,
        base: base.to_owned(),
    }
}

impl Database {
    pub async fn drop(self) {
        use sqlx::Connection;
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.base).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// The same server and credentials, another database name.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{database}?{q}"),
        None => format!("{prefix}/{database}"),
    }
}
