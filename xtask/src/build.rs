//! `cargo xtask build`: the SDK into `pkg/`, the `paragon` server and the stand-ins'
//! binaries (`hubspot-sandbox`, `salesforce-sandbox`, `sendgrid-sandbox`).
//!
//! The SDK: `wasm-pack build` (cargo for wasm32 with the size profile → `wasm-bindgen
//! --target web` → `wasm-opt -Oz`), then the npm package around it: the hand-written entry
//! (`js/index.js` with the version and the names it shares with the wasm, from
//! `paragon_protocol::browser`, put in front of it and minified; `js/index.d.ts`) and
//! `package.json`.

use std::{fs, path::Path, process::Command};

use crate::{
    process::{self, cargo},
    project, short_names, size_toolchain,
};

/// The generated wasm-bindgen module and its wasm, as the entry imports them.
const GLUE: &str = "paragon_connect.js";
const WASM: &str = "paragon_connect_bg.wasm";
/// How js/index.js imports the version and the names it shares with the wasm, which the build
/// puts in front of it (generated from `paragon_protocol::browser`).
const CONSTANTS_IMPORT: &str = "import { CODE, EVENTS, MESSAGE, VERSION } from \"./constants.js\";";

pub fn run() -> Result<(), String> {
    sdk()?;
    servers()
}

pub fn sdk() -> Result<(), String> {
    let root = project::root();
    let pkg = project::pkg_dir();
    // wasm-pack: cargo for wasm32 with the size profile, then the project's wasm-bindgen (the
    // pinned version, found first on PATH) for `--target web`, then binaryen's wasm-opt with
    // the flags of `[package.metadata.wasm-pack.profile.custom]` in Cargo.toml. `--no-pack`:
    // the package manifest and entry are written below, not by wasm-pack.
    let mut command = Command::new(project::wasm_pack());
    command
        .args([
            "--verbose",
            "build",
            "--mode",
            "no-install",
            "--target",
            "web",
        ])
        .args(["--profile", "wasm-release", "--no-typescript", "--no-pack"])
        .args(["--out-name", "paragon_connect", "--out-dir"])
        .arg(&pkg)
        .arg(&root)
        .env("PATH", project::wasm_pack_path());
    // The shipped wasm on the pinned nightly that rebuilds std without its panic formatting
    // (size_toolchain.rs); on stable when setup could not install it.
    if size_toolchain::installed() {
        println!(
            "build: SDK with {} and std rebuilt for size",
            size_toolchain::TOOLCHAIN
        );
        command
            .arg("--")
            .args(size_toolchain::CARGO_ARGS)
            .env("RUSTUP_TOOLCHAIN", size_toolchain::TOOLCHAIN)
            .env("RUSTFLAGS", size_toolchain::RUSTFLAGS);
    } else {
        println!(
            "build: SDK with stable Rust: {} is not installed (cargo xtask setup), so the wasm is about 5 KB larger",
            size_toolchain::TOOLCHAIN
        );
    }
    process::run(&mut command)?;
    let wasm = pkg.join(WASM);
    let glue = pkg.join(GLUE);
    shorten_names(&wasm, &glue)?;
    // What a page loads is minified (terser, from package-lock.json): the generated glue
    // carries a JSDoc comment and long names per export, the entry its comments; together
    // 3.7 KB less gzipped. The readable entry is js/index.js, its types js/index.d.ts.
    minify(&glue, &glue, None)?;
    let version = project::version()?;
    // The entry with the names it shares with the wasm put in front of it, as one file: a
    // module of its own cost a request and 0.4 KB gzipped (its own stream, `export`s, the
    // import). js/index.js imports them from `./constants.js`, which only this step resolves.
    let entry = root.join("js/index.js");
    let source =
        fs::read_to_string(&entry).map_err(|e| format!("cannot read {}: {e}", entry.display()))?;
    if source.matches(CONSTANTS_IMPORT).count() != 1 {
        return Err(format!(
            "js/index.js must import its shared names with exactly one `{CONSTANTS_IMPORT}`"
        ));
    }
    let bundled = [
        constants_module(&version).as_str(),
        &source.replacen(CONSTANTS_IMPORT, "", 1),
    ]
    .concat();
    let staged = root.join("target/sdk-entry.js");
    write(&staged, &bundled)?;
    minify(
        &staged,
        &pkg.join("index.js"),
        Some(
            "// paragon-connect: minified from js/index.js and the names of protocol/src/browser.rs; types and docs in index.d.ts",
        ),
    )?;
    fs::copy(root.join("js/index.d.ts"), pkg.join("index.d.ts"))
        .map_err(|e| format!("cannot copy js/index.d.ts into pkg/: {e}"))?;
    write(&pkg.join("package.json"), &package_json(&version)?)?;
    let package = ["index.js", "index.d.ts", GLUE, WASM, "package.json"];
    for file in package {
        if !pkg.join(file).exists() {
            return Err(format!("pkg/{file} is missing after the build"));
        }
    }
    remove_stale(&pkg, &package)?;
    println!(
        "build: SDK written to {} ({} bytes of wasm)",
        pkg.display(),
        size(&wasm)
    );
    Ok(())
}

