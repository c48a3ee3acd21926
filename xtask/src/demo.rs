//! `cargo xtask demo`: the guide, running. It builds what is needed, then starts the HubSpot
//! sandbox, the platform and the demo app "Acme CRM" (`www/`) on 127.0.0.1, with the project,
//! signing key, HubSpot app and the guide's App Event and workflow set up (see `stack`).
//!
//! Interactive (default): fixed ports, state in `.demo/` (reused by the next run; `--reset`
//! starts over), prints the app's URL and the guide's steps, stops everything on Ctrl-C.
//! `--headless`: free ports and a fresh state under `target/e2e/`, and Chromium walks the guide
//! (`www/e2e/walk.mjs`), printing each step with its time; the exit status says how it went.

mod stack;
mod state;

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use crate::{
    build, project,
    server::serve_until,
    setup,
    suite::{self, Report, Tally},
};
use stack::{Mode, Stack, Steps};

const USAGE: &str = "usage: cargo xtask demo [--reset | --headless]";

pub fn run(args: &[String]) -> Result<(), String> {
    let (mut headless, mut reset) = (false, false);
    for arg in args {
        match arg.as_str() {
            "--headless" => headless = true,
            "--reset" => reset = true,
            other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
        }
    }
    setup::run()?;
    build::run()?;
    if headless {
        let tally = walk_headless();
        return match tally.failed {
            0 => Ok(()),
            n => Err(format!("the headless walk failed ({n} failed)")),
        };
    }
    interactive(reset)
}

fn interactive(reset: bool) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    let steps = Steps::new();
    let mut stack = Stack::start(Mode::Interactive { reset }, &steps)?;
    print_guide(&stack);
    let Stack {
        app,
        platform,
        sandbox,
        ..
    } = &mut stack;
    let result = serve_until(&mut [app, platform, sandbox], &stop);
    drop(stack);
    println!("demo: stopped");
    result
}

fn print_guide(stack: &Stack) {
    let first = &stack.users[0];
    let names: Vec<&str> = stack.users.iter().map(|u| u.name.as_str()).collect();
    println!(
        "\nAcme CRM is running at {app}\n\n\
         1. Open it and sign in as a demo user ({names}).\n\
         2. Press Connect HubSpot. In HubSpot's window choose that user's account (for {name}: \
         {hub}) and press Grant access;\n   then, in the portal's Configuration tab, choose the \
         contacts' owner and where the phone goes (Save),\n   turn on \"Sync new contacts to \
         HubSpot\" and close the portal.\n\
         3. Create a contact. Its workflow run appears under \"Workflow runs\", and the contact in \
         the user's HubSpot:\n   {sandbox}/_sandbox/accounts/{hub}/contacts\n\n\
         The platform is at {platform}; logs and state are in .demo/. Ctrl-C stops everything.",
        app = stack.app.url,
        names = names.join(", "),
        name = first.name,
        hub = first.hub_id,
        sandbox = stack.sandbox.url,
        platform = stack.platform.url,
    );
}

/// The guide walked in headless Chromium against a fresh demo on free ports, as one suite of
/// `cargo xtask test` (its steps are counted) and as `cargo xtask demo --headless`.
pub fn walk_headless() -> Tally {
    let root = project::root();
    let out = root.join("target/e2e");
    let steps = Steps::new();
    let stack = match Stack::start(Mode::Headless, &steps) {
        Ok(stack) => stack,
        Err(e) => {
            println!("<== demo walk: FAILED to start the demo: {e}");
            return Tally {
                passed: 0,
                failed: 1,
            };
        }
    };
    let mut walk = Command::new("node");
    walk.arg(root.join("www/e2e/walk.mjs"))
        .current_dir(&root)
        .env("DEMO_APP_URL", &stack.app.url)
        .env("DEMO_SANDBOX_URL", &stack.sandbox.url)
        .env("DEMO_SETTINGS", &stack.settings)
        .env("DEMO_SCREENSHOTS", &out)
        .env("CHROMIUM", project::CHROMIUM);
    let tally = suite::run(
        "demo walk (the guide in headless Chromium)",
        &mut walk,
        Report::Tap,
    );
    drop(stack);
    tally
}
