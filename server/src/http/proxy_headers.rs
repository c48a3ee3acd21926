//! What of the caller's request the proxy passes on to the provider: the caller's own headers
//! under a deny list, and the body's `Content-Type`, inferred when Paragon's SDK sends `auto`.
//!
//! Denied: whatever authenticates or identifies the caller to the platform (`Authorization`,
//! `Cookie`: the provider gets the user's credential, never the platform's token), what
//! describes the connection to the platform rather than the call (`Host`, `Content-Length`, the
//! hop-by-hop headers of RFC 9110 section 7.6.1 and any header `Connection` names, forwarding
//! headers a caller could forge), the platform's own `X-Paragon-*` instructions, and what the
//! browser adds about the app's page (`Origin`, `Referer`, `Sec-*`). `Accept-Encoding` is left
//! to the platform's client, which passes answers on as it receives them.

use axum::http::{HeaderMap, HeaderValue, header};

/// Paragon's `Content-Type: auto` (`INFER_CONTENT_TYPE_FROM_CONNECT_OPTIONS`): the proxy picks.
const AUTO: &str = "auto";

/// Headers never forwarded, by exact (lowercase) name.
const DENIED: [&str; 20] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "content-type", // forwarded as `content_type` decides
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    "accept-encoding",
    "origin",
    "referer",
    "forwarded",
    "via",
    "x-real-ip",
];

/// Headers never forwarded, by prefix.
const DENIED_PREFIXES: [&str; 3] = ["x-paragon-", "x-forwarded-", "sec-"];

/// The caller's headers that go on to the provider.
pub fn forwarded(headers: &HeaderMap) -> HeaderMap {
    let named_by_connection: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        let text = name.as_str(); // header names are lowercase in `http`
        let denied = DENIED.contains(&text)
            || DENIED_PREFIXES.iter().any(|p| text.starts_with(p))
            || named_by_connection.iter().any(|n| n == text);
        if !denied {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// The `Content-Type` to send with `body`: the caller's, or for `auto` the one the body looks
/// like (none for an empty body).
pub fn content_type(headers: &HeaderMap, body: &[u8]) -> Option<HeaderValue> {
    let given = headers.get(header::CONTENT_TYPE)?;
    let is_auto = given
        .to_str()
        .is_ok_and(|v| v.trim().eq_ignore_ascii_case(AUTO));
    if !is_auto {
        return Some(given.clone());
    }
    inferred(body).map(HeaderValue::from_static)
}

/// What a body looks like: a JSON object or array is JSON; `key=value` pairs joined by `&` in
/// URL-encoding's alphabet are a form; any other text is plain text, and bytes that are not
/// UTF-8 are `application/octet-stream`. Paragon does not document its rule; this one never
/// calls a body JSON that a JSON parser would refuse.
fn inferred(body: &[u8]) -> Option<&'static str> {
    if body.is_empty() {
        return None;
    }
    if serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.is_object() || v.is_array())
    {
        return Some("application/json");
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Some("application/octet-stream");
    };
    if looks_like_form(text) {
        Some("application/x-www-form-urlencoded")
    } else {
        Some("text/plain; charset=utf-8")
    }
}

fn looks_like_form(text: &str) -> bool {
    let urlencoded = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"%+-._~*".contains(&b))
    };
    text.split('&').all(|pair| {
        pair.split_once('=')
            .is_some_and(|(key, value)| !key.is_empty() && urlencoded(key) && urlencoded(value))
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderName;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn auto_is_inferred_from_the_body() {
        let auto = headers(&[("content-type", "auto")]);
        let cases: [(&[u8], Option<&str>); 8] = [
            (br#"{"a":1}"#, Some("application/json")),
            (b" [1, 2] ", Some("application/json")),
            (
                b"a=1&b=two%20words",
                Some("application/x-www-form-urlencoded"),
            ),
            (b"hello world", Some("text/plain; charset=utf-8")),
            (b"42", Some("text/plain; charset=utf-8")),
            (b"a=1&&b=2", Some("text/plain; charset=utf-8")),
            (&[0xff, 0xfe], Some("application/octet-stream")),
            (b"", None),
        ];
        for (body, expected) in cases {
            let got = content_type(&auto, body);
            assert_eq!(
                got.as_ref().and_then(|v| v.to_str().ok()),
                expected,
                "{body:?}"
            );
        }
    }

    #[test]
    fn a_callers_own_content_type_is_kept_and_none_stays_none() {
        let given = headers(&[("content-type", "application/vnd.api+json")]);
        assert_eq!(
            content_type(&given, b"x").expect("kept"),
            "application/vnd.api+json"
        );
        assert_eq!(content_type(&HeaderMap::new(), br#"{"a":1}"#), None);
    }

    #[test]
    fn credentials_hop_by_hop_and_paragon_headers_stay_behind() {
        let caller = headers(&[
            ("authorization", "Bearer user-token"),
            ("cookie", "a=b"),
            ("host", "platform"),
            ("content-length", "3"),
            ("connection", "keep-alive, x-secret-hop"),
            ("x-secret-hop", "1"),
            ("x-paragon-credential", "c"),
            ("x-paragon-sdk-version", "2.4.0"),
            ("x-forwarded-for", "10.0.0.1"),
            ("origin", "http://app.test"),
            ("sec-fetch-mode", "cors"),
            ("accept", "application/json"),
            ("x-custom", "kept"),
        ]);
        let out = forwarded(&caller);
        let names: Vec<&str> = out.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["accept", "x-custom"]);
    }
}
