//! The SDK's global configuration: where the platform lives.
//!
//! Unlike Paragon's `configureGlobal`, which keeps only the hostname and forces `https://` on
//! every service, the host here is one full base URL (scheme, host, port, optional path
//! prefix), because a self-hosted platform serves every path from one origin.

use std::cell::RefCell;

use paragon_protocol::browser::message;

use crate::SdkError;

/// The base URL of the platform, without a trailing slash: `http://127.0.0.1:8080`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host(String);

impl Host {
    /// Checks and normalizes a base URL. The JS entry has already run it through the browser's
    /// URL parser; this keeps the same rules for callers of the wasm module itself. Spaces are
    /// ASCII's: the URL parser has refused any other already, and `str::trim` and
    /// `char::is_whitespace` brought Unicode's tables (0.2 KB of gzipped wasm).
    pub fn parse(value: &str) -> Result<Self, SdkError> {
        let invalid = |reason: &str| {
            SdkError::InvalidHost(crate::text::concat(&["\"", value, "\": ", reason]))
        };
        let value = value.trim_ascii();
        let lower = value.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(|| invalid(message::NOT_AN_HTTP_URL))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("the host name is missing"));
        }
        if value
            .bytes()
            .any(|b| b.is_ascii_whitespace() || matches!(b, b'?' | b'#' | b'@'))
        {
            return Err(invalid("a base URL has no spaces, query, fragment or user"));
        }
        Ok(Self(value.trim_end_matches('/').to_owned()))
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

/// Sets the platform's base URL for every later call.
pub fn configure(host: &str) -> Result<(), SdkError> {
    let host = Host::parse(host)?;
    HOST.with(|cell| *cell.borrow_mut() = Some(host));
    Ok(())
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
        let host = Host::parse("http://127.0.0.1:8080/").expect("valid");
        assert_eq!(host.url("/healthz"), "http://127.0.0.1:8080/healthz");
    }

    #[test]
    fn a_path_prefix_is_kept_for_platforms_behind_a_reverse_proxy() {
        let host = Host::parse("https://example.com/paragon").expect("valid");
        assert_eq!(host.url("/healthz"), "https://example.com/paragon/healthz");
    }

    #[test]
    fn hosts_that_are_not_base_urls_are_refused() {
        for value in [
            "",
            "example.com",
            "ftp://x",
            "http://",
            "http:///x",
            "http://a b",
            "http://x?y",
            "http://u@x",
        ] {
            assert!(
                matches!(Host::parse(value), Err(SdkError::InvalidHost(_))),
                "{value:?}"
            );
        }
    }

    #[test]
    fn calls_before_configure_say_so() {
        HOST.with(|cell| *cell.borrow_mut() = None);
        assert_eq!(host(), Err(SdkError::NotConfigured));
        configure("http://localhost:1").expect("valid");
        assert_eq!(host().expect("configured").as_str(), "http://localhost:1");
    }
}
