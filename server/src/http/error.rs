//! [`ApiError`]: what handlers return with `?`, turned into the protocol's error body.

use axum::{
    Json,
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};
use paragon_protocol::{ErrorBody, ErrorCode};

/// A request-level failure. Each variant fixes its status code and stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404: nothing is served at this path.
    #[error("{0}")]
    NotFound(String),
    /// 500: a bug or an unavailable dependency. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::NotFound(message) => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound, message.clone())
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "internal server error".into(),
                )
            }
        };
        (status, Json(ErrorBody { message, code })).into_response()
    }
}

/// The fallback of the router: a JSON 404 that names the path (paths never carry secrets here).
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no such path: {}", uri.path()))
}
