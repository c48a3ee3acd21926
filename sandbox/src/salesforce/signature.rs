//! The token response's `signature`: Base64 of HMAC-SHA256 over `id` followed by `issued_at`,
//! keyed with the consumer secret, so a client can check that the identity URL came from
//! Salesforce. Documented in "OAuth 2.0 Web Server Flow for Web App Integration"
//! (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm>).
//!
//! The HMAC itself is the crate's [`crate::hmac`].

use base64::{Engine, engine::general_purpose::STANDARD};

use crate::hmac::hmac_sha256;

/// `Base64(HMAC-SHA256(key = client_secret, message = id + issued_at))`.
pub fn sign(client_secret: &str, id: &str, issued_at: &str) -> String {
    STANDARD.encode(hmac_sha256(
        client_secret.as_bytes(),
        &[id.as_bytes(), issued_at.as_bytes()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        // Key "Jefe", data "what do ya want for nothing?" (split across id and issued_at).
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let bytes = STANDARD.decode(sign("Jefe", "what do ya want ", "for nothing?"));
        let hex: String = bytes
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, expected);
    }
}
