//! `cargo xtask …`: the one entry for setting up a machine, building, testing and the demo.
//!
//! Every step prints one line saying what it did or skipped, so a CI log reads as a checklist.
#![forbid(unsafe_code)]

mod bench;
mod build;
mod demo;
mod http;
mod postgres;
mod process;
mod project;
mod server;
mod setup;
mod short_names;
mod size_toolchain;
mod suite;
mod test;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install what the build and the tests need (skips what is there)
  build   build the SDK into pkg/, the paragon server and the stand-ins (HubSpot, Salesforce,
          SendGrid) (--sdk: only the SDK, e.g. to weigh a change with `bench`)
  test    setup, then fmt, clippy, host tests, SDK browser tests, Node browser tests, the demo walk
  demo    the guide's demo: the HubSpot and Salesforce stand-ins, the platform and the app;
          Ctrl-C stops it (--reset: start from a fresh state; --headless: Chromium walks the
          guide instead; --help: the ports)
  bench   measure (so far: the SDK's gzip -9 transfer size beside Paragon's)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(),
        Some("build") if args.get(1).map(String::as_str) == Some("--sdk") => build::sdk(),
        Some("build") => build::run(),
        Some("test") => test::run(),
        Some("demo") => demo::run(&args[1..]),
        Some("bench") => bench::run(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
