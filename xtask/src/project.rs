//! Where things are: the workspace root and the tools the project installs for itself.
//!
//! Tools live inside the checkout (`target/tools/bin`, `node_modules/.bin`) and are called by
//! path, so nothing depends on the user's PATH and no other project's versions are touched.

use std::path::{Path, PathBuf};

/// The workspace root (the folder of the root `Cargo.toml`).
pub fn root() -> PathBuf {
    // xtask/ is one level below the root; CARGO_MANIFEST_DIR is fixed at compile time.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `cargo install --root` of the project's Rust tools.
pub fn tools_root() -> PathBuf {
    root().join("target/tools")
}

pub fn wasm_bindgen() -> PathBuf {
    tools_root().join("bin/wasm-bindgen")
}

pub fn wasm_bindgen_test_runner() -> PathBuf {
    tools_root().join("bin/wasm-bindgen-test-runner")
}

/// The version of wasm-pack `cargo xtask setup` installs (`cargo install --locked`).
pub const WASM_PACK_VERSION: &str = "0.15.1";

pub fn wasm_pack() -> PathBuf {
    tools_root().join("bin/wasm-pack")
}

/// The `PATH` for wasm-pack: the project's own wasm-bindgen (the pinned version) and
/// binaryen's wasm-opt first, so that wasm-pack finds them instead of downloading its own
/// (there is no network for that here, and its downloads would not be the pinned versions).
pub fn wasm_pack_path() -> std::ffi::OsString {
    let mut dirs = vec![tools_root().join("bin"), root().join("node_modules/.bin")];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// binaryen's wasm-opt from npm (Debian's is too old: its output fails in Chromium).
pub fn wasm_opt() -> PathBuf {
    root().join("node_modules/.bin/wasm-opt")
}

/// The JS minifier the SDK build runs on the generated glue (from package-lock.json).
pub fn terser() -> PathBuf {
    root().join("node_modules/.bin/terser")
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The server binary the tests and the demo run.
pub fn paragon_bin() -> PathBuf {
    root().join("target/debug/paragon")
}

/// The HubSpot sandbox binary the browser tests and the demo run.
pub fn sandbox_bin() -> PathBuf {
    root().join("target/debug/hubspot-sandbox")
}

/// The Salesforce stand-in the demo runs.
pub fn salesforce_sandbox_bin() -> PathBuf {
    root().join("target/debug/salesforce-sandbox")
}

pub fn pkg_dir() -> PathBuf {
    root().join("pkg")
}

/// The workspace version (the SDK, the server and the npm package share it).
pub fn version() -> Result<String, String> {
    workspace_value("version")
}

/// The exact wasm-bindgen version the root manifest pins with `=`.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let manifest = read_manifest()?;
    manifest
        .lines()
        .find_map(|line| line.trim().strip_prefix("wasm-bindgen = \"="))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .ok_or_else(|| {
            "the root Cargo.toml must pin wasm-bindgen as `wasm-bindgen = \"=X.Y.Z\"`".into()
        })
}

fn workspace_value(key: &str) -> Result<String, String> {
    let manifest = read_manifest()?;
    let section = manifest
        .split("[workspace.package]")
        .nth(1)
        .ok_or("the root Cargo.toml has no [workspace.package]")?;
    section
        .lines()
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| format!("[workspace.package] has no {key}"))
}

fn read_manifest() -> Result<String, String> {
    let path = root().join("Cargo.toml");
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
