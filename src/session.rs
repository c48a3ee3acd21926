//! The authenticated end user: `authenticate`, `getUser`, `setUserMetadata`,
//! `getIntegrationMetadata`, `logout`.
//!
//! The token lives in this module's memory only: never in storage, never in a URL, never in
//! what `getUser` returns. A page reload forgets it; the app authenticates again.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use crate::{
    SdkError,
    config::{self, Host},
    fetch::Request,
    js, token,
};

struct Session {
    auth: Auth,
    /// The last `/sdk/me` answer.
    user: JsValue,
    /// The last `/sdk/integrations` answer (an array).
    integrations: JsValue,
}

/// What a request on the user's behalf needs, cloned out of the session.
#[derive(Debug, Clone)]
pub struct Auth {
    host: Host,
    /// The project id, as given to `authenticate`.
    pub project_id: String,
    token: String,
    /// The user's id (the token's `sub`), from `/sdk/me`.
    pub user_id: String,
}

impl Auth {
    /// The URL of `/projects/{pid}/sdk{path}`.
    pub fn url(&self, path: &str) -> String {
        self.host
            .url(&format!("/projects/{}/sdk{path}", self.project_id))
    }

    /// The platform's base URL.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The user token, for the portal's init message only.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// A request to `/sdk{path}` with the user's token.
    pub fn request<'a>(&'a self, method: &'a str, url: &'a str) -> Request<'a> {
        Request {
            token: Some(&self.token),
            ..Request::new(method, url)
        }
    }
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// The current user's credentials, or [`SdkError::NotAuthenticated`].
pub fn auth() -> Result<Auth, SdkError> {
    SESSION
        .with(|s| s.borrow().as_ref().map(|s| s.auth.clone()))
        .ok_or(SdkError::NotAuthenticated)
}

/// Checks the token's `exp` locally, then loads the user and the project's integrations; with
/// `metadata`, merges it into the user's metadata first.
pub async fn authenticate(
    project_id: &str,
    token: &str,
    metadata: JsValue,
) -> Result<(), SdkError> {
    let host = config::host()?;
    if project_id.is_empty()
        || !project_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(SdkError::InvalidArgument(format!(
            "authenticate: \"{project_id}\" is not a project id"
        )));
    }
    let payload = js::parse(&token::payload_json(token)?)
        .ok_or_else(|| SdkError::InvalidToken("the payload is not JSON".into()))?;
    let exp = js::get(&payload, "exp").as_f64();
    if exp.is_some_and(|exp| token::is_expired(exp, js_sys::Date::now())) {
        return Err(SdkError::TokenExpired);
    }
    let mut auth = Auth {
        host,
        project_id: project_id.to_owned(),
        token: token.to_owned(),
        user_id: String::new(),
    };
    let me_url = auth.url("/me");
    let user = if metadata.is_object() {
        let body = js::object();
        js::set(&body, "meta", &metadata);
        let mut request = auth.request("PATCH", &me_url);
        request.body = Some(&body);
        request.json().await?
    } else {
        auth.request("GET", &me_url).json().await?
    };
    auth.user_id = js::string(&user, "userId")
        .ok_or_else(|| SdkError::InvalidResponse("/sdk/me without userId".into()))?;
    let integrations = auth
        .request("GET", &auth.url("/integrations"))
        .json()
        .await?;
    SESSION.with(|s| {
        *s.borrow_mut() = Some(Session {
            auth,
            user,
            integrations,
        })
    });
    Ok(())
}

/// Loads `/sdk/me` and `/sdk/integrations` again (after an install, an uninstall, …).
pub async fn refresh() -> Result<(), SdkError> {
    let auth = auth()?;
    let user = auth.request("GET", &auth.url("/me")).json().await?;
    let integrations = auth
        .request("GET", &auth.url("/integrations"))
        .json()
        .await?;
    store(&auth, Some(user), Some(integrations));
    Ok(())
}

/// Replaces the stored answers, unless the user changed (or logged out) meanwhile.
fn store(auth: &Auth, user: Option<JsValue>, integrations: Option<JsValue>) {
    SESSION.with(|s| {
        let mut session = s.borrow_mut();
        let Some(session) = session.as_mut().filter(|s| s.auth.token == auth.token) else {
            return;
        };
        if let Some(user) = user {
            session.user = user;
        }
        if let Some(integrations) = integrations {
            session.integrations = integrations;
        }
    });
}

/// `getUser()`: `{authenticated: false}`, or `{authenticated: true, userId, integrations, meta}`.
pub fn user() -> JsValue {
    let out = js::object();
    SESSION.with(|s| match s.borrow().as_ref() {
        None => js::set(&out, "authenticated", &false.into()),
        Some(session) => {
            js::set(&out, "authenticated", &true.into());
            js::set(&out, "userId", &session.auth.user_id.as_str().into());
            for key in ["integrations", "meta"] {
                js::set(&out, key, &js::copy(&js::get(&session.user, key)));
            }
        }
    });
    out
}

/// `setUserMetadata(meta)`: merges `meta` into the user's metadata; resolves with `getUser()`.
pub async fn set_metadata(meta: JsValue) -> Result<JsValue, SdkError> {
    if !meta.is_object() {
        return Err(SdkError::InvalidArgument(
            "setUserMetadata expects an object".into(),
        ));
    }
    let auth = auth()?;
    let body = js::object();
    js::set(&body, "meta", &meta);
    let url = auth.url("/me");
    let mut request = auth.request("PATCH", &url);
    request.body = Some(&body);
    let user = request.json().await?;
    store(&auth, Some(user), None);
    Ok(self::user())
}

/// `getIntegrationMetadata()`: `[{type, name}]`; with a type, that one's `{type, name}`.
pub fn integration_metadata(kind: Option<String>) -> Result<JsValue, SdkError> {
    let integrations = SESSION
        .with(|s| s.borrow().as_ref().map(|s| s.integrations.clone()))
        .ok_or(SdkError::NotAuthenticated)?;
    let all = js_sys::Array::new();
    for item in js_sys::Array::from(&integrations).iter() {
        let meta = js::object();
        for key in ["type", "name"] {
            js::set(&meta, key, &js::get(&item, key));
        }
        match &kind {
            Some(kind) if js::string(&item, "type").as_deref() == Some(kind) => return Ok(meta),
            Some(_) => {}
            None => {
                all.push(&meta);
            }
        }
    }
    match kind {
        Some(kind) => Err(SdkError::UnknownIntegration(kind)),
        None => Ok(all.into()),
    }
}

/// The last `/sdk/integrations` answer.
pub fn integrations() -> Option<JsValue> {
    SESSION.with(|s| s.borrow().as_ref().map(|s| s.integrations.clone()))
}

/// The id of the project's integration of type `kind`.
pub fn integration_id(kind: &str) -> Option<String> {
    let integrations = integrations()?;
    js_sys::Array::from(&integrations)
        .iter()
        .find(|item| js::string(item, "type").as_deref() == Some(kind))
        .and_then(|item| js::string(&item, "id"))
}

/// `logout()`: forgets the user and the token.
pub fn logout() {
    SESSION.with(|s| *s.borrow_mut() = None);
}
