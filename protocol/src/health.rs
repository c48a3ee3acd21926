//! The body of `GET /healthz`.

use serde::{Deserialize, Serialize};

/// What the server says about itself on `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Whether the process is serving.
    pub status: HealthStatus,
    /// The server's crate version, so that a client can tell which server answered.
    pub version: String,
}

/// The liveness states of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// The server is up and answering requests.
    Ok,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_serializes_as_lowercase_status_and_version() {
        let health = Health {
            status: HealthStatus::Ok,
            version: "1.2.3".into(),
        };
        let json = serde_json::to_string(&health).expect("a plain struct serializes");
        assert_eq!(json, r#"{"status":"ok","version":"1.2.3"}"#);
    }

    #[test]
    fn unknown_status_is_refused() {
        let parsed = serde_json::from_str::<Health>(r#"{"status":"maybe","version":"1"}"#);
        assert!(parsed.is_err());
    }
}
