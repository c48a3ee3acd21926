//! [`ApiFailure`]: SendGrid's error answers, `{"errors": [{"field", "message"}]}` with
//! `Content-Type: application/json` (the `ErrorResponse` of SendGrid's OpenAPI specs,
//! <https://github.com/twilio/sendgrid-oai>).
//!
//! Wordings: "authorization required" (no key) is the specs' example for 401; "The provided
//! authorization grant is invalid, expired, or revoked", with `"help": null`, is what SendGrid
//! answers a wrong or revoked key (observed in its client libraries' issues); "too many
//! requests" is the rate-limit page's 429. The others are the stand-in's own, in the same shape.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::http::reply;

/// SendGrid's content type, on successes and errors alike.
pub const SENDGRID_JSON: &str = "application/json";

/// A JSON answer with SendGrid's content type.
pub fn json(status: StatusCode, body: &Value) -> Response {
    reply::json_as(SENDGRID_JSON, status, body)
}

/// One entry of `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field at fault (`contacts[0].email`); `None` is JSON `null`.
    pub field: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl FieldError {
    /// An error about `field`.
    pub fn at(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

/// One refused API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// The HTTP status.
    pub status: StatusCode,
    /// The errors, in the order found.
    pub errors: Vec<FieldError>,
    /// Whether each error carries `"help": null`, as the invalid-key answer does.
    with_help: bool,
}

impl ApiFailure {
    fn one(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            errors: vec![FieldError {
                field: None,
                message: message.to_owned(),
            }],
            with_help: false,
        }
    }

    /// 401: no `Authorization` header.
    pub fn authorization_required() -> Self {
        Self::one(StatusCode::UNAUTHORIZED, "authorization required")
    }

    /// 401: a key that is not a live key of this stand-in (malformed, unknown or revoked).
    pub fn invalid_grant() -> Self {
        Self {
            with_help: true,
            ..Self::one(
                StatusCode::UNAUTHORIZED,
                "The provided authorization grant is invalid, expired, or revoked",
            )
        }
    }

    /// 400 with every error found.
    pub fn bad_request(errors: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            errors,
            with_help: false,
        }
    }

    /// 400: the body is not JSON.
    pub fn invalid_json() -> Self {
        Self::one(StatusCode::BAD_REQUEST, "invalid JSON")
    }

    /// 404 with what was not found.
    pub fn not_found(message: &str) -> Self {
        Self::one(StatusCode::NOT_FOUND, message)
    }

    /// 429: the endpoint's allowance for this period is spent.
    pub fn too_many_requests() -> Self {
        Self::one(StatusCode::TOO_MANY_REQUESTS, "too many requests")
    }

    /// 500, injected by the faults knob; says nothing internal.
    pub fn internal() -> Self {
        Self::one(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| {
                let mut error = json!({ "field": e.field, "message": e.message });
                if self.with_help {
                    error["help"] = Value::Null;
                }
                error
            })
            .collect();
        json(self.status, &json!({ "errors": errors }))
    }
}
