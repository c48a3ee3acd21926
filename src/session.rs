//! The authenticated end user: `authenticate`, `getUser`, `setUserMetadata`,
//! `getIntegrationMetadata`, `logout`, and the renewal of the user token through the app's
//! `tokenProvider`.
//!
//! The token lives in this module's memory only: never in storage, never in a URL, never in
//! what `getUser` returns. A page reload forgets it; the app authenticates again.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use paragon_protocol::sdk::PatchSdkUser;

use crate::{
    SdkError, answers,
    config::{self, Host},
    fetch::Request,
    js, token,
    wire::{self, Json},
};

/// A token that expires within this margin is renewed before it is sent (when the app gave a
/// `tokenProvider`): the platform would refuse it on the way, or the portal in a moment.
const RENEW_MARGIN_MS: f64 = 30_000.0;

struct Session {
    auth: Auth,
    /// The last `/sdk/me` answer.
    user: JsValue,
    /// The last `/sdk/integrations` answer (an array).
    integrations: JsValue,
}

/// The user token of one `authenticate` and how to renew it, shared by every [`Auth`] cloned
/// from it: a renewal is seen by every request of that user, never by another user's.
struct Credential {
    token: RefCell<String>,
    /// The token's `exp` in milliseconds since the epoch, when it has one.
    expires_at: Cell<Option<f64>>,
    /// The first token's `sub`: a renewed token must name the same user, or the outbox of one
    /// user would be sent with another's token.
    sub: Option<String>,
    /// The app's `tokenProvider`: `async () => newToken`.
    provider: Option<Function>,
    /// The provider's promise while a renewal runs, so that concurrent refusals ask it once.
    renewing: RefCell<Option<Promise>>,
}

/// What a request on the user's behalf needs, cloned out of the session.
#[derive(Clone)]
pub struct Auth {
    host: Host,
    /// The project id, as given to `authenticate`.
    pub project_id: String,
    credential: Rc<Credential>,
    /// The user's id (the token's `sub`), from `/sdk/me`.
    pub user_id: String,
}

/// The `exp` of `token` in milliseconds and its `sub`; an error when the token is not a
/// readable JWT.
fn claims(token: &str) -> Result<(Option<f64>, Option<String>), SdkError> {
    let payload = js::parse(&token::payload_json(token)?)
        .ok_or_else(|| SdkError::InvalidToken("the payload is not JSON".into()))?;
    let exp = js::get(&payload, "exp").as_f64().map(|exp| exp * 1000.0);
    Ok((exp, js::string(&payload, "sub")))
}

impl Auth {
    /// The URL of `/projects/{pid}/sdk{path}`.
    pub fn url(&self, path: &str) -> String {
        self.host.url(&crate::text::concat(&[
            "/projects/",
            &self.project_id,
            "/sdk",
            path,
        ]))
    }

    /// The platform's base URL.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The current user token.
    pub fn token(&self) -> String {
        self.credential.token.borrow().clone()
    }

    /// A request to `/sdk{path}` with the user's token.
    pub fn request<'a>(&'a self, method: &'a str, url: &'a str) -> Request<'a> {
        Request {
            auth: Some(self),
            ..Request::new(method, url)
        }
    }

    /// Whether a refused token can be replaced (the app gave a `tokenProvider`).
    pub fn renewable(&self) -> bool {
        self.credential.provider.is_some()
    }

    /// The token to send now: renewed first when it expires within [`RENEW_MARGIN_MS`] and
    /// the app gave a `tokenProvider`.
    pub async fn fresh_token(&self) -> Result<String, SdkError> {
        let token = self.token();
        let expiring = self
            .credential
            .expires_at
            .get()
            .is_some_and(|at| at - js_sys::Date::now() < RENEW_MARGIN_MS);
        if expiring && self.renewable() {
            self.renew(&token).await?;
            return Ok(self.token());
        }
        Ok(token)
    }

    /// Replaces `stale` (refused or expiring) with the `tokenProvider`'s next token. Does
    /// nothing when another call renewed it already; concurrent calls share one provider call.
    pub async fn renew(&self, stale: &str) -> Result<(), SdkError> {
        let credential = &self.credential;
        if *credential.token.borrow() != stale {
            return Ok(());
        }
        let Some(provider) = &credential.provider else {
            return Err(SdkError::TokenExpired);
        };
        let running = credential.renewing.borrow().clone();
        let promise = match running {
            Some(promise) => promise,
            None => {
                let promise = provider
                    .call0(&JsValue::UNDEFINED)
                    .map(|value| Promise::resolve(&value))
                    .unwrap_or_else(|error| Promise::reject(&error));
                *credential.renewing.borrow_mut() = Some(promise.clone());
                promise
            }
        };
        let result = JsFuture::from(promise).await;
        credential.renewing.borrow_mut().take();
        if *credential.token.borrow() != stale {
            // Another caller of the same promise stored it already.
            return Ok(());
        }
        let token = result
            .ok()
            .and_then(|value| value.as_string())
            .ok_or(SdkError::TokenProviderFailed)?;
        let (expires_at, sub) = claims(&token)?;
        if sub != credential.sub {
            return Err(SdkError::TokenProviderFailed);
        }
        if expires_at.is_some_and(|at| at <= js_sys::Date::now()) {
            return Err(SdkError::TokenExpired);
        }
        *credential.token.borrow_mut() = token;
        credential.expires_at.set(expires_at);
        Ok(())
    }
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// The outbox of the user (the token's `sub`) of an `authenticate` that has not succeeded
    /// yet, which `pendingEvents()` shows meanwhile: the app can show what an earlier page
    /// left before the platform answers (or when it cannot be reached).
    static SIGNING_IN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The outbox of the user `authenticate` was last called for, until `logout`.
