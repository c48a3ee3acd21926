//! [`ApiJson`]: axum's `Json` with the protocol's errors: malformed or wrongly typed bodies are
//! 400 and bodies over the limit 413, each with a JSON error body.

use axum::{
    Json,
    extract::{
        FromRequest, Request,
        rejection::{BytesRejection, JsonRejection},
    },
    http::StatusCode,
};

use super::ApiError;

/// A JSON request body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::BytesRejection(e) => unread_body(&e),
                JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(
                    "expected a JSON body with Content-Type: application/json".into(),
                ),
                JsonRejection::JsonSyntaxError(e) => {
                    ApiError::BadRequest(format!("malformed JSON: {}", e.body_text()))
                }
                JsonRejection::JsonDataError(e) => {
                    ApiError::BadRequest(format!("invalid body: {}", e.body_text()))
                }
                other => ApiError::BadRequest(other.body_text()),
            }),
        }
    }
}

/// Why a body could not be read: over the limit (413), or not received whole (400).
pub fn unread_body(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(format!(
            "the body is larger than this endpoint's limit of {} bytes",
            super::MAX_BODY_BYTES
        ))
    } else {
        ApiError::BadRequest(rejection.body_text())
    }
}
