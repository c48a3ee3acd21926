//! [`RestFailure`]: the REST API's error answers, a JSON array of `{message, errorCode[,
//! fields]}`, as in "Status Codes and Error Responses"
//! (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm>):
//! 400 for a bad request or a failed DML rule, 401 `INVALID_SESSION_ID` ("Session expired or
//! invalid"), 403 `REQUEST_LIMIT_EXCEEDED`, 404 `NOT_FOUND`, 500 `UNKNOWN_EXCEPTION` (an error
//! within Salesforce), 503 `SERVER_UNAVAILABLE`.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// One refused REST call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestFailure {
    /// The HTTP status.
    pub status: StatusCode,
    /// Salesforce's `errorCode`.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The fields at fault; `None` leaves `fields` out, as Salesforce does outside DML errors.
    pub fields: Option<Vec<String>>,
}

impl RestFailure {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: None,
        }
    }

    /// A 400 of a DML rule, naming its fields.
    pub fn dml(code: &'static str, message: impl Into<String>, fields: &[&str]) -> Self {
        let mut failure = Self::new(StatusCode::BAD_REQUEST, code, message);
        failure.fields = Some(fields.iter().map(|f| (*f).to_owned()).collect());
        failure
    }

    /// Any other 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: missing, unknown, expired or revoked token.
    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 403: the org's API request limit is used up.
    pub fn limit_exceeded(limit: u64) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            format!("TotalRequests Limit exceeded. The org's limit is {limit} API requests."),
        )
    }

    /// 404 of a path or a record that does not exist.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 500, injected by the faults knob (`errorRate`): Salesforce's answer to an error of its
    /// own, with the error id its support asks for.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            format!(
                "An unexpected error occurred. Please include this ErrorId if you contact support: {}-{} ({})",
                rand::random_range(100_000_000..1_000_000_000u32),
                rand::random_range(10_000..100_000u32),
                -rand::random_range(100_000_000..1_000_000_000i64),
            ),
        )
    }

    /// 503, injected by the faults knob.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "The server is temporarily unable to handle your request; try again later.",
        )
    }
}

impl IntoResponse for RestFailure {
    fn into_response(self) -> Response {
        let mut error = json!({ "message": self.message, "errorCode": self.code });
        if let Some(fields) = self.fields {
            error["fields"] = json!(fields);
        }
        super::login::json_response(self.status, &json!([error]))
    }
}
