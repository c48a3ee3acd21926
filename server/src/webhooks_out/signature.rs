//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): the secret is
//! `whsec_` and the base64 of 32 random bytes; each attempt is signed as
//! `v1,` + base64(HMAC-SHA256(secret bytes, "{webhook-id}.{webhook-timestamp}.{body}")), so any
//! Standard Webhooks library (npm `standardwebhooks`, Svix's) verifies it.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret (256 random bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` header's value for one attempt; `None` for a secret that is not
/// `whsec_<base64>` (a corrupt row: never sent unsigned).
pub fn sign(secret: &str, id: &str, timestamp_secs: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp_secs}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference implementations' tests.
    #[test]
    fn signs_like_the_reference_implementation() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_new_secret_signs_and_a_malformed_one_does_not() {
        let secret = new_secret();
        assert!(secret.starts_with(SECRET_PREFIX));
        assert!(sign(&secret, "msg_1", 1, "{}").is_some());
        assert_eq!(sign("nope", "msg_1", 1, "{}"), None);
        assert_eq!(sign("whsec_!!!", "msg_1", 1, "{}"), None);
    }
}
