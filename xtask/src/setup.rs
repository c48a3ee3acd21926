//! `cargo xtask setup`: installs what is missing and nothing else, one line per step
//! (docs/decisions.md, "The project's tools live in the checkout", says why they are where they are).

use std::{path::Path, process::Command};

use crate::{
    process::{self, cargo, output},
    project, size_toolchain,
};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The oldest binaryen whose output Chromium accepts (Debian's 108 is not one).
const MIN_WASM_OPT: u32 = 116;
const MIN_NODE: u32 = 20;

pub fn run() -> Result<(), String> {
    step("node", node)?;
    step("wasm32 target", wasm_target)?;
    step("size toolchain", size_toolchain::setup)?;
    step("wasm-bindgen-cli", wasm_bindgen_cli)?;
    step("wasm-pack", wasm_pack)?;
    step("npm packages", npm_packages)?;
    step("wasm-opt", wasm_opt)?;
    step("chromium", chromium)?;
    Ok(())
}

/// Runs one step and prints `setup: <name>: <what happened>`.
fn step(name: &str, f: fn() -> Result<String, String>) -> Result<(), String> {
    match f() {
        Ok(done) => {
            println!("setup: {name}: {done}");
            Ok(())
        }
        Err(e) => {
            println!("setup: {name}: FAILED");
            Err(format!("setup step {name:?}: {e}"))
        }
    }
}

fn node() -> Result<String, String> {
    let version = output(Command::new("node").arg("--version"))
        .ok_or("Node.js is not installed: install Node.js 20 or newer (https://nodejs.org)")?;
    let major: u32 = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < MIN_NODE {
        return Err(format!(
            "Node.js {} is too old: install {MIN_NODE} or newer",
            version.trim()
        ));
    }
    Ok(format!("found {}", version.trim()))
}

fn wasm_target() -> Result<String, String> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("rustup is not available: install Rust with rustup (https://rustup.rs)")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok("already installed".into());
    }
    process::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    Ok("installed".into())
}

fn wasm_bindgen_cli() -> Result<String, String> {
    let wanted = project::wasm_bindgen_version()?;
    let have = |bin: &Path| output(Command::new(bin).arg("--version"));
    let expected = format!("wasm-bindgen {wanted}");
    let bin = project::wasm_bindgen();
    if have(&bin).is_some_and(|v| v.trim() == expected)
        && project::wasm_bindgen_test_runner().exists()
    {
        return Ok(format!("{wanted} already installed"));
    }
    // Not `--locked`: one of the CLI's locked dependency versions is missing from the
    // registry, so a locked install fails. The version must equal the pinned crate's, hence `=`.
    let root = project::tools_root();
    process::run(
        cargo(["install", "wasm-bindgen-cli", "--force", "--version"])
            .arg(format!("={wanted}"))
            .arg("--root")
            .arg(&root),
    )?;
    Ok(format!("installed {wanted} into {}", root.display()))
}

fn wasm_pack() -> Result<String, String> {
    let wanted = project::WASM_PACK_VERSION;
    let bin = project::wasm_pack();
    let have = output(Command::new(&bin).arg("--version"));
    if have.is_some_and(|v| v.trim() == format!("wasm-pack {wanted}")) {
        return Ok(format!("{wanted} already installed"));
    }
    println!("setup: wasm-pack: installing {wanted} with cargo install (about 2 minutes)");
    let root = project::tools_root();
    process::run(
        cargo(["install", "wasm-pack", "--locked", "--force", "--version"])
            .arg(format!("={wanted}"))
            .arg("--root")
            .arg(&root),
    )?;
    Ok(format!("installed {wanted} into {}", root.display()))
}

fn npm_packages() -> Result<String, String> {
    let root = project::root();
    let lock = std::fs::read(root.join("package-lock.json"))
        .map_err(|e| format!("cannot read package-lock.json: {e}"))?;
    // After each `npm ci`, a copy of the lock it installed: the tree matches the lock as long
    // as the two are the same bytes. (Modification times are not enough: a restored cache or a
    // copy with preserved times leaves an old tree looking newer than a changed lock.)
    let stamp = root.join("node_modules/.paragon-setup-lock.json");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok("node_modules matches package-lock.json".into());
    }
    process::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&root),
    )?;
    std::fs::write(&stamp, &lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok("installed from package-lock.json (npm ci)".into())
}

fn wasm_opt() -> Result<String, String> {
    let bin = project::wasm_opt();
    let version = output(Command::new(&bin).arg("--version")).ok_or_else(|| {
        format!(
            "{} does not run: `npm ci` should have installed binaryen",
            bin.display()
        )
    })?;
    // "wasm-opt version 123 (version_123)"
    let number: u32 = version
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if number < MIN_WASM_OPT {
        return Err(format!(
            "{} is too old ({}); need {MIN_WASM_OPT}+",
            bin.display(),
            version.trim()
        ));
    }
    Ok(format!("found {}", version.trim()))
}

fn chromium() -> Result<String, String> {
    if Path::new(project::CHROMIUM).exists() && Path::new(project::CHROMEDRIVER).exists() {
        let version = output(Command::new(project::CHROMIUM).arg("--version")).unwrap_or_default();
        return Ok(format!("found {}", version.trim()));
    }
    let install = "apt-get update && apt-get install -y chromium chromium-driver";
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !is_root || !Path::new("/usr/bin/apt-get").exists() {
        return Err(format!(
            "{} and {} are needed; on Debian or Ubuntu run as root: {install}",
            project::CHROMIUM,
            project::CHROMEDRIVER
        ));
    }
    process::run(
        Command::new("sh")
            .args(["-c", install])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    Ok("installed chromium and chromium-driver with apt-get".into())
}
