//! [`Secret`]: a string that never shows in `Debug` output, so a `tracing` field, a panic
//! message or a `{:?}` of a whole configuration cannot leak it. Reading it takes a call to
//! [`Secret::expose`], which makes every use visible in review.
//!
//! A newtype rather than the `secrecy` crate: the platform needs redaction only, not zeroizing
//! (the values also pass through reqwest, serde and sqlx buffers that no wrapper could clear).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer};

/// A secret string: the operator key, an OAuth client secret on its way into the vault.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// For clap: `--client-secret` and its environment variable.
impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_owned()))
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Creates `path` with mode 0600 from the start (no moment where another user may read it)
/// and refuses to overwrite an existing file: a private key or master key is never replaced
/// by accident.
pub fn write_new_secret_file(
    path: &std::path::Path,
    contents: &str,
) -> Result<(), crate::error::ServerError> {
    use std::io::Write;

    use crate::error::ServerError;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| ServerError::Usage(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| ServerError::Usage(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_value() {
        let secret = Secret::from("hunter2-the-secret");

        let shown = format!("{secret:?} {:?} {:#?}", Some(&secret), vec![secret.clone()]);

        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(secret.expose(), "hunter2-the-secret");
    }

    #[test]
    fn types_that_carry_a_secret_redact_it_in_debug_output() {
        use crate::connect::{
            credentials::UsableToken,
            integrations::IntegrationSettings,
            provider::{ClientAuth, Tokens},
        };
        let settings = IntegrationSettings {
            client_id: "client-id".into(),
            client_secret: Secret::from("client-secret-1"),
            ..IntegrationSettings::default()
        };
        let auth = ClientAuth {
            token_url: "https://example.test/token",
            client_id: "client-id",
            client_secret: "client-secret-2",
            via: crate::providers::ClientAuth::Body,
        };
        let answer = serde_json::json!({
            "access_token": "access-token-3", "refresh_token": "refresh-token-4", "expires_in": 60
        });
        let tokens = Tokens::read(
            answer.as_object().cloned().expect("an object"),
            &crate::providers::ExpiresIn::Field("expires_in".into()),
        )
        .expect("tokens");
        let usable = UsableToken {
            token: "access-token-5".into(),
            version: 1,
        };

        let shown = format!("{settings:?} {auth:?} {tokens:?} {usable:?}");

        for secret in [
            "client-secret-1",
            "client-secret-2",
            "access-token-3",
            "refresh-token-4",
            "access-token-5",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("client-id") && shown.contains("expires_in"),
            "{shown}"
        );
    }
}
