//! `ANY /projects/{pid}/sdk/proxy/{integration}/{*path}`: a call to the provider's API with the
//! user's credential, which never leaves the platform. JSON answers come as `{output}` unless
//! `X-Paragon-Use-Raw-Response: 1` (Paragon's contract). A 401 from the provider refreshes the
//! credential (once, across concurrent callers) and retries once.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};

use super::{ApiError, AppState, auth::AuthUser};
use crate::connect::{ConnectError, credentials, provider::ProviderError};

const RAW_HEADER: &str = "x-paragon-use-raw-response";

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/projects/{pid}/sdk/proxy/{integration}/{*path}",
        any(proxy),
    )
}

async fn proxy(
    State(state): State<AppState>,
    auth: AuthUser,
    method: Method,
    Path((_, integration_type, path)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let project = auth.project.id.to_string();
    let integration = state
        .store
        .integration_by_provider(&project, &integration_type)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "the project has no {integration_type:?} integration"
            ))
        })?;
    let credential = state
        .store
        .credential_for(&project, auth.user.id.as_str(), &integration.id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!("this user has not connected {}", integration.name))
        })?;
    if path.split('/').any(|segment| segment == "..") {
        return Err(ApiError::BadRequest(
            "the path may not climb out of the API".into(),
        ));
    }
    let url = match &query {
        Some(q) => format!("{}/{path}?{q}", integration.api_base),
        None => format!("{}/{path}", integration.api_base),
    };
    let content_type = headers.get(header::CONTENT_TYPE).cloned();
    let send = |token: String| {
        let mut request = state
            .connect
            .provider
            .http()
            .request(method.clone(), &url)
            .bearer_auth(token)
            .body(body.clone());
        if let Some(content_type) = &content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        request.send()
    };
    let mut token = credentials::access_token(&state.connect, &credential).await?;
    let mut response = send(token.token.clone()).await.map_err(unavailable)?;
    if response.status() == StatusCode::UNAUTHORIZED {
        token =
            credentials::refresh(&state.connect, &project, &credential.id, token.version).await?;
        response = send(token.token).await.map_err(unavailable)?;
    }
    let raw = headers
        .get(RAW_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1" || v.as_bytes() == b"true");
    answer(response, raw).await
}

async fn answer(response: reqwest::Response, raw: bool) -> Result<Response, ApiError> {
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = response.bytes().await.map_err(unavailable)?;
    let is_json = content_type
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json && !raw {
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        return Ok((status, axum::Json(serde_json::json!({ "output": value }))).into_response());
    }
    let mut out = (status, bytes).into_response();
    if let Some(content_type) = content_type {
        out.headers_mut().insert(header::CONTENT_TYPE, content_type);
    } else {
        out.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    Ok(out)
}

fn unavailable(error: reqwest::Error) -> ApiError {
    ConnectError::Provider(ProviderError::Transient(error.without_url().to_string())).into()
}
