//! `GET/POST /console/sign-in` and `POST /console/sign-out`.
//!
//! The key is posted in the form body (never a query string, never stored by the page) and
//! checked as the management API checks it, under the same throttle of failed
//! authentications per source address ([`crate::http::auth_throttle`]).

use std::net::SocketAddr;

use axum::{
    Form, Router,
    extract::{ConnectInfo, State, rejection::FormRejection},
    http::{Extensions, HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::super::{
    AppState, csrf,
    layout::{self, escape},
    see_other,
    session::{self, Console, Scope},
};
use crate::{auth::api_key, http::ApiError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/sign-in", get(form).post(sign_in))
        .route("/console/sign-out", post(sign_out))
}

async fn form() -> Response {
    sign_in_page(StatusCode::OK, None)
}

fn sign_in_page(status: StatusCode, problem: Option<&str>) -> Response {
    let problem = problem.map_or(String::new(), |text| {
        format!(
            r#"<p class="problem" role="alert" id="problem">{}</p>"#,
            escape(text)
        )
    });
    let described = if problem.is_empty() {
        ""
    } else {
        r#" aria-describedby="problem""#
    };
    let body = format!(
        r#"<h1>Sign in</h1>
<p>Sign in with a project's API key to see that project, or with the operator key to see every project. The key is exchanged for a session once; the browser keeps only the session cookie.</p>
{problem}
<form method="post" action="/console/sign-in" class="stack">
<label for="key">API key or operator key</label>
<input id="key" name="key" type="password" autocomplete="current-password" spellcheck="false" required{described}>
<button type="submit">Sign in</button>
</form>"#
    );
    layout::page(status, "Sign in", None, &body)
}

#[derive(Deserialize)]
struct SignInForm {
    key: String,
}

async fn sign_in(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let Ok(Form(SignInForm { key })) = form else {
        return sign_in_page(StatusCode::BAD_REQUEST, Some("Enter a key."));
    };
    let key = key.trim();
    if key.is_empty() {
        return sign_in_page(StatusCode::BAD_REQUEST, Some("Enter a key."));
    }
    let source = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let check = async {
        let hash = api_key::hash(key);
        if let Some(expected) = &state.settings.admin_key_hash
            && bool::from(hash.ct_eq(expected))
        {
            return Ok(Scope::Operator);
        }
        match state.store.project_of_api_key(&hash).await? {
            Some(project) => Ok(Scope::Project(project)),
            None => Err(ApiError::Unauthorized("unknown key".into())),
        }
    };
    let scope = match state.auth_throttle.guard(source, key, check).await {
        Ok(scope) => scope,
        Err(ApiError::Unauthorized(_)) => {
            return sign_in_page(
                StatusCode::UNAUTHORIZED,
                Some(
                    "That key was not accepted. Check that it is a project API key or the operator key.",
                ),
            );
        }
        Err(ApiError::RateLimited {
            retry_after_secs, ..
        }) => {
            let mut response = sign_in_page(
                StatusCode::TOO_MANY_REQUESTS,
                Some(&format!(
                    "Too many failed sign-ins from this address: try again in {retry_after_secs} s."
                )),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return response;
        }
        Err(other) => return other.into_response(),
    };
    if let Err(error) = session::forget_presented(&state, &headers).await {
        return layout::storage_failed(&error);
    }
    match session::start(&state, scope).await {
        Ok(cookie) => {
            let mut response = see_other("/console");
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(error) => layout::storage_failed(&error),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    console: Console,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let sent = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !console.csrf_ok(&sent) {
        return layout::forbidden(&format!(
            "The form did not carry this session's `{}` token, so nothing was done.",
            csrf::FIELD
        ));
    }
    match session::end(&state, &console).await {
        Ok(cookie) => {
            let mut response = see_other("/console/sign-in");
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(error) => layout::storage_failed(&error),
    }
}
