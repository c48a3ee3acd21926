//! Console sessions: an API key (or the operator key) is exchanged once, at sign-in, for a
//! random session id in a cookie; the key itself is never stored in the browser.
//!
//! The id is 256 random bits; the database keeps only its SHA-256 (a leaked table signs no one
//! in) with the scope, the last request and the absolute end. Every request checks both expiries
//! against the stored times, so a replica, a restart or a clock on another machine cannot extend
//! a session, and sign-out deletes the row: the cookie is dead everywhere at once.
//!
//! The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends
//! it), `Path=/`. Under an `https` public URL it is `__Host-paragon_console` with `Secure`: the
//! prefix makes browsers refuse it unless it is Secure, host-only and for `/`, so a sibling
//! subdomain cannot plant one. Browsers refuse `Secure` cookies (and so the prefix) on plain
//! `http` origins, so a local `http://127.0.0.1` install uses `paragon_console` instead.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, Method, header, request::Parts},
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::{AppState, csrf, layout, see_other};
use crate::{
    clock,
    ids::ProjectId,
    storage::{ConsoleSession, StorageError},
};

/// A session ends after this long without a request.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// The cookie's name under an `https` public URL.
pub const SECURE_NAME: &str = "__Host-paragon_console";
/// The cookie's name under an `http` public URL (see the module's documentation).
pub const PLAIN_NAME: &str = "paragon_console";

/// What a session may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One project (signed in with its API key).
    Project(ProjectId),
    /// Every project (signed in with the operator key).
    Operator,
}

/// A signed-in console request.
#[derive(Clone)]
pub struct Console {
    /// The session id from the cookie (for the CSRF token; never rendered or logged).
    id: String,
    /// What it may see.
    pub scope: Scope,
}

/// Without the session id: a `?console` in a log line must not print a live credential.
impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Console {
    /// Whether the session may see `project`.
    pub fn may_see(&self, project: ProjectId) -> bool {
        match self.scope {
            Scope::Operator => true,
            Scope::Project(own) => own == project,
        }
    }

    /// The session's CSRF token, for the forms of its pages.
    pub fn csrf_token(&self) -> String {
        csrf::token(&self.id)
    }

    /// Whether a form's token is this session's.
    pub fn csrf_ok(&self, sent: &str) -> bool {
        csrf::check(&self.id, sent)
    }
}

/// The cookie's name and whether it is `Secure`, from the public URL.
fn cookie_kind(public_url: &str) -> (&'static str, bool) {
    if public_url.starts_with("https://") {
        (SECURE_NAME, true)
    } else {
        (PLAIN_NAME, false)
    }
}

fn hash(id: &str) -> Vec<u8> {
    Sha256::digest(id.as_bytes()).to_vec()
}

/// Starts a session of `scope`; returns the `Set-Cookie` value that carries it.
pub async fn start(state: &AppState, scope: Scope) -> Result<HeaderValue, StorageError> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let id = URL_SAFE_NO_PAD.encode(bytes);
    let now = clock::now_ms();
    let project_id = match scope {
        Scope::Project(project) => Some(project),
        Scope::Operator => None,
    };
    state
        .store
        .create_console_session(&ConsoleSession {
            id_hash: hash(&id),
            project_id,
            created_ms: now,
            last_seen_ms: now,
            expires_ms: now.saturating_add(ABSOLUTE_MS),
        })
        .await?;
    let (name, secure) = cookie_kind(&state.connect.public_url);
    let cookie = format!(
        "{name}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ABSOLUTE_MS / 1000,
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// Ends the session server-side; returns the `Set-Cookie` value that clears the cookie.
pub async fn end(state: &AppState, console: &Console) -> Result<HeaderValue, StorageError> {
    state
        .store
        .delete_console_session(&hash(&console.id))
        .await?;
    let (name, secure) = cookie_kind(&state.connect.public_url);
    let cookie = format!(
        "{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// Deletes the session whose cookie `headers` carry, if any: a new sign-in replaces the
/// browser's previous session instead of leaving it alive until it expires.
pub async fn forget_presented(state: &AppState, headers: &HeaderMap) -> Result<(), StorageError> {
    let (name, _) = cookie_kind(&state.connect.public_url);
    if let Some(id) = cookie_value(headers, name) {
        state.store.delete_console_session(&hash(id)).await?;
    }
    Ok(())
}

/// The session id in the request's cookies, if any.
fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}

impl FromRequestParts<AppState> for Console {
    /// Without a live session: a page is sent to the sign-in form, an action is refused.
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_out = |method: &Method| {
            if *method == Method::GET || *method == Method::HEAD {
                see_other("/console/sign-in")
            } else {
                layout::forbidden("Your console session has ended: sign in again.")
            }
        };
        let (name, _) = cookie_kind(&state.connect.public_url);
        let Some(id) = cookie_value(&parts.headers, name).map(str::to_owned) else {
            return Err(signed_out(&parts.method));
        };
        let id_hash = hash(&id);
        let stored = match state.store.console_session(&id_hash).await {
            Ok(stored) => stored,
            Err(error) => return Err(layout::storage_failed(&error)),
        };
        let Some(stored) = stored else {
            return Err(signed_out(&parts.method));
        };
        let now = clock::now_ms();
        if now >= stored.expires_ms || now.saturating_sub(stored.last_seen_ms) >= IDLE_MS {
            // Gone for good: delete it now rather than waiting for housekeeping.
            if let Err(error) = state.store.delete_console_session(&id_hash).await {
                tracing::warn!(%error, "deleting an expired console session failed");
            }
            return Err(signed_out(&parts.method));
        }
        if let Err(error) = state.store.touch_console_session(&id_hash, now).await {
            return Err(layout::storage_failed(&error));
        }
        let scope = match stored.project_id {
            Some(project) => Scope::Project(project),
            None => Scope::Operator,
        };
        Ok(Self { id, scope })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_leaves_the_session_id_out() {
        let console = Console {
            id: "secret-session-id".into(),
            scope: Scope::Operator,
        };

        assert!(!format!("{console:?}").contains("secret-session-id"));
    }

    #[test]
    fn the_cookie_is_host_prefixed_and_secure_only_under_https() {
        assert_eq!(cookie_kind("https://paragon.example"), (SECURE_NAME, true));
        assert_eq!(cookie_kind("http://127.0.0.1:7000"), (PLAIN_NAME, false));
    }
}
