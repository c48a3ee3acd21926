//! Web origins: the app pages allowed to call the SDK API and to frame the portal.

use std::fmt;

use axum::http::HeaderValue;

/// A value that is not an origin, with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid origin {value:?}: {reason} (expected scheme://host[:port], e.g. http://localhost:3000)"
)]
pub struct OriginError {
    /// What was given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A web origin, `scheme://host[:port]`, in the serialized form browsers send in `Origin`
/// (RFC 6454 section 6.1): lowercase scheme and host, no path, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// Parses an origin as an operator writes it; a single trailing `/` is tolerated.
    ///
    /// The rules are those of the value browsers send (RFC 6454 section 6.1, and the WHATWG URL
    /// host parser that makes it): scheme and host are lowercased, the scheme's default port
    /// is dropped (a browser never sends `:443` on https), and a host is a DNS name of ASCII
    /// letters, digits, `-`, `_` and `.`, or an IPv4 or bracketed IPv6 address. Everything else
    /// is refused, `;` and `,` above all: an origin is copied into `Content-Security-Policy`
    /// (`frame-ancestors`) and into lists split on commas, where either would start a new
    /// directive or entry.
    pub fn parse(value: &str) -> Result<Self, OriginError> {
        let invalid = |reason| OriginError {
            value: value.to_owned(),
            reason,
        };
        let trimmed = value.trim();
        if !trimmed.is_ascii() {
            return Err(invalid(
                "an origin is ASCII: write an internationalized host in its punycode (xn--) form",
            ));
        }
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| invalid("the scheme is missing"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(invalid("the scheme must be http or https")),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains('@') {
            return Err(invalid("an origin has no user information"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(invalid("an origin has no path, query or fragment"));
        }
        if authority.is_empty() {
            return Err(invalid("the host is missing"));
        }
        let (host, port) = split_port(authority).ok_or_else(|| invalid(HOST_RULE))?;
        let port = match port {
            None => None,
            Some(digits) => match parse_port(digits) {
                Some(port) if port == default_port => None,
                Some(port) => Some(port),
                None => return Err(invalid("the port must be a number from 1 to 65535")),
            },
        };
        if !valid_host(host) {
            return Err(invalid(HOST_RULE));
        }
        let host = host.to_ascii_lowercase();
        Ok(Self(match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }))
    }

    /// The origin as a header value, for `Access-Control-Allow-Origin`.
    pub fn header_value(&self) -> HeaderValue {
        // Parsing accepted only letters, digits and `-_.:/[]`, all valid in a header value.
        HeaderValue::from_str(&self.0).unwrap_or_else(|_| HeaderValue::from_static("null"))
    }

    /// The serialized origin.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const HOST_RULE: &str = "the host must be a DNS name of letters, digits, '-', '_' and '.', \
     or an IP address (no ';', ',', space or other character)";

/// `host[:port]` or `[v6][:port]`.
fn split_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|port| *port != 0)
}

fn valid_host(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[') {
        // No zone id (`%25eth0`): browsers refuse it in URLs.
        return v6
            .strip_suffix(']')
            .is_some_and(|v6| v6.parse::<std::net::Ipv6Addr>().is_ok());
    }
    // Labels of at most 63 characters, none empty (RFC 1034 section 3.1).
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_to_the_form_browsers_send() {
        let origin = Origin::parse("HTTP://LocalHost:3000/").expect("a valid origin");
        assert_eq!(origin.as_str(), "http://localhost:3000");
    }

    #[test]
    fn default_ports_are_dropped_as_browsers_do_and_others_kept() {
        for (given, serialized) in [
            ("http://example.com:80", "http://example.com"),
            ("https://example.com:443/", "https://example.com"),
            ("https://example.com:80", "https://example.com:80"),
            ("http://[::1]:3000", "http://[::1]:3000"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("https://xn--caf-dma.example", "https://xn--caf-dma.example"),
            ("http://my_host.internal", "http://my_host.internal"),
        ] {
            let origin = Origin::parse(given).expect(given);
            assert_eq!(origin.as_str(), serialized, "{given}");
        }
    }

    #[test]
    fn characters_no_origin_has_are_refused_each_with_the_host_rule() {
        for value in [
            "http://a.test;b",
            "http://a.test,b.test",
            "http://a test",
            "http://a\ttest",
            "http://a.test*",
            "http://a.test'",
            "http://a.test\"",
            "http://a%2etest",
            "http://a..test",
            "http://.a.test",
            "http://a.test!",
            "http://a.test$",
            "http://a(test)",
            "http://a+test",
            "http://a=test",
            "http://a~test",
            "http://a\\test",
            "http://[::1%25eth0]",
            "http://[not-v6]",
        ] {
            let error = Origin::parse(value).expect_err(value);
            assert_eq!(error.reason, HOST_RULE, "{value:?}: {error}");
        }
    }

    #[test]
    fn values_that_are_not_origins_are_refused() {
        for value in [
            "localhost:3000",
            "ftp://example.com",
            "http://example.com/app",
            "http://example.com?x=1",
            "http://user@example.com",
            "not a url",
            "http://",
            "http://example.com#top",
            "http://example.com/#top",
            "http://example.com//",
            "http://user:pass@example.com",
            "http://example.com:0",
            "http://example.com:",
            "http://example.com:65536",
            "http://example.com:80a",
            "http://example.com:+80",
            "http://café.example",
            "http://例え.jp",
            "javascript://alert(1)",
            "null",
        ] {
            assert!(Origin::parse(value).is_err(), "{value:?} should be refused");
        }
    }
}