/// The wasm's imports and runtime exports renamed short in the wasm and the glue alike
/// (`short_names.rs`: 4 KB less gzipped).
fn shorten_names(wasm: &Path, glue: &Path) -> Result<(), String> {
    let read_error =
        |path: &Path, e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let module = fs::read(wasm).map_err(|e| read_error(wasm, e))?;
    let text = fs::read_to_string(glue).map_err(|e| read_error(glue, e))?;
    let (module, text) = short_names::shorten(&module, &text)
        .map_err(|e| format!("cannot shorten the names of {}: {e}", wasm.display()))?;
    fs::write(wasm, module).map_err(|e| format!("cannot write {}: {e}", wasm.display()))?;
    write(glue, &text)
}

/// The platform and the local providers (HubSpot, Salesforce, SendGrid) the demo and the
/// browser tests run.
pub fn servers() -> Result<(), String> {
    process::run(&mut cargo([
        "build",
        "--package",
        "paragon-server",
        "--bin",
        "paragon",
        "--package",
        "hubspot-sandbox",
        "--bin",
        "hubspot-sandbox",
        // The Salesforce stand-in the jsforce suite (tests/salesforce_sandbox.test.mjs) runs.
        "--bin",
        "salesforce-sandbox",
        // The SendGrid stand-in, an api_key provider (tests/sendgrid_sandbox.test.mjs).
        "--bin",
        "sendgrid-sandbox",
    ]))?;
    println!(
        "build: server at {}, sandbox at {}",
        project::paragon_bin().display(),
        project::sandbox_bin().display()
    );
    Ok(())
}

/// The declarations the entry imports from `./constants.js`: the version and
/// `paragon_protocol::browser`'s names, not exported (they are the entry's, not the package's).
fn constants_module(version: &str) -> String {
    [
        "const VERSION = ",
        &serde_json::Value::from(version).to_string(),
        ";\n",
        &paragon_protocol::browser::sdk_module().replace("export const ", "const "),
    ]
    .concat()
}

/// The npm manifest of `paragon-connect`. `sideEffects` names only the entry, which sets
/// `window.paragon`; the generated module has none, so bundlers may drop what is unused.
/// Written as text: the conditions of `exports` are matched in order (`types` first,
/// `default` last), and `serde_json::json!` would sort them.
fn package_json(version: &str) -> Result<String, String> {
    let version = serde_json::to_string(version).map_err(|e| e.to_string())?;
    Ok(format!(
        r#"{{
  "name": "paragon-connect",
  "version": {version},
  "description": "Connect your users' HubSpot and other accounts to your app: the browser SDK of an open, self-hostable embedded-integration platform (Rust/WebAssembly).",
  "license": "Apache-2.0",
  "type": "module",
  "main": "./index.js",
  "module": "./index.js",
  "types": "./index.d.ts",
  "exports": {{
    ".": {{
      "types": "./index.d.ts",
      "import": "./index.js",
      "default": "./index.js"
    }},
    "./package.json": "./package.json"
  }},
  "files": ["index.js", "index.d.ts", "{GLUE}", "{WASM}"],
  "sideEffects": ["./index.js"],
  "keywords": ["paragon", "hubspot", "oauth", "integrations", "wasm"]
}}
"#
    ))
}

/// `terser --module --compress --mangle` from `input` to `output`, with an optional first line.
fn minify(input: &Path, output: &Path, preamble: Option<&str>) -> Result<(), String> {
    let mut command = Command::new(project::terser());
    command
        .arg(input)
        .args(["--module", "--compress", "passes=2", "--mangle", "-o"])
        .arg(output);
    if let Some(preamble) = preamble {
        // A format option, parsed by terser as a JS string literal.
        let literal = serde_json::to_string(preamble).map_err(|e| e.to_string())?;
        command.args(["--format", &["preamble=", &literal].concat()]);
    }
    process::run(&mut command)
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn size(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Removes what an earlier build left in `pkg/` that this one no longer writes (a renamed
/// module), so that the package holds exactly what `package` names: `pkg/` is written by the
/// build alone.
fn remove_stale(pkg: &std::path::Path, package: &[&str]) -> Result<(), String> {
    let entries = fs::read_dir(pkg).map_err(|e| format!("cannot list {}: {e}", pkg.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", pkg.display()))?
            .path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if package.contains(&name) {
            continue;
        }
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(|e| format!("cannot remove stale {}: {e}", path.display()))?;
    }
    Ok(())
}
