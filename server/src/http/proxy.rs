//! `ANY /projects/{pid}/sdk/proxy/{integration}/{*path}`: a call to the provider's API with the
//! user's credential, which never leaves the platform. The path is the one Paragon's SDK calls
//! under its `WORKER_PROXY_PUBLIC_URL`, and the contract is Paragon's: JSON answers come as
//! `{output}` unless `X-Paragon-Use-Raw-Response: 1`, `Content-Type: auto` is inferred from the
//! body, the caller's own headers go on under a deny list (`proxy_headers`), and
//! `X-Paragon-Credential` may name the user's credential (`paragon_headers`). The call goes
//! through the one `api_client`: paced per account with the engine's calls, refreshed and
//! retried once on a 401, its answer capped (a longer one is a 502).

use axum::{
    Router,
    body::Bytes,
    extract::{OriginalUri, RawQuery, State},
    http::{HeaderMap, HeaderValue, Method, header},
    response::{IntoResponse, Response},
    routing::any,
};

use paragon_protocol::sdk::ProxyOutput;

use super::{ApiError, AppState, auth::AuthUser, paragon_headers, proxy_headers};
use crate::connect::{
    ConnectError,
    api_client::{ApiAnswer, ApiBody, ApiClient, ApiRequest, Exchange},
    api_path::{ApiPath, PathRefusal},
    endpoints::Endpoints,
    integrations::{self, Missing},
};

const RAW_HEADER: &str = "x-paragon-use-raw-response";

/// Paragon's way of naming a full provider URL instead of a path, which this proxy does not
/// take: every call stays under the integration's API base, checked as a path.
const PROXY_URL_HEADER: &str = "x-paragon-proxy-url";

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
    if headers.contains_key(PROXY_URL_HEADER) {
        return Err(ApiError::BadRequest(
            "X-Paragon-Proxy-Url is not supported: put the path under the API base after \
             /sdk/proxy/{integration}/"
                .into(),
        ));
    }
    // The request's own path, not axum's decoded captures: the path goes to the provider as
    // received, once every decoding of it is shown to stay under the API base.
    // `/projects/{pid}/sdk/proxy/{integration}/{path}` splits into 7 parts.
    let mut parts = uri.path().splitn(7, '/').skip(5);
    let integration_type = parts.next().unwrap_or_default().to_owned();
    let path = ApiPath::parse(parts.next().unwrap_or_default()).map_err(refused_path)?;
    let connected = integrations::connected(
        &state.store,
        auth.project.id,
        &auth.user.id,
        &integration_type,
    )
    .await?;
    let (integration, credential) = connected.map_err(|missing| {
        ApiError::NotFound(match missing {
            Missing::Integration => {
                format!("the project has no {integration_type:?} integration")
            }
            Missing::Credential(name) => format!("this user has not connected {name}"),
        })
    })?;
    paragon_headers::check(&headers, &credential)?;
    let api = ApiClient::new(&state.connect, Endpoints::of(&integration)?, &credential);
    let url = path
        .under(&api.api_base()?, query.as_deref())
        .map_err(refused_path)?;
    let request = ApiRequest {
        method,
        path: url.path().to_owned(),
        url: url.into(),
        body: ApiBody::Raw {
            content_type: proxy_headers::content_type(&headers, &body),
            headers: proxy_headers::forwarded(&headers),
            bytes: body,
        },
    };
    let answer = api
        .send(&request, &mut Exchange::default())
        .await
        .map_err(ConnectError::from)?;
    let raw = headers
        .get(RAW_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1" || v.as_bytes() == b"true");
    Ok(respond(answer, raw))
}

/// The provider's answer as the SDK expects it.
fn respond(answer: ApiAnswer, raw: bool) -> Response {
    let is_json = answer
        .content_type
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json && !raw {
        let value = answer.json();
        return (answer.status, axum::Json(ProxyOutput { output: value })).into_response();
    }
    let mut out = (answer.status, answer.body).into_response();
    let content_type = answer
        .content_type
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    out.headers_mut().insert(header::CONTENT_TYPE, content_type);
    out
}

fn refused_path(refusal: PathRefusal) -> ApiError {
    ApiError::BadRequest(format!(
        "{refusal}: the proxy calls paths under the integration's API base only"
    ))
}
