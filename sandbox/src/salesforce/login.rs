//! The login host: `/services/oauth2/authorize` (the consent page), `/token`, `/revoke` and
//! `/userinfo`, as documented in "OAuth 2.0 Web Server Flow for Web App Integration"
//! (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm>)
//! and, for PKCE, the REST API guide's "Authorize Apps with the Web Server OAuth Flow"
//! (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm>):
//! a `code_challenge` without a `code_verifier` at the token endpoint fails `invalid_grant`, a
//! verifier that does not match fails `invalid_request`.
//!
//! The token answer carries `access_token`, `refresh_token` (only from a code exchange, and
//! only with the `refresh_token` scope), `signature`, `scope`, `instance_url`, `id` (the
//! identity URL, `{login}/id/{orgId}/{userId}`), `token_type` `Bearer` and `issued_at` (epoch
//! ms as a string). Errors are `{error, error_description}` with status 400.

use axum::{
    Router,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    consent_page,
    grants::{self, Code, Consent},
    signature,
    state::{Salesforce, World},
};
use crate::{clock, http::reply, secrets};

/// The login routes.
pub fn router() -> Router<Salesforce> {
    Router::new()
        .route("/services/oauth2/authorize", get(authorize).post(decide))
        .route("/services/oauth2/token", post(token))
        .route("/services/oauth2/revoke", get(revoke_get).post(revoke))
        .route("/services/oauth2/userinfo", get(userinfo))
}

/// An OAuth error answer: `{error, error_description}`.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    reply::no_store(json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    ))
}

/// Salesforce's JSON content type.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    reply::json_as("application/json;charset=UTF-8", status, body)
}

