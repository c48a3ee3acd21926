//! Child servers for the tests and the demo (`paragon serve`, `hubspot-sandbox`, the demo
//! app), each stopped when dropped.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    thread,
    time::Duration,
};

use crate::{process::describe, project};

/// How long a server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct RunningServer {
    child: Child,
    /// Its name, as it prints it in `NAME listening on URL`.
    pub name: String,
    /// The base URL it printed, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Where its stderr goes.
    pub log: PathBuf,
}

impl RunningServer {
    /// Starts `paragon serve` with `args` (add `--port 0` for a free port), logs to `log`, and
    /// waits for the `paragon listening on URL` line.
    pub fn start(args: &[&str], extra_env: &[(&str, &str)], log: &Path) -> Result<Self, String> {
        let mut command = Command::new(project::paragon_bin());
        command
            .arg("serve")
            .args(args)
            // The embedded SQLite of `--data-dir`, whatever the caller's shell exports.
            .env_remove("DATABASE_URL")
            .envs(extra_env.iter().copied());
        Self::spawn(command, "paragon", log)
    }

    /// Starts `command`, sends its stderr to `log`, and waits for the line
    /// `{name} listening on URL` on its stdout (every server of the project prints one, so
    /// that `--port 0` works: the OS picks the port and the line tells it).
    pub fn spawn(mut command: Command, name: &str, log: &Path) -> Result<Self, String> {
        let log_file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", describe(&command)))?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the server's stdout is not piped")?;
        let (tx, rx) = mpsc::channel();
        let prefix = format!("{name} listening on ");
        // The reader keeps draining stdout after the first line so the child never blocks on it.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix(&prefix) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        // A child that exits closes stdout, which ends the reader and this wait at once.
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => Ok(Self {
                child,
                name: name.to_owned(),
                url,
                log: log.to_owned(),
            }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "{name} did not start{}; its log is {}",
                    last_line(log).map(|l| format!(": {l}")).unwrap_or_default(),
                    log.display()
                ))
            }
        }
    }
}

/// Serves until one of `servers` exits (an error naming it) or `stop` is set (by a signal
/// handler). Dropping the servers afterwards stops them.
pub fn serve_until(servers: &mut [&mut RunningServer], stop: &AtomicBool) -> Result<(), String> {
    while !stop.load(Ordering::SeqCst) {
        for server in servers.iter_mut() {
            if let Some(status) = server.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!(
                    "{} exited ({status}); its log is {}",
                    server.name,
                    server.log.display()
                ));
            }
        }
        thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

impl Drop for RunningServer {
    /// SIGTERM first, so that the server shuts down cleanly; SIGKILL if it is not gone soon.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status();
        for _ in 0..30 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last non-empty line of a log, to say why a server did not start.
fn last_line(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
}

/// A port that was free a moment ago, for tools that must be told a port before they start
/// (the wasm-bindgen test runner). The window between dropping and reuse is tiny on loopback.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}
