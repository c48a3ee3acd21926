//! Reading the user token's payload locally, without checking its signature (the platform
//! does that): only to refuse an expired token before any request is made.

use crate::SdkError;

/// The decoded payload (the middle part) of a JWT, as JSON text.
pub fn payload_json(token: &str) -> Result<String, SdkError> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SdkError::InvalidToken(
            "expected three dot-separated parts".into(),
        ));
    };
    let bytes = base64url_decode(payload)
        .ok_or_else(|| SdkError::InvalidToken("the payload is not base64url".into()))?;
    String::from_utf8(bytes)
        .map_err(|_| SdkError::InvalidToken("the payload is not UTF-8 text".into()))
}

/// Whether a token with this `exp` (seconds since the epoch) is expired at `now_ms`.
pub fn is_expired(exp: f64, now_ms: f64) -> bool {
    exp * 1000.0 <= now_ms
}

/// RFC 4648 section 5 without padding (a JWT's encoding); `None` on any other character.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
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
        assert_eq!(base64url_decode("-_8").expect("valid"), vec![0xfb, 0xff]);
        assert_eq!(base64url_decode("+/8"), None);
        assert_eq!(base64url_decode("QQ==").map(|_| ()), None);
        assert_eq!(base64url_decode("Q"), None);
    }

    #[test]
    fn what_is_not_a_jwt_is_refused() {
        for token in ["", "a.b", "a.b.c.d", "a.!!.c"] {
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
