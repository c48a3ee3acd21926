//! The token response's `signature`: Base64 of HMAC-SHA256 over `id` followed by `issued_at`,
//! keyed with the consumer secret, so a client can check that the identity URL came from
//! Salesforce. Documented in "OAuth 2.0 Web Server Flow for Web App Integration"
//! (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm>).
//!
//! HMAC (RFC 2104) is written out over `sha2` rather than adding a crate for ten lines.

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// `Base64(HMAC-SHA256(key = client_secret, message = id + issued_at))`.
pub fn sign(client_secret: &str, id: &str, issued_at: &str) -> String {
    let mut key = [0u8; BLOCK];
    if client_secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(client_secret.as_bytes()));
    } else {
        key[..client_secret.len()].copy_from_slice(client_secret.as_bytes());
    }
    let pad = |byte: u8| key.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(id.as_bytes())
        .chain_update(issued_at.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    STANDARD.encode(outer)
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
