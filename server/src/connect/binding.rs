//! The browser binding of a connect flow (RFC 9700 section 4.7, RFC 6749 section 10.12).
//!
//! A flow's creator gets a one-time start secret. The popup's first navigation is a form
//! `POST /oauth/start` carrying it (never a URL), from the app's page or the portal; its answer
//! sets a cookie holding a fresh random value, named after the flow, whose hash the flow keeps.
//! `/oauth/callback` consumes the flow only together with that cookie, so an authorize URL or a
//! flow id completed in any other browser stores nothing and makes no token request.
//!
//! The cookie is first-party wherever it is used: it is set on a top-level navigation of the
//! popup to the platform and sent back on the provider's top-level redirect to the platform
//! (`SameSite=Lax` allows exactly that), so blocking third-party cookies does not affect it.

use sha2::{Digest, Sha256};

use super::pkce;

/// A new random binding value for one browser (256 bits).
pub fn new_value() -> String {
    pkce::random_token(32)
}

/// What the flow stores of a secret or a binding value.
pub fn hash(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// The cookie's name for a flow. Over https it takes the `__Host-` prefix, which makes the
/// browser refuse it unless it is `Secure`, has `Path=/` and no `Domain` (no subdomain can set
/// or shadow it); over plain http (a local demo) browsers refuse that prefix, so none is used.
pub fn cookie_name(flow_id: &str, secure: bool) -> String {
    let prefix = if secure { "__Host-" } else { "" };
    format!("{prefix}paragon-flow-{flow_id}")
}

/// The `Set-Cookie` value that binds this browser for `max_age_secs`.
pub fn set_cookie(flow_id: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let name = cookie_name(flow_id, secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the binding once the callback has used it.
pub fn clear_cookie(flow_id: &str, secure: bool) -> String {
    set_cookie(flow_id, "", 0, secure)
}

/// The value of cookie `name` in the request's `Cookie` headers (RFC 6265 section 5.4).
pub fn find<'a>(cookie_headers: impl Iterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    cookie_headers
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_an_empty_one_is_none() {
        let headers = ["a=1; paragon-flow-F=v1", "b=2"];
        assert_eq!(find(headers.into_iter(), "paragon-flow-F"), Some("v1"));
        assert_eq!(find(headers.into_iter(), "paragon-flow-G"), None);
        assert_eq!(
            find(["paragon-flow-F="].into_iter(), "paragon-flow-F"),
            None
        );
    }

    #[test]
    fn over_https_the_cookie_is_host_prefixed_and_secure() {
        let cookie = set_cookie("F", "v", 600, true);
        assert!(cookie.starts_with("__Host-paragon-flow-F=v; Path=/;"));
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        assert!(cookie.ends_with("; Secure"));
        assert!(!set_cookie("F", "v", 600, false).contains("Secure"));
    }
}
