//! A `paragon serve` child process for the tests and the demo, stopped when dropped.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    thread,
    time::Duration,
};

use crate::project;

/// How long the server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct RunningServer {
    child: Child,
    /// The base URL it printed, e.g. `http://127.0.0.1:40123`.
    pub url: String,
}

impl RunningServer {
    /// Starts `paragon serve` with `args` (add `--port 0` for a free port), logs to `log`, and
    /// waits for the `paragon listening on URL` line.
    pub fn start(args: &[&str], extra_env: &[(&str, &str)], log: &Path) -> Result<Self, String> {
        let extra_env = extra_env.iter().copied();
        let log_file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(project::paragon_bin())
            .arg("serve")
            .args(args)
            // The embedded SQLite of `--data-dir`, whatever the caller's shell exports.
            .env_remove("DATABASE_URL")
            .envs(extra_env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", project::paragon_bin().display()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the server's stdout is not piped")?;
        let (tx, rx) = mpsc::channel();
        // The reader keeps draining stdout after the first line so the child never blocks on it.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("paragon listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => Ok(Self { child, url }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "the server did not start; its log is {}",
                    log.display()
                ))
            }
        }
    }

    /// Serves until the server exits or `stop` is set (by a signal handler); then stops it.
    pub fn wait_until(mut self, stop: &AtomicBool) -> Result<(), String> {
        while !stop.load(Ordering::SeqCst) {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("the server exited ({status})"));
            }
            thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago, for tools that must be told a port before they start
/// (the wasm-bindgen test runner). The window between dropping and reuse is tiny on loopback.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}
