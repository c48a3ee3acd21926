//! Reading the user token's payload locally, without checking its signature (the platform
//! does that): only to refuse an expired token before any request is made.

use crate::SdkError;

/// The decoded payload (the middle part) of a JWT, as JSON text.
pub fn payload_json(token: &str) -> Result<String, SdkError> {
    // The dots found byte by byte: `str::split` brings a `char` searcher and `memchr`.
    let mut dots = token
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'.')
        .map(|(i, _)| i);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(SdkError::InvalidToken(
            "expected three dot-separated parts".into(),
        ));
    };
    let bytes = base64url_decode(&token.as_bytes()[first + 1..second])
        .ok_or_else(|| SdkError::InvalidToken("the payload is not base64url".into()))?;
    utf8(bytes).ok_or_else(|| SdkError::InvalidToken("the payload is not UTF-8 text".into()))
}

#[cfg(not(target_arch = "wasm32"))]
fn utf8(bytes: Vec<u8>) -> Option<String> {
    String::from_utf8(bytes).ok()
}

/// The browser's UTF-8 decoder rather than Rust's validator (0.8 KB of wasm): every byte
/// percent-encoded, `decodeURIComponent` throws on what is not UTF-8.
#[cfg(target_arch = "wasm32")]
fn utf8(bytes: Vec<u8>) -> Option<String> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut escaped = String::with_capacity(bytes.len() * 3);
    for byte in bytes {
        escaped.push('%');
        escaped.push(char::from(HEX[usize::from(byte >> 4)]));
        escaped.push(char::from(HEX[usize::from(byte & 15)]));
    }
    js_sys::decode_uri_component(&escaped)
        .ok()
        .map(String::from)
}

/// Whether a token with this `exp` (seconds since the epoch) is expired at `now_ms`.
pub fn is_expired(exp: f64, now_ms: f64) -> bool {
    exp * 1000.0 <= now_ms
}

/// RFC 4648 section 5 without padding (a JWT's encoding); `None` on any other character.
fn base64url_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A single leftover character (6 bits) cannot end a valid encoding.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_payload_of_a_jwt_is_decoded_from_base64url() {
        // {"sub":"user-1","exp":1700000000} without padding.
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjE3MDAwMDAwMDB9.c2ln";
        assert_eq!(
            payload_json(token).expect("a JWT"),
            r#"{"sub":"user-1","exp":1700000000}"#
        );
    }

    #[test]
    fn base64url_uses_dash_and_underscore_and_refuses_others() {
        assert_eq!(base64url_decode(b"-_8").expect("valid"), vec![0xfb, 0xff]);
        assert_eq!(base64url_decode(b"+/8"), None);
        assert_eq!(base64url_decode(b"QQ==").map(|_| ()), None);
        assert_eq!(base64url_decode(b"Q"), None);
    }

    #[test]
    fn a_payload_in_utf8_is_read_and_one_in_another_encoding_refused() {
        // {"name":"Zoë"}: the ë is two bytes of UTF-8.
        assert_eq!(
            payload_json("h.eyJuYW1lIjoiWm_DqyJ9.s").expect("UTF-8"),
            r#"{"name":"Zoë"}"#
        );
        // The byte 0xFF, and 0xC3 without its continuation byte.
        for token in ["h._w.s", "h.ww.s"] {
            assert!(
                matches!(payload_json(token), Err(SdkError::InvalidToken(m)) if m.contains("UTF-8")),
                "{token}"
            );
        }
    }

    #[test]
    fn what_is_not_a_jwt_is_refused() {
        for token in ["", "a.b", "a.b.c.d", "a.!!.c", "a.b.c."] {
            assert!(
                matches!(payload_json(token), Err(SdkError::InvalidToken(_))),
                "{token:?}"
            );
        }
    }

    #[test]
    fn a_token_expires_at_its_exp_second() {
        assert!(is_expired(1_000.0, 1_000_000.0));
        assert!(!is_expired(1_001.0, 1_000_000.0));
    }
}