fn query<T: for<'de> Deserialize<'de>>(raw: Option<&str>) -> Result<T, String> {
    serde_urlencoded::from_str(raw.unwrap_or_default()).map_err(|e| e.to_string())
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// Where an authorize error goes: a page when the redirect URI cannot be trusted, otherwise
/// back to the app with `error` and `error_description`.
fn redirect_error(uri: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let separator = if uri.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{uri}{separator}{query}")).into_response()
}

async fn authorize(State(sf): State<Salesforce>, RawQuery(raw): RawQuery) -> Response {
    let q: AuthorizeQuery = match query(raw.as_deref()) {
        Ok(q) => q,
        Err(e) => return error_page(&format!("The authorize URL cannot be read: {e}")),
    };
    let mut world = sf.lock();
    let Some(app) = q.client_id.as_deref().and_then(|id| world.apps.get(id)) else {
        // Salesforce shows this on its own page: without a known app no redirect is trusted.
        return error_page("error=invalid_client_id: client identifier invalid");
    };
    let app = app.clone();
    let Some(redirect_uri) = q.redirect_uri.filter(|uri| app.has_redirect_uri(uri)) else {
        return error_page("error=redirect_uri_mismatch: redirect_uri must match configuration");
    };
    let state = q.state.as_deref();
    if q.response_type.as_deref() != Some("code") {
        return redirect_error(
            &redirect_uri,
            "unsupported_response_type",
            "response type not supported",
            state,
        );
    }
    let method_ok = matches!(q.code_challenge_method.as_deref(), None | Some("S256"));
    let challenge_ok = q.code_challenge.as_deref().is_none_or(|c| {
        c.len() == 43
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !method_ok || !challenge_ok {
        return redirect_error(
            &redirect_uri,
            "invalid_request",
            "invalid code_challenge: a base64url SHA-256 of the code_verifier (S256) is expected",
            state,
        );
    }
    if sf.settings().require_pkce && q.code_challenge.is_none() {
        return redirect_error(
            &redirect_uri,
            "invalid_request",
            "missing required code challenge",
            state,
        );
    }
    let scopes: Vec<String> = match q.scope.as_deref() {
        Some(s) if !s.trim().is_empty() => s.split_whitespace().map(str::to_owned).collect(),
        _ => app.config.scopes.clone(),
    };
    if let Some(bad) = scopes.iter().find(|s| !app.allows_scope(s)) {
        return redirect_error(
            &redirect_uri,
            "invalid_scope",
            &format!("the requested scope is not allowed: {bad}"),
            state,
        );
    }
    let consent = Consent {
        id: secrets::consent_id(),
        client_id: app.config.client_id.clone(),
        redirect_uri,
        state: q.state,
        scopes,
        code_challenge: q.code_challenge,
    };
    world
        .grants
        .consents
        .insert(consent.id.clone(), consent.clone());
    let orgs: Vec<_> = world.orgs.values().cloned().collect();
    reply::page(
        StatusCode::OK,
        consent_page::consent(&app.config.name, &consent, &orgs),
    )
}

fn error_page(message: &str) -> Response {
    reply::page(StatusCode::BAD_REQUEST, consent_page::error(message))
}

#[derive(Debug, Deserialize)]
struct Decision {
    consent_id: String,
    org_id: String,
    decision: String,
}

async fn decide(State(sf): State<Salesforce>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_form(&headers) {
        return error_page("The consent form must be sent form-encoded.");
    }
    let Ok(form) = serde_urlencoded::from_bytes::<Decision>(&body) else {
        return error_page(
            "The consent form is incomplete: consent_id, org_id and decision are required.",
        );
    };
    let mut world = sf.lock();
    let Some(consent) = world.grants.consents.remove(&form.consent_id) else {
        return error_page(
            "This consent was already answered or never existed; start again from the app.",
        );
    };
    let state = consent.state.as_deref();
    if form.decision != "grant" {
        return redirect_error(
            &consent.redirect_uri,
            "access_denied",
            "end-user denied authorization",
            state,
        );
    }
    let org_id = if form.org_id == "new" {
        let username = format!("user{}@sandbox.example", world.last_org + 1);
        world
            .open_org(&username, sf.settings().api_request_limit)
            .org_id
    } else if world.orgs.contains_key(&form.org_id) {
        form.org_id
    } else {
        return error_page("No such org; choose one of the list.");
    };
    let code = grants::code();
    let redirect = {
        let mut pairs = vec![("code", code.as_str())];
        if let Some(state) = state {
            pairs.push(("state", state));
        }
        let separator = if consent.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}{}",
            consent.redirect_uri,
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    };
    let expires_at_ms = clock::now_ms() + sf.settings().code_lifetime_ms;
    world.grants.codes.insert(
        code,
        Code {
            consent,
            org_id,
            expires_at_ms,
        },
    );
    // 303: the browser follows with a GET, as after any form post.
    Redirect::to(&redirect).into_response()
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

async fn token(State(sf): State<Salesforce>, headers: HeaderMap, body: Bytes) -> Response {
    let mut world = sf.lock();
    world.counters.token_requests += 1;
    if !is_form(&headers) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let form: TokenForm = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(e) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("the form cannot be read: {e}"),
            );
        }
    };
    let Some(app) = form
        .client_id
        .as_deref()
        .and_then(|id| world.apps.get(id))
        .cloned()
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
        );
    };
    let secret_ok = form
        .client_secret
        .as_deref()
        .is_some_and(|s| secrets::same_secret(s, &app.config.client_secret));
    if !secret_ok {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client credentials",
        );
    }
    let now = clock::now_ms();
    let lifetime = sf.settings().access_token_lifetime_ms;
    let (org_id, refresh, scopes) = match form.grant_type.as_deref() {
        Some("authorization_code") => {
            let Some(code) = form
                .code
                .as_deref()
                .and_then(|c| world.grants.codes.remove(c))
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid authorization code",
                );
            };
            if code.consent.client_id != app.config.client_id {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid authorization code",
                );
            }
            if code.expires_at_ms <= now {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired authorization code",
                );
            }
            if form.redirect_uri.as_deref() != Some(code.consent.redirect_uri.as_str()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "redirect_uri_mismatch",
                    "redirect_uri must match configuration",
                );
            }
            if let Some(challenge) = &code.consent.code_challenge {
                let Some(verifier) = form.code_verifier.as_deref() else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "code verifier required",
                    );
                };
                if !secrets::same_secret(&secrets::s256(verifier), challenge) {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "invalid code verifier",
                    );
                }
            }
            let scopes = code.consent.scopes.clone();
            // A refresh token only for apps granted the `refresh_token` scope.
            let refresh = scopes
                .iter()
                .any(|s| s == "refresh_token" || s == "offline_access")
                .then(|| {
                    let token = grants::refresh_token();
                    world.grants.refresh.insert(
                        token.clone(),
                        grants::Grant {
                            org_id: code.org_id.clone(),
                            client_id: app.config.client_id.clone(),
                            scopes: scopes.clone(),
                        },
                    );
                    token
                });
            (code.org_id, refresh.map(|t| (t, true)), scopes)
        }
        Some("refresh_token") => {
            let given = form.refresh_token.unwrap_or_default();
            let Some(grant) = world
                .grants
                .refresh
                .get(&given)
                .filter(|g| g.client_id == app.config.client_id)
                .cloned()
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired access/refresh token",
                );
            };
            world.counters.refreshes += 1;
            (grant.org_id, Some((given, false)), grant.scopes)
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant type not supported",
            );
        }
    };
    let Some(org) = world.orgs.get(&org_id).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "inactive organization",
        );
    };
    let access = world.grants.open_session(
        &org_id,
        refresh.as_ref().map(|(t, _)| t.clone()),
        scopes.clone(),
        now + lifetime,
    );
    world.counters.tokens_issued += 1;
    let base = &sf.settings().base_url;
    let id = format!("{base}/id/{}/{}", org.org_id, org.user_id);
    let issued_at = now.to_string();
    let mut body = json!({
        "access_token": access,
        "signature": signature::sign(&app.config.client_secret, &id, &issued_at),
        "scope": scopes.join(" "),
        "instance_url": base,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    // Not rotating: only the code exchange answers a refresh token.
    if let Some((token, true)) = refresh {
        body["refresh_token"] = json!(token);
    }
    reply::no_store(json_response(StatusCode::OK, &body))
}

#[derive(Debug, Deserialize)]
struct RevokeForm {
    token: Option<String>,
}

async fn revoke(State(sf): State<Salesforce>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_form(&headers) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let token = serde_urlencoded::from_bytes::<RevokeForm>(&body)
        .ok()
        .and_then(|f| f.token);
    revoke_token(&mut sf.lock(), token)
}

/// The GET form Salesforce also documents (`/revoke?token=…`); kept for old clients.
async fn revoke_get(State(sf): State<Salesforce>, RawQuery(raw): RawQuery) -> Response {
    let token = query::<RevokeForm>(raw.as_deref())
        .ok()
        .and_then(|f| f.token);
    revoke_token(&mut sf.lock(), token)
}

fn revoke_token(world: &mut World, token: Option<String>) -> Response {
    match token {
        Some(token) if world.grants.revoke(&token) => {
            world.counters.revocations += 1;
            StatusCode::OK.into_response()
        }
        Some(_) => oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "invalid token"),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token parameter is required",
        ),
    }
}

