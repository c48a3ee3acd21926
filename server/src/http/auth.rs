//! Extractors that authenticate a request against the project of its path:
//! [`AuthUser`] (SDK API, user token), [`ProjectAdmin`] (management API, project API key) and
//! [`Operator`] (`POST /projects`, the operator key).

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, Path},
    http::{header, request::Parts},
};
use subtle::ConstantTimeEq;

use super::{ApiError, AppState};
use crate::{
    auth::{
        api_key,
        token::{self, Policy, TokenError},
    },
    clock,
    ids::ProjectId,
    storage::{Project, User},
};

/// An end user authenticated by a user token of the path's project.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The project of the path.
    pub project: Project,
    /// The user (created by the first valid token for its `sub`).
    pub user: User,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(TokenError::Missing)?.to_owned();
        let source = source(parts);
        state
            .auth_throttle
            .guard(source, &token, verify_user(parts, state, &token))
            .await
    }
}

/// Checks a user token against the path's project and finds (or creates) its user.
async fn verify_user(
    parts: &mut Parts,
    state: &AppState,
    token: &str,
) -> Result<AuthUser, ApiError> {
    let project_id = path_project(parts, state).await?;
    // An unknown project answers like a bad token: the API does not confirm which ids exist.
    let project = state
        .store
        .project(project_id)
        .await?
        .ok_or(TokenError::UnknownKey)?;
    let keys: Vec<_> = state
        .store
        .signing_keys(project_id)
        .await?
        .into_iter()
        .filter(|record| record.revoked_at.is_none())
        .map(|record| record.key)
        .collect();
    let now = clock::now_ms();
    let policy = Policy {
        project_id,
        max_lifetime_secs: project.max_token_lifetime_secs,
        audience: state.settings.token_audience.as_deref(),
        now: clock::secs(now),
    };
    let verified = token::verify(token, &keys, policy)?;
    let user = state
        .store
        .ensure_user(project_id, &verified.sub, now)
        .await?;
    Ok(AuthUser { project, user })
}

/// A caller holding an API key of the path's project.
#[derive(Debug, Clone, Copy)]
pub struct ProjectAdmin {
    /// The project of the path, which the key belongs to.
    pub project_id: ProjectId,
}

impl FromRequestParts<AppState> for ProjectAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let refused = || {
            ApiError::Unauthorized(
                "send this project's API key as `Authorization: Bearer <key>`".into(),
            )
        };
        let key = bearer(parts).ok_or_else(refused)?.to_owned();
        let source = source(parts);
        let check = async {
            let project_id = path_project(parts, state).await?;
            match state.store.project_of_api_key(&api_key::hash(&key)).await? {
                Some(owner) if owner == project_id => Ok(Self { project_id }),
                _ => Err(refused()),
            }
        };
        state.auth_throttle.guard(source, &key, check).await
    }
}

/// The platform's operator, holding `PARAGON_ADMIN_KEY`.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.settings.admin_key_hash else {
            return Err(ApiError::Forbidden(
                "creating projects over HTTP is disabled: set PARAGON_ADMIN_KEY on the server, or use `paragon project create`".into(),
            ));
        };
        let refused = || {
            ApiError::Unauthorized("send the operator key as `Authorization: Bearer <key>`".into())
        };
        let key = bearer(parts).ok_or_else(refused)?;
        let check = async {
            if bool::from(api_key::hash(key).ct_eq(expected)) {
                Ok(Self)
            } else {
                Err(refused())
            }
        };
        state.auth_throttle.guard(source(parts), key, check).await
    }
}

/// The peer's address, which the accept loop puts on every request; absent when the router is
/// called directly (`oneshot`), and then nothing is throttled.
fn source(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip())
}

/// The credential of `Authorization: Bearer <credential>` (scheme case-insensitive, RFC 6750).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    let credential = credential.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty()).then_some(credential)
}

/// The `{pid}` of the matched route. A value that is not a project id is refused like an
/// unknown project.
async fn path_project(parts: &mut Parts, state: &AppState) -> Result<ProjectId, ApiError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    params
        .get("pid")
        .and_then(|pid| ProjectId::parse(pid))
        .ok_or_else(|| ApiError::Unauthorized("unknown project".into()))
}
