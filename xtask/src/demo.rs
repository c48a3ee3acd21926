//! `cargo xtask demo`: the guide, running. It builds what is needed, then starts the HubSpot
//! and Salesforce stand-ins, the platform and the demo app "Acme CRM" (`www/`) on 127.0.0.1,
//! with the project, signing key, both CRMs' apps, the guide's App Event and a workflow to each
//! CRM set up (see `stack`).
//!
//! Interactive (default): fixed ports, state in `.demo/` (reused by the next run; `--reset`
//! starts over), prints the app's URL and the guide's steps, stops everything on Ctrl-C.
//! `--headless`: free ports and a fresh state under `target/e2e/`, and Chromium walks the guide
//! (`www/e2e/walk.mjs`), printing each step with its time; the exit status says how it went.

mod app_webhooks;
mod deploy_dir;
mod hubspot;
mod salesforce;
mod stack;
mod state;
mod users;

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
use stack::{Mode, Ports, Stack, Steps};

const USAGE: &str = "usage: cargo xtask demo [--reset | --headless]";

/// `--help`: what runs where, from the ports the demo uses.
fn help() -> String {
    let Ports {
        app,
        platform,
        hubspot,
        salesforce,
    } = Ports::INTERACTIVE;
    format!(
        "{USAGE}\n\n\
         Builds what is needed, then runs the guide's demo on 127.0.0.1 until Ctrl-C:\n  \
         http://127.0.0.1:{app:<5}  Acme CRM, the demo app (www/)\n  \
         http://127.0.0.1:{platform:<5}  the platform (paragon serve --demo)\n  \
         http://127.0.0.1:{hubspot:<5}  HubSpot's stand-in (hubspot-sandbox), an account per demo user\n  \
         http://127.0.0.1:{salesforce:<5}  Salesforce's stand-in (salesforce-sandbox), an org per demo user\n\
         The project, its keys and the users' settings stay in .demo/ for the next run.\n\n  \
         --reset     start from a fresh .demo/\n  \
         --headless  instead, Chromium walks the guide on free ports with a fresh state under\n              \
         target/e2e/, a screenshot a step; the exit status says how it went"
    )
}

pub fn run(args: &[String]) -> Result<(), String> {
    let (mut headless, mut reset) = (false, false);
    for arg in args {
        match arg.as_str() {
            "--headless" => headless = true,
            "--reset" => reset = true,
            "-h" | "--help" => {
                println!("{}", help());
                return Ok(());
            }
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
        hubspot,
        salesforce,
        ..
    } = &mut stack;
    let result = serve_until(&mut [app, platform, hubspot, salesforce], &stop);
    drop(stack);
    println!("demo: stopped");
    result
}

fn print_guide(stack: &Stack) {
    let first = &stack.users[0];
    let names: Vec<&str> = stack.users.iter().map(|u| u.name.as_str()).collect();
    let org = salesforce::org_of(&stack.salesforce.url, &first.salesforce_username)
        .unwrap_or_else(|_| "ORG_ID".into());
    println!(
        "\nAcme CRM is running at {app}\n\n\
         1. Open it and sign in as a demo user ({names}).\n\
         2. Connect HubSpot, Salesforce or both; each button opens that CRM's Connect Portal.\n   \
         HubSpot: in HubSpot's window choose the user's account (for {name}: {hub}), Grant access;\n     \
         in the portal's Configuration tab choose the contacts' owner and where the phone goes\n     \
         (Save), and turn on \"Sync new contacts to HubSpot\".\n   \
         Salesforce: in Salesforce's window log in as the user's org (for {name}:\n     \
         {username}), Allow; in the portal's Configuration tab turn on\n     \
         \"Sync new contacts to Salesforce\".\n\
         3. Create a contact. Its workflow runs, one per CRM it goes to, appear under \"Workflow\n   \
         runs\"; the contact is in the user's HubSpot account and Salesforce org:\n   \
         {hubspot}/_sandbox/accounts/{hub}/contacts\n   \
         {salesforce}/_sandbox/orgs/{org}/records\n\
         4. Edit that contact in HubSpot, as {name} would in HubSpot's UI (the stand-in's knob):\n     \
         {edit}\n   \
         HubSpot sends the change to the platform, whose workflow \"Send HubSpot contact changes to\n   \
         Acme CRM\" tells the app's backend (a signed webhook); the page lists it under \"From\n   \
         your CRMs\" within seconds.\n\
         5. The operator console is at {platform}/console: sign in with the project's API key\n   \
         (`apiKey` in .demo/state.json; not printed here, so that it stays out of terminal logs)\n   \
         to see every run in Task History, read a failed one and replay it.\n\n\
         The platform is at {platform}; logs and state are in .demo/. Ctrl-C stops everything.",
        app = stack.app.url,
        names = names.join(", "),
        name = first.name,
        hub = first.hub_id,
        username = first.salesforce_username,
        hubspot = stack.hubspot.url,
        salesforce = stack.salesforce.url,
        platform = stack.platform.url,
        edit = hubspot::edit_contact_hint(&stack.hubspot.url, first.hub_id),
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
        .env("DEMO_HUBSPOT_URL", &stack.hubspot.url)
        .env("DEMO_SALESFORCE_URL", &stack.salesforce.url)
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