/// The OpenID Connect userinfo endpoint. A bad token answers 403 `Bad_OAuth_Token`, as the
/// identity URL documents (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm>).
async fn userinfo(State(sf): State<Salesforce>, headers: HeaderMap) -> Response {
    let world = sf.lock();
    let now = clock::now_ms();
    let org = super::rest::bearer(&headers)
        .and_then(|t| world.grants.sessions.get(t))
        .filter(|s| s.expires_at_ms > now)
        .and_then(|s| world.orgs.get(&s.org_id));
    let Some(org) = org else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    let base = &sf.settings().base_url;
    let (first, last) = org.display_name();
    let name = format!("{first} {last}").trim().to_owned();
    let rest = format!("{base}/services/data/{{version}}/");
    json_response(
        StatusCode::OK,
        &json!({
            "sub": format!("{base}/id/{}/{}", org.org_id, org.user_id),
            "user_id": org.user_id,
            "organization_id": org.org_id,
            "preferred_username": org.username,
            "nickname": org.username.split('@').next(),
            "name": name,
            "email": org.username,
            "email_verified": true,
            "given_name": first,
            "family_name": last,
            "zoneinfo": "America/Los_Angeles",
            "locale": "en_US",
            "language": "en_US",
            "active": true,
            "user_type": "STANDARD",
            "urls": {
                "rest": rest,
                "sobjects": format!("{rest}sobjects/"),
                "query": format!("{rest}query/"),
            },
        }),
    )
}
