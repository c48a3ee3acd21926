//! The error body every non-2xx answer of the platform carries.

use serde::{Deserialize, Serialize};

/// `{"message": …, "code": …}`: `message` is for people, `code` is for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong and, where it helps, what to do about it. Never internal detail.
    pub message: String,
    /// A stable machine-readable code the client can branch on.
    pub code: ErrorCode,
}

/// The stable error codes of the API, serialized in SCREAMING_SNAKE_CASE.
///
/// Clients must treat an unknown code like the status class it came with, so new codes can be
/// added without breaking them; [`ErrorCode::Unknown`] is where such codes land when parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: the request is malformed (bad JSON, wrong types, bad query).
    InvalidRequest,
    /// 401: missing or invalid credentials.
    Unauthorized,
    /// 403: authenticated but not allowed (origin, scope).
    Forbidden,
    /// 404: no such resource or path.
    NotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: conflicts with the current state.
    Conflict,
    /// 413: the body is larger than the limit of the endpoint.
    PayloadTooLarge,
    /// 422: well-formed but semantically wrong.
    Unprocessable,
    /// 429: slow down; the answer carries `Retry-After`.
    RateLimited,
    /// 5xx: the server failed; the detail is in its log, not here.
    Internal,
    /// 502: the provider (HubSpot) failed or refused the platform's call.
    BadGateway,
    /// 500: a request-triggered workflow failed before it answered (the body is a
    /// [`crate::sdk::TriggerFailed`]: the step, the provider's message, the execution).
    WorkflowFailed,
    /// Any code this version of the protocol does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code, [`ErrorCode::Unknown`] last.
    pub const ALL: [ErrorCode; 13] = [
        Self::InvalidRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::Unprocessable,
        Self::RateLimited,
        Self::Internal,
        Self::BadGateway,
        Self::WorkflowFailed,
        Self::Unknown,
    ];

    /// The code as it is on the wire (`"NOT_FOUND"`), for clients that read JSON without serde
    /// (the browser SDK parses with the browser's own `JSON` to stay small).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Conflict => "CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::Unprocessable => "UNPROCESSABLE",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
            Self::BadGateway => "BAD_GATEWAY",
            Self::WorkflowFailed => "WORKFLOW_FAILED",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// The code named `name` on the wire; [`ErrorCode::Unknown`] for any other name, as serde
    /// parses it.
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| *c != Self::Unknown && c.as_str() == name)
            .unwrap_or(Self::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_names_without_serde_are_the_serde_names() {
        for code in ErrorCode::ALL
            .into_iter()
            .filter(|c| *c != ErrorCode::Unknown)
        {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::from_name(code.as_str()), code);
        }
        assert_eq!(ErrorCode::from_name("BRAND_NEW"), ErrorCode::Unknown);
    }

    #[test]
    fn error_body_has_message_and_screaming_code() {
        let body = ErrorBody {
            message: "no such path".into(),
            code: ErrorCode::NotFound,
        };
        let json = serde_json::to_string(&body).expect("a plain struct serializes");
        assert_eq!(json, r#"{"message":"no such path","code":"NOT_FOUND"}"#);
    }

    #[test]
    fn a_code_from_a_newer_server_parses_as_unknown() {
        let body: ErrorBody = serde_json::from_str(r#"{"message":"m","code":"BRAND_NEW"}"#)
            .expect("unknown codes are tolerated");
        assert_eq!(body.code, ErrorCode::Unknown);
    }
}
