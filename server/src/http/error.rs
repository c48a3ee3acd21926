//! [`ApiError`]: what handlers and extractors return with `?`, turned into the protocol's
//! error body `{message, code}` with its status code (docs/api.md lists them).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use paragon_protocol::{ErrorBody, ErrorCode};

use crate::{
    admin::AdminError, auth::token::TokenError, connect::ConnectError, storage::StorageError,
};

/// A request-level failure. Each variant fixes its status and stable `code`; the message is
/// for the app's developer and never holds a secret or internal detail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed input (bad JSON, wrong types).
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or invalid token or key.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource or path.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 422: well-formed but semantically wrong.
    #[error("{0}")]
    Unprocessable(String),
    /// 429: too many requests; the client may try again after `retry_after_secs`
    /// (`Retry-After`, RFC 9110 section 10.2.3).
    #[error("{message}")]
    RateLimited {
        /// What was limited, and how much is allowed.
        message: String,
        /// Seconds until the limit lets requests through again (at least 1).
        retry_after_secs: u64,
    },
    /// 500: a bug or an unavailable dependency. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// 502: the provider failed or refused the platform's call.
    #[error("{0}")]
    BadGateway(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Self::MethodNotAllowed(_) => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            Self::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            Self::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Unprocessable),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
            Self::BadGateway(_) => (StatusCode::BAD_GATEWAY, ErrorCode::BadGateway),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "internal server error".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorBody { message, code })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 section 3: tell the client which scheme to use.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::RateLimited {
            retry_after_secs, ..
        } = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Conflict(message) => Self::Conflict(message),
            StorageError::TooLarge(message) => Self::PayloadTooLarge(message),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::Invalid(message) => Self::Unprocessable(message),
            AdminError::NotFound(message) => Self::NotFound(message),
            AdminError::Storage(e) => e.into(),
        }
    }
}

impl From<ConnectError> for ApiError {
    fn from(error: ConnectError) -> Self {
        match error {
            ConnectError::NotFound(message) => Self::NotFound(message),
            ConnectError::Invalid(message) => Self::Unprocessable(message),
            ConnectError::Forbidden(message) => Self::Forbidden(message),
            invalid @ ConnectError::CredentialInvalid(_) => Self::Conflict(invalid.to_string()),
            ConnectError::Provider(e) => Self::BadGateway(e.to_string()),
            ConnectError::Vault(e) => Self::Internal(e.to_string()),
            ConnectError::Storage(e) => e.into(),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        Self::Unauthorized(error.to_string())
    }
}

/// The fallback of the router: a JSON 404 that names the path (paths never carry secrets here).
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no such path: {}", uri.path()))
}

/// The answer for a known path called with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this path does not take this method".into())
}
