//! Web origins: the app pages allowed to call the SDK API and to frame the portal.

use std::fmt;

use axum::http::{HeaderValue, Uri};

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
    pub fn parse(value: &str) -> Result<Self, OriginError> {
        let invalid = |reason| OriginError {
            value: value.to_owned(),
            reason,
        };
        let trimmed = value.trim();
        let uri: Uri = trimmed.parse().map_err(|_| invalid("not a URL"))?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => s,
            Some(_) => return Err(invalid("the scheme must be http or https")),
            None => return Err(invalid("the scheme is missing")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| invalid("the host is missing"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("an origin has no user information"));
        }
        if uri.query().is_some() || !matches!(uri.path(), "" | "/") || trimmed.ends_with("//") {
            return Err(invalid("an origin has no path or query"));
        }
        Ok(Self(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.as_str().to_ascii_lowercase()
        )))
    }

    /// The origin as a header value, for `Access-Control-Allow-Origin`.
    pub fn header_value(&self) -> HeaderValue {
        // Parsing accepted only URI characters, which are all valid in a header value.
        HeaderValue::from_str(&self.0).unwrap_or_else(|_| HeaderValue::from_static("null"))
    }

    /// The serialized origin.
    pub fn as_str(&self) -> &str {
        &self.0
    }
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
    fn values_that_are_not_origins_are_refused() {
        for value in [
            "localhost:3000",
            "ftp://example.com",
            "http://example.com/app",
            "http://example.com?x=1",
            "http://user@example.com",
            "not a url",
            "http://",
        ] {
            assert!(Origin::parse(value).is_err(), "{value:?} should be refused");
        }
    }
}
