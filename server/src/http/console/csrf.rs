//! Cross-site request forgery, refused twice over on every state-changing console request:
//!
//! - the request must come from the console's own origin: `Sec-Fetch-Site: same-origin` when
//!   the browser sends it, and an `Origin` equal to the public URL's origin or the request's own
//!   host (checked in [`same_origin_only`] before any handler, sign-in included, so that no
//!   other site can sign a browser into an attacker's session either);
//! - the form must carry the session's synchronizer token ([`token`], checked by [`check`]),
//!   which only pages of the session show.
//!
//! The token is derived from the session id (a one-way hash under a label of its own), so it
//! needs no storage, dies with the session, and does not reveal the session id if a page leaks.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AppState, is_safe, layout};

/// The hidden form field that carries the token.
pub const FIELD: &str = "csrf";

/// The synchronizer token of the session whose id is `session_id`.
pub fn token(session_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"paragon console csrf\0");
    hasher.update(session_id.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Whether `sent` is the session's token, compared in constant time.
pub fn check(session_id: &str, sent: &str) -> bool {
    bool::from(token(session_id).as_bytes().ct_eq(sent.as_bytes()))
}

/// Refuses (403) a state-changing request that did not come from the console's own origin.
pub async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) || same_origin(request.headers(), &state.connect.public_url) {
        return next.run(request).await;
    }
    layout::forbidden("This request did not come from the console's own pages, so it was refused.")
}

/// The check of [`same_origin_only`]. A request without `Origin` passes only when the browser
/// says it is same-origin: browsers send `Origin` on every form post, so its absence means an
/// old browser or a client that is not one, and neither gets the benefit of the doubt.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = text(header::HeaderName::from_static("sec-fetch-site"));
    if fetch_site.is_some_and(|site| site != "same-origin") {
        return false;
    }
    match text(header::ORIGIN) {
        Some(origin) => {
            origin == origin_of(public_url)
                || text(header::HOST).is_some_and(|host| {
                    origin == format!("http://{host}") || origin == format!("https://{host}")
                })
        }
        None => fetch_site == Some("same-origin"),
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_the_consoles_own_origin_passes() {
        let public = "https://paragon.example/";
        let ok = headers(&[
            ("origin", "https://paragon.example"),
            ("sec-fetch-site", "same-origin"),
        ]);
        let by_host = headers(&[
            ("origin", "http://10.0.0.5:7000"),
            ("host", "10.0.0.5:7000"),
        ]);
        let other = headers(&[("origin", "https://evil.example")]);
        let cross = headers(&[
            ("origin", "https://paragon.example"),
            ("sec-fetch-site", "cross-site"),
        ]);
        let nothing = headers(&[]);

        assert!(same_origin(&ok, public));
        assert!(same_origin(&by_host, public));
        assert!(!same_origin(&other, public));
        assert!(!same_origin(&cross, public));
        assert!(!same_origin(&nothing, public));
    }

    #[test]
    fn the_token_is_the_sessions_and_no_other() {
        let token = token("session-a");

        assert!(check("session-a", &token));
        assert!(!check("session-b", &token));
        assert!(!check("session-a", ""));
    }
}
