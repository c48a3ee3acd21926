//! `ANY /projects/{pid}/sdk/proxy/{integration}/{*path}`: a call to the provider's API with the
//! user's credential, which never leaves the platform. JSON answers come as `{output}` unless
//! `X-Paragon-Use-Raw-Response: 1` (Paragon's contract). A 401 from the provider refreshes the
//! credential (once, across concurrent callers) and retries once.

use axum::{
    Router,
    body::Bytes,
    extract::{OriginalUri, RawQuery, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};

use super::{
    ApiError, AppState,
    auth::AuthUser,
    proxy_path::{ApiPath, PathRefusal},
};
use crate::connect::{ConnectError, credentials, provider::ProviderError};

const RAW_HEADER: &str = "x-paragon-use-raw-response";
/// How refusals name the URL the proxy calls.
const API_BASE: &str = "API base";

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
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // The request's own path, not axum's decoded captures: the path goes to the provider as
    // received, once every decoding of it is shown to stay under the API base.
    // `/projects/{pid}/sdk/proxy/{integration}/{path}` splits into 7 parts.
    let mut parts = uri.path().splitn(7, '/').skip(5);
    let integration_type = parts.next().unwrap_or_default().to_owned();
    let path = ApiPath::parse(parts.next().unwrap_or_default()).map_err(refused_path)?;
    let project = auth.project.id;
    let integration = state
        .store
        .integration_by_provider(project, &integration_type)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "the project has no {integration_type:?} integration"
            ))
        })?;
    let credential = state
        .store
        .credential_for(project, &auth.user.id, &integration.id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!("this user has not connected {}", integration.name))
        })?;
    let url = path
        .under(&integration.api_base, query.as_deref())
        .map_err(refused_path)?;
    let call = Call {
        state: &state,
        method,
        url,
        content_type: headers.get(header::CONTENT_TYPE).cloned(),
        body,
    };
    let mut token = credentials::access_token(&state.connect, &credential).await?;
    let mut response = call.send(&token.token).await?;
    if response.status() == StatusCode::UNAUTHORIZED {
        token =
            credentials::refresh(&state.connect, project, &credential.id, token.version).await?;
        response = call.send(&token.token).await?;
    }
    let raw = headers
        .get(RAW_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1" || v.as_bytes() == b"true");
    answer(response, raw).await
}

/// The provider call, sent once and, after a refresh, once more.
struct Call<'a> {
    state: &'a AppState,
    method: Method,
    url: reqwest::Url,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

impl Call<'_> {
    async fn send(&self, token: &str) -> Result<reqwest::Response, ConnectError> {
        let mut request = self
            .state
            .connect
            .provider
            .request(self.method.clone(), self.url.as_str(), API_BASE)?
            .bearer_auth(token)
            .body(self.body.clone());
        if let Some(content_type) = &self.content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::from_send(e.without_url(), API_BASE))?;
        Ok(response)
    }
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

fn refused_path(refusal: PathRefusal) -> ApiError {
    ApiError::BadRequest(format!(
        "{refusal}: the proxy calls paths under the integration's API base only"
    ))
}

fn unavailable(error: reqwest::Error) -> ApiError {
    ConnectError::Provider(ProviderError::Transient(error.without_url().to_string())).into()
}
