//! RSA signing keys of a project: generated here (the private half handed out once, never
//! stored) or registered from a public key the app made. The platform keeps only `n` and `e`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rsa::{
    PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey,
    pkcs1::DecodeRsaPublicKey,
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, LineEnding},
    traits::PublicKeyParts,
};
use sha2::{Digest, Sha256};

use crate::ids::Kid;

/// RSA below this is refused (RFC 7518 section 3.3 asks for 2048).
pub const MIN_BITS: usize = 2048;
/// Above this, verification gets slow enough to be a denial-of-service lever.
pub const MAX_BITS: usize = 8192;

/// The public half, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// RFC 7638 thumbprint.
    pub kid: Kid,
    /// Modulus, base64url big-endian (the JWK `n`).
    pub n: String,
    /// Exponent, base64url big-endian (the JWK `e`).
    pub e: String,
    /// Modulus size in bits.
    pub bits: u32,
}

/// A generated key pair: the public half to store, the private half to hand out once.
pub struct GeneratedKey {
    /// What the platform keeps.
    pub public: PublicKey,
    /// PKCS#8 PEM; the caller shows or writes it and drops it.
    pub private_pem: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private half is handed out once and must not reach a log on the way.
        f.debug_struct("GeneratedKey")
            .field("public", &self.public)
            .field("private_pem", &"[redacted]")
            .finish()
    }
}

/// Why a key was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not a PEM RSA key.
    #[error("not an RSA key in PEM (expected PUBLIC KEY, RSA PUBLIC KEY or PRIVATE KEY): {0}")]
    Malformed(String),
    /// Too small or too large.
    #[error("RSA keys must have {MIN_BITS} to {MAX_BITS} bits; this one has {0}")]
    Size(usize),
    /// The RNG or the encoder failed.
    #[error("key generation failed: {0}")]
    Generation(String),
}

/// Generates an RSA key pair of `bits` bits.
pub fn generate(bits: usize) -> Result<GeneratedKey, KeyError> {
    check_size(bits)?;
    let private = RsaPrivateKey::new(&mut rand::rng(), bits)
        .map_err(|e| KeyError::Generation(e.to_string()))?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Generation(e.to_string()))?
        .to_string();
    Ok(GeneratedKey {
        public: describe(&private.to_public_key())?,
        private_pem,
    })
}

/// The public key of a PEM: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`), or the public half
/// of a PKCS#8 private key (`PRIVATE KEY`, for `paragon token sign` to find its `kid`).
pub fn public_key_from_pem(pem: &str) -> Result<PublicKey, KeyError> {
    let pem = pem.trim();
    let key = RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem).map(|k| k.to_public_key()))
        .map_err(|e| KeyError::Malformed(e.to_string()))?;
    describe(&key)
}

fn describe(key: &RsaPublicKey) -> Result<PublicKey, KeyError> {
    let bits = key.n().bit_width() as usize;
    check_size(bits)?;
    let n = URL_SAFE_NO_PAD.encode(key.n_bytes());
    let e = URL_SAFE_NO_PAD.encode(key.e_bytes());
    let kid = thumbprint(&n, &e);
    Ok(PublicKey {
        kid,
        n,
        e,
        bits: bits as u32,
    })
}

fn check_size(bits: usize) -> Result<(), KeyError> {
    if (MIN_BITS..=MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(KeyError::Size(bits))
    }
}

/// RFC 7638: SHA-256 of the JWK's required members in lexicographic order, no whitespace.
fn thumbprint(n: &str, e: &str) -> Kid {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    // 43 base64url characters always satisfy Kid's rules.
    Kid::parse(&digest).unwrap_or_else(|| unreachable!("a SHA-256 in base64url is a valid kid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_give_the_same_kid_from_either_half() {
        let key = generate(2048).expect("keygen");

        let from_private = public_key_from_pem(&key.private_pem).expect("PKCS#8 parses");

        assert_eq!(from_private, key.public);
        assert_eq!(key.public.bits, 2048);
        assert!(key.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn debug_output_hides_the_private_half() {
        let key = generate(2048).expect("keygen");
        let body = key.private_pem.lines().nth(1).expect("a base64 line");

        let shown = format!("{key:?}");

        assert!(
            !shown.contains(body) && shown.contains(key.public.kid.as_str()),
            "{shown}"
        );
    }

    #[test]
    fn small_keys_are_refused() {
        assert!(matches!(generate(1024), Err(KeyError::Size(1024))));
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(
            public_key_from_pem("hello"),
            Err(KeyError::Malformed(_))
        ));
    }

    #[test]
    fn the_thumbprint_matches_rfc_7638_example() {
        // RFC 7638 section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB").as_str(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
