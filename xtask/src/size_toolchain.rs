//! The toolchain the SDK's shipped wasm is built with: a pinned nightly that rebuilds std for
//! the size profile and with `panic = immediate-abort`.
//!
//! Why a nightly for that one artifact (docs/sdk.md, "Size"): std as rustup ships it links its
//! panic handler, which formats every panic's message and location (`core::fmt`'s padding and
//! integer printing, the payload plumbing, the locations' file names) although nothing in a
//! browser ever reads them. Rebuilding std with `-Cpanic=immediate-abort` turns each panic into
//! a trap, and `-Zfmt-debug=none -Zlocation-detail=none` drop what is left of `Debug` output and
//! panic locations: 5.0 KB less gzipped, measured on the same code. These options exist only on
//! nightly (`-Zbuild-std`), hence one dated nightly, pinned here. Everything else (the server,
//! the tests, the SDK's own browser tests, clippy) stays on the stable toolchain; the shipped
//! package is what the Node and Chromium suites test, so they test the nightly's output.
//!
//! Without the nightly (setup could not install it), the build says so and uses stable: the
//! same code and behaviour, 5 KB larger.

use std::process::Command;

use crate::process::{self, output};

/// The pinned nightly (rustc 1.97.0-nightly e50aa6fba 2026-05-19).
pub const TOOLCHAIN: &str = "nightly-2026-05-20";

/// The flags of the rebuilt std and of every crate of the SDK.
pub const RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none";

/// Cargo's arguments after wasm-pack's `--`: std rebuilt from `rust-src` with those flags.
pub const CARGO_ARGS: [&str; 2] = ["-Z", "build-std=std,panic_abort"];

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Whether the nightly with `rust-src` and the wasm32 target is installed.
pub fn installed() -> bool {
    let listed = |what: &str| {
        output(Command::new("rustup").arg(["+", TOOLCHAIN].concat()).args([
            what,
            "list",
            "--installed",
        ]))
        .unwrap_or_default()
    };
    listed("component").lines().any(|l| l.trim() == "rust-src")
        && listed("target").lines().any(|l| l.trim() == WASM_TARGET)
}

/// `cargo xtask setup`'s step: installs the nightly (minimal profile, `rust-src`, wasm32) once.
/// A machine that cannot fetch it is not an error: the build falls back to stable and says so.
pub fn setup() -> Result<String, String> {
    if installed() {
        return Ok(format!("{TOOLCHAIN} already installed"));
    }
    println!(
        "setup: size toolchain: installing {TOOLCHAIN} (minimal, rust-src, {WASM_TARGET}) with rustup (about a minute)"
    );
    let installed_now = process::run(
        Command::new("rustup")
            .args(["toolchain", "install", TOOLCHAIN, "--profile", "minimal"])
            .args(["--component", "rust-src", "--target", WASM_TARGET]),
    );
    match installed_now {
        Ok(()) if installed() => Ok(format!("installed {TOOLCHAIN}")),
        Ok(()) => Ok(format!(
            "{TOOLCHAIN} installed without rust-src or {WASM_TARGET}: the SDK will be built with stable (5 KB larger)"
        )),
        Err(e) => Ok(format!(
            "cannot install {TOOLCHAIN} ({e}): the SDK will be built with stable (5 KB larger)"
        )),
    }
}
