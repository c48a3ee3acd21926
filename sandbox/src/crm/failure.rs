//! [`CrmFailure`]: every error a CRM call can answer, with HubSpot's exact bodies.
//!
//! HubSpot's spec declares only a generic `Error` schema; the bodies here are the observed ones
//! (see the research report, section 2.2 and 2.3): `status`, `message`, `correlationId`,
//! `category`, and `errors[]`/`context` where HubSpot sends them.

use serde_json::{Value, json};

use crate::{clock, secrets};

/// One entry of an error's `errors[]` (HubSpot's `ErrorDetail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    /// What was wrong.
    pub message: String,
    /// HubSpot's code, e.g. `PROPERTY_DOESNT_EXIST`.
    pub code: Option<String>,
    /// The property concerned.
    pub property: Option<String>,
}

/// Which rate-limit policy a request ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatePolicy {
    /// The per-account 110-per-10-s window.
    TenSecondly,
    /// The per-account 5-per-second window of CRM search.
    Secondly,
}

/// A refused CRM call.
#[derive(Debug, Clone, PartialEq)]
pub enum CrmFailure {
    /// 400: the input is invalid.
    Validation {
        /// The top-level message.
        message: String,
        /// Details, one per invalid property or field.
        errors: Vec<ErrorDetail>,
    },
    /// 409: the email belongs to another contact.
    Conflict {
        /// That contact's id.
        existing_id: u64,
    },
    /// 404: no such contact.
    NotFound,
    /// 401: missing, unknown or revoked token.
    InvalidAuthentication,
    /// 401: the token expired.
    ExpiredAuthentication {
        /// How long ago.
        ago_ms: u64,
        /// When.
        expired_ms: u64,
    },
    /// 403: the token lacks the scope the call needs.
    MissingScopes {
        /// The scopes of which the call needs one.
        required: &'static [&'static str],
    },
    /// 429: a rate limit was hit.
    RateLimited {
        /// Which one.
        policy: RatePolicy,
        /// The account (for `groupName`).
        hub_id: u32,
        /// The app (for `groupName`).
        app_id: u32,
    },
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 5xx injected by the fault knob.
    Injected {
        /// 500, 502 or 503.
        status: u16,
    },
}

impl CrmFailure {
    /// A 400 with one message and no details.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation {
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// HubSpot's 400 for an object type path segment it cannot infer (by name or id).
    pub fn unknown_object_type(segment: &str) -> Self {
        Self::validation(format!("Unable to infer object type from: {segment}"))
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 400,
            Self::Conflict { .. } => 409,
            Self::NotFound => 404,
            Self::InvalidAuthentication | Self::ExpiredAuthentication { .. } => 401,
            Self::MissingScopes { .. } => 403,
            Self::RateLimited { .. } => 429,
            Self::UnsupportedMediaType => 415,
            Self::Injected { status } => *status,
        }
    }

    /// The JSON body, with a fresh `correlationId`.
    pub fn body(&self) -> Value {
        let correlation_id = secrets::correlation_id();
        let error = |message: &str, category: &str| json!({"status": "error", "message": message, "correlationId": correlation_id, "category": category});
        match self {
            Self::Validation { message, errors } => {
                let mut body = error(message, "VALIDATION_ERROR");
                if !errors.is_empty() {
                    body["errors"] = errors.iter().map(detail_json).collect();
                }
                body
            }
            Self::Conflict { existing_id } => error(
                &format!("Contact already exists. Existing ID: {existing_id}"),
                "CONFLICT",
            ),
            Self::NotFound => error("resource not found", "OBJECT_NOT_FOUND"),
            Self::InvalidAuthentication => error(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication \
                 and you can find more details at \
                 https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            ),
            Self::ExpiredAuthentication { ago_ms, expired_ms } => {
                let message = format!(
                    "The OAuth token used to make this call expired {} ago.",
                    clock::ago(*ago_ms)
                );
                let mut body = error(&message, "EXPIRED_AUTHENTICATION");
                body["context"] = json!({"expire time": [clock::iso8601(*expired_ms)]});
                body
            }
            Self::MissingScopes { required } => {
                let mut body = error(
                    "This app hasn't been granted all required scopes to make this call. \
                     Read more about required scopes here: https://developers.hubspot.com/scopes.",
                    "MISSING_SCOPES",
                );
                body["errors"] = json!([{
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": required},
                }]);
                body["links"] = json!({"scopes": "https://developers.hubspot.com/scopes"});
                body
            }
            Self::RateLimited {
                policy,
                hub_id,
                app_id,
            } => {
                let (message, policy_name) = match policy {
                    RatePolicy::TenSecondly => (
                        "You have reached your ten_secondly_rolling limit.",
                        "TEN_SECONDLY_ROLLING",
                    ),
                    RatePolicy::Secondly => ("You have reached your secondly limit.", "SECONDLY"),
                };
                json!({
                    "status": "error",
                    "message": message,
                    "errorType": "RATE_LIMIT",
                    "correlationId": correlation_id,
                    "policyName": policy_name,
                    "groupName": format!("publicapi:oauth:{app_id}:{hub_id}"),
                })
            }
            Self::UnsupportedMediaType => error(
                "Content type not supported: the body must be application/json",
                "VALIDATION_ERROR",
            ),
            Self::Injected { status } => {
                let message = match status {
                    502 => "Bad Gateway",
                    503 => "Service Unavailable",
                    _ => "internal error",
                };
                error(message, "INTERNAL_ERROR")
            }
        }
    }
}

impl CrmFailure {
    /// The failure as one entry of a batch answer's `errors[]` (HubSpot's `StandardError`),
    /// naming the input's id in `context.ids`.
    pub fn standard_error(&self, id: &str) -> Value {
        let body = self.body();
        json!({
            "status": "error",
            "category": body["category"],
            "message": body["message"],
            "context": {"ids": [id]},
            "errors": body.get("errors").cloned().unwrap_or_else(|| json!([])),
            "links": {},
        })
    }
}

fn detail_json(detail: &ErrorDetail) -> Value {
    let mut value = json!({"message": detail.message});
    if let Some(code) = &detail.code {
        value["code"] = json!(code);
    }
    if let Some(property) = &detail.property {
        value["context"] = json!({"propertyName": [property]});
    }
    value
}
