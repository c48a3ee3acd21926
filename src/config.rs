//! The SDK's global configuration: where the platform lives.
//!
//! Unlike Paragon's `configureGlobal`, which keeps only the hostname and forces `https://` on
//! every service, the host here is one full base URL (scheme, host, port, optional path
//! prefix), because a self-hosted platform serves every path from one origin.

use std::cell::RefCell;

use crate::SdkError;

/// The base URL of the platform, without a trailing slash: `http://127.0.0.1:8080`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host(String);

impl Host {
    /// The base URL as the JS entry hands it over, without its trailing slashes. The entry
    /// (`normalizeHost` in js/index.js, the only caller of the wasm's `configureGlobal`) has
    /// checked it with the browser's URL parser and refused what is not an http(s) base URL
    /// with `INVALID_HOST` (tests/package_import.test.mjs); checking it again here cost 0.5 KB
    /// of gzipped wasm for a value nothing else passes.
    pub fn new(base_url: &str) -> Self {
        // Bytes: `trim_end_matches('/')` brought core's `char` searcher.
        let slashes = base_url.bytes().rev().take_while(|b| *b == b'/').count();
        Self(base_url[..base_url.len() - slashes].to_owned())
    }

    /// The absolute URL of `path` (which starts with `/`) on this host.
    pub fn url(&self, path: &str) -> String {
        crate::text::concat(&[self.0.as_str(), path])
    }

    /// The base URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

thread_local! {
    // wasm32 in the browser is single-threaded: one configuration per loaded module.
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
}

/// Sets the platform's base URL (normalized by the JS entry) for every later call.
pub fn configure(host: &str) {
    let host = Host::new(host);
    HOST.with(|cell| *cell.borrow_mut() = Some(host));
}

/// The configured base URL, or [`SdkError::NotConfigured`].
pub fn host() -> Result<Host, SdkError> {
    HOST.with(|cell| cell.borrow().clone())
        .ok_or(SdkError::NotConfigured)
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_full_base_url_keeps_its_port_and_loses_the_trailing_slash() {
        let host = Host::new("http://127.0.0.1:8080/");
        assert_eq!(host.url("/healthz"), "http://127.0.0.1:8080/healthz");
    }

    #[test]
    fn a_path_prefix_is_kept_for_platforms_behind_a_reverse_proxy() {
        let host = Host::new("https://example.com/paragon");
        assert_eq!(host.url("/healthz"), "https://example.com/paragon/healthz");
    }

    #[test]
    fn calls_before_configure_say_so() {
        HOST.with(|cell| *cell.borrow_mut() = None);
        assert_eq!(host(), Err(SdkError::NotConfigured));
        configure("http://localhost:1");
        assert_eq!(host().expect("configured").as_str(), "http://localhost:1");
    }
}
