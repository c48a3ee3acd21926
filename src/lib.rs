//! `paragon-connect`: the browser SDK of the platform, Rust compiled to WebAssembly.
//!
//! The npm package's hand-written entry (`js/index.js`) builds the `paragon` object and loads
//! this module lazily; the functions exported to JS live in [`exports`] and stay thin over a
//! Rust core ([`config`], [`health`]) that Rust tests call directly.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod answers;
#[cfg(target_arch = "wasm32")]
mod call;
pub mod config;
pub mod error;
pub mod exports;
mod fetch;
#[cfg(target_arch = "wasm32")]
mod headers;
#[cfg(target_arch = "wasm32")]
mod headless;
pub mod health;
#[cfg(target_arch = "wasm32")]
mod install;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod listeners;
#[cfg(target_arch = "wasm32")]
mod outbox;
pub mod path;
#[cfg(target_arch = "wasm32")]
mod portal;
pub mod request;
pub mod retry;
#[cfg(target_arch = "wasm32")]
mod session;
#[cfg(target_arch = "wasm32")]
mod settings;
pub mod text;
pub mod token;
#[cfg(target_arch = "wasm32")]
pub mod wire;
pub mod workflow;

pub use error::SdkError;

/// The wasm's allocator: see `lol_alloc` in Cargo.toml for why not std's.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// The SDK's version, the same string the npm package's `getVersion()` returns.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// The SDK's unit tests run in headless Chromium under `wasm-pack test` (`cargo xtask test`).
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
