//! `cargo xtask demo`: for now, the platform alone: builds and starts `paragon serve` on
//! 127.0.0.1:8080 with its state in `.demo/`, prints its URL, and stops on Ctrl-C. The demo app
//! of the guide (`www/`), the sandbox and `--headless` come with the demo issue.

use std::sync::{Arc, atomic::AtomicBool};

use crate::{build, project, server::RunningServer};

const PORT: &str = "8080";
/// The origin the demo app will be served from.
const APP_ORIGIN: &str = "http://127.0.0.1:3000";

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(flag) = args.first() {
        return Err(format!(
            "`cargo xtask demo {flag}` is not available yet: the guided demo (www/, the HubSpot \
             sandbox, --headless) is not built; `cargo xtask demo` starts the platform alone"
        ));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::SeqCst))
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    build::server()?;
    let state = project::root().join(".demo");
    std::fs::create_dir_all(&state)
        .map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let data = state.join("data");
    let data = data.to_string_lossy();
    let server = RunningServer::start(
        &[
            "--port",
            PORT,
            "--data-dir",
            &data,
            "--allowed-origin",
            APP_ORIGIN,
            "--demo",
        ],
        &[],
        &state.join("paragon.log"),
    )?;
    println!("demo: the platform is running at {}", server.url);
    println!(
        "demo: try {}/healthz; its log is .demo/paragon.log; Ctrl-C stops it",
        server.url
    );
    server.wait_until(&stop)?;
    println!("demo: stopped");
    Ok(())
}