pub fn signing_in() -> Option<String> {
    SIGNING_IN.with(|s| s.borrow().clone())
}

/// The current user's credentials, or [`SdkError::NotAuthenticated`].
pub fn auth() -> Result<Auth, SdkError> {
    SESSION
        .with(|s| s.borrow().as_ref().map(|s| s.auth.clone()))
        .ok_or(SdkError::NotAuthenticated)
}

/// Checks the token's `exp` locally (renewing it through `provider` when it expired), then
/// loads the user and the project's integrations; with `metadata`, merges it into the user's
/// metadata first.
pub async fn authenticate(
    project_id: &str,
    token: &str,
    metadata: JsValue,
    provider: Option<Function>,
) -> Result<(), SdkError> {
    let host = config::host()?;
    if project_id.is_empty()
        || !project_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(SdkError::InvalidArgument(crate::text::concat(&[
            "authenticate: \"",
            project_id,
            "\" is not a project id",
        ])));
    }
    let (expires_at, sub) = claims(token)?;
    SIGNING_IN.with(|s| {
        *s.borrow_mut() = sub
            .as_deref()
            .map(|sub| crate::outbox::key_of(project_id, sub))
    });
    let expired = expires_at.is_some_and(|at| at <= js_sys::Date::now());
    if expired && provider.is_none() {
        return Err(SdkError::TokenExpired);
    }
    let mut auth = Auth {
        host,
        project_id: project_id.to_owned(),
        credential: Rc::new(Credential {
            token: RefCell::new(token.to_owned()),
            expires_at: Cell::new(expires_at),
            sub,
            provider,
            renewing: RefCell::new(None),
        }),
        user_id: String::new(),
    };
    let me_url = auth.url("/me");
    let user = if metadata.is_object() {
        let body = wire::to_js(&PatchSdkUser {
            meta: Json(metadata),
        });
        let mut request = auth.request("PATCH", &me_url);
        request.body = Some(&body);
        request.json().await?
    } else {
        auth.request("GET", &me_url).json().await?
    };
    auth.user_id = answers::user_id(&user)
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
        let Some(session) = session
            .as_mut()
            .filter(|s| Rc::ptr_eq(&s.auth.credential, &auth.credential))
        else {
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
pub fn set_metadata(meta: JsValue) -> Result<crate::call::Call, SdkError> {
    if !meta.is_object() {
        return Err(SdkError::InvalidArgument(
            "setUserMetadata expects an object".into(),
        ));
    }
    let auth = auth()?;
    let body = wire::to_js(&PatchSdkUser { meta: Json(meta) });
    Ok(crate::call::Call {
        url: auth.url("/me"),
        auth: auth.clone(),
        method: "PATCH",
        headers: Vec::new(),
        json: Some(body),
        raw: None,
        timeout_ms: crate::fetch::TIMEOUT_MS,
        refresh: false,
        answer: Box::new(move |reply| {
            store(&auth, Some(reply.ok()?), None);
            Ok(self::user())
        }),
    })
}

/// The last `/sdk/integrations` answer.
pub fn integrations() -> Option<JsValue> {
    SESSION.with(|s| s.borrow().as_ref().map(|s| s.integrations.clone()))
}

/// The id of the project's integration of type `kind`.
pub fn integration_id(kind: &str) -> Option<String> {
    answers::integrations(&integrations()?)
        .into_iter()
        .find(|item| item.is(kind))
        .and_then(|item| item.id())
}

/// `logout()`: forgets the user and the token (the outbox decides first what happens to the
/// user's undelivered events: `outbox::discard`).
pub fn logout() {
    SESSION.with(|s| *s.borrow_mut() = None);
    SIGNING_IN.with(|s| *s.borrow_mut() = None);
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_tokens_exp_is_read_in_milliseconds_with_its_sub() {
        // {"sub":"user-1","exp":1700000000}
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjE3MDAwMDAwMDB9.c2ln";
        let (exp, sub) = claims(token).expect("a readable JWT");
        assert_eq!(exp, Some(1_700_000_000_000.0));
        assert_eq!(sub.as_deref(), Some("user-1"));
    }

    #[test]
    fn a_token_without_exp_or_sub_has_none_and_a_payload_that_is_not_json_is_refused() {
        // {} and "not json" (base64url of `not json`).
        let (exp, sub) = claims("e30.e30.c2ln").expect("a readable JWT");
        assert_eq!((exp, sub), (None, None));
        assert!(matches!(
            claims("e30.bm90IGpzb24.c2ln"),
            Err(SdkError::InvalidToken(_))
        ));
    }

    /// `{"sub":"user-1","exp":4102444800}` and the same for `user-2` (the year 2100).
    const USER_1: &str = "e30.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln";
    const USER_2: &str = "e30.eyJzdWIiOiJ1c2VyLTIiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln";

    /// A user of `token` whose `tokenProvider` resolves with `globalThis.nextToken` and counts
    /// its calls in `globalThis.providerCalls`.
    fn renewable(token: &str) -> Auth {
        let provider = Function::new_no_args(
            "globalThis.providerCalls = (globalThis.providerCalls || 0) + 1; \
             return new Promise((resolve) => setTimeout(() => resolve(globalThis.nextToken), 10));",
        );
        Auth {
            host: Host::new("http://platform.test"),
            project_id: "p".into(),
            credential: Rc::new(Credential {
                token: RefCell::new(token.to_owned()),
                expires_at: Cell::new(None),
                sub: Some("user-1".into()),
                provider: Some(provider),
                renewing: RefCell::new(None),
            }),
            user_id: "user-1".into(),
        }
    }

    fn global(key: &str) -> JsValue {
        js::get(&js_sys::global(), key)
    }

    #[test]
    async fn concurrent_renewals_ask_the_provider_once_and_share_its_token() {
        let auth = renewable("stale");
        js::set(&js_sys::global(), "providerCalls", &0.into());
        js::set(&js_sys::global(), "nextToken", &USER_1.into());
        let both = js_sys::Array::new();
        for _ in 0..2 {
            let auth = auth.clone();
            both.push(&js::promise(async move {
                auth.renew("stale").await?;
                Ok(JsValue::UNDEFINED)
            }));
        }
        JsFuture::from(Promise::all(&both))
            .await
            .expect("both renewals succeed");
        assert_eq!(
            global("providerCalls"),
            1,
            "one provider call for two refusals"
        );
        assert_eq!(auth.token(), USER_1);
        // A renewal for a token that was already replaced asks nobody.
        auth.renew("stale").await.expect("nothing to do");
        assert_eq!(global("providerCalls"), 1);
    }

    #[test]
    async fn a_renewed_token_of_another_user_or_no_token_is_refused() {
        let auth = renewable("stale");
        js::set(&js_sys::global(), "nextToken", &USER_2.into());
        assert_eq!(
            auth.renew("stale").await,
            Err(SdkError::TokenProviderFailed),
            "the outbox of user-1 must never go out with user-2's token"
        );
        assert_eq!(auth.token(), "stale");
        js::set(&js_sys::global(), "nextToken", &JsValue::NULL);
        assert_eq!(
            auth.renew("stale").await,
            Err(SdkError::TokenProviderFailed)
        );
    }

    #[test]
    fn calls_that_need_a_user_say_so_before_authenticate() {
        logout();
        assert!(matches!(auth(), Err(SdkError::NotAuthenticated)));
        assert!(integrations().is_none());
        assert_eq!(signing_in(), None);
        assert_eq!(js::get(&user(), "authenticated"), false);
    }
}
