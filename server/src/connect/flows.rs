//! OAuth connect flows: created by the portal or the SDK with the user's token, started by the
//! popup's form post to `/oauth/start`, completed at `/oauth/callback`. A flow is random,
//! single-use, bound to project, user, integration and app origin, and expires in 10 minutes;
//! the state is consumed atomically, so a missing, wrong, reused or expired state never reaches
//! the provider's token endpoint. It is also bound to the browser that started it (see
//! [`super::binding`]): only that browser can complete it.

use serde_json::{Map, Value};

use super::{
    Connect, ConnectError, account, binding, endpoints::Endpoints, integrations, pkce,
    provider::Tokens,
};
use crate::{
    clock,
    ids::{CredentialId, FlowId, ProjectId, UserId},
    storage::{Flow, FlowStart, FlowStatus, Integration, Project},
    vault::Binding,
};

/// How long a flow may wait for the user.
pub const FLOW_TTL_SECS: i64 = 600;
/// The most flows one user has at once. The portal creates one per load, so a new flow is
/// never refused (a user must not be locked out by their own reloads): the oldest are deleted
/// instead, and a caller looping on create only churns their own rows.
pub const MAX_FLOWS_PER_USER: i64 = 20;

/// A refusal of `/oauth/start` or `/oauth/callback`: what the end user is told, a fixed text
/// with nothing from the provider, the request or the platform's internals in it (an attacker
/// chooses what the provider's `error_description` says), and the detail for the log.
#[derive(Debug)]
pub struct Refused {
    /// For the end user.
    pub public: &'static str,
    /// For the operator's log.
    pub detail: String,
}

impl Refused {
    fn new(public: &'static str, detail: impl Into<String>) -> Self {
        Self {
            public,
            detail: detail.into(),
        }
    }
}

/// Whatever failed inside (storage, vault, provider) is the platform's problem, not the user's.
impl From<ConnectError> for Refused {
    fn from(error: ConnectError) -> Self {
        Self::new(FAILED_INSIDE, error.to_string())
    }
}

impl From<crate::storage::StorageError> for Refused {
    fn from(error: crate::storage::StorageError) -> Self {
        ConnectError::from(error).into()
    }
}

const FAILED_INSIDE: &str =
    "The connection could not be completed. Close this window and try again from the app.";
const UNUSABLE: &str = "This connect link was already used or has expired. Close this window and start again from the app.";
const OTHER_BROWSER: &str = "This sign-in was not started in this browser, or was already \
     completed. Close this window and start again from the app.";
const ORIGIN_HIDDEN: &str = "The app's page sent no Origin with the sign-in form, so the \
     platform could not check where it came from. Serve the page with a Referrer-Policy that \
     keeps the origin (the browsers' default, strict-origin-when-cross-origin), or use connect().";
const ORIGIN_FOREIGN: &str = "The sign-in was started from a page the project does not allow.";
const NOT_GRANTED: &str = "Access was not granted. Close this window and try again from the app.";
const DENIED: &str = "Access was not granted: the connection was cancelled on the provider's \
     page. Connect again from the app when you are ready.";
/// What the provider answers when the user presses Deny or Cancel on its consent page
/// (RFC 6749 §4.1.2.1; HubSpot's own).
const ACCESS_DENIED: &str = "access_denied";

/// A new flow and the one-time secret that starts it (handed to the creator only).
#[derive(Debug)]
pub struct NewFlow {
    /// The stored flow.
    pub flow: Flow,
    /// The start secret; only its hash is stored.
    pub start_secret: String,
}

/// Creates a flow for `integration_type`, bound to `origin` (one of the project's). The caller
/// is authenticated as `user`.
pub async fn create(
    connect: &Connect,
    project: &Project,
    user: &UserId,
    integration_type: &str,
    origin: &str,
) -> Result<NewFlow, ConnectError> {
    // Room for the new flow among the user's newest.
    connect
        .store
        .trim_user_flows(project.id, user, MAX_FLOWS_PER_USER - 1)
        .await?;
    if !project.allowed_origins.iter().any(|o| o.as_str() == origin) {
        return Err(ConnectError::Forbidden(format!(
            "origin {origin:?} is not one of the project's allowed origins"
        )));
    }
    let integration = connect
        .store
        .integration_by_provider(project.id, integration_type)
        .await?
        .ok_or_else(|| {
            ConnectError::NotFound(format!(
                "the project has no {integration_type:?} integration"
            ))
        })?;
    connectable(&integration)?;
    let now = clock::now_ms();
    let start_secret = pkce::random_token(32);
    let flow = Flow {
        id: FlowId::from_text(pkce::random_token(24)),
        project_id: project.id,
        user_id: user.clone(),
        integration_id: integration.id,
        origin: origin.to_owned(),
        status: FlowStatus::Created,
        start_secret_hash: Some(binding::hash(&start_secret)),
        browser_hash: None,
        pkce_verifier: None,
        credential_id: None,
        error: None,
        created_at: now,
        expires_at: now + clock::ms_from_secs(FLOW_TTL_SECS),
    };
    connect.store.create_flow(&flow).await?;
    Ok(NewFlow { flow, start_secret })
}

/// Whether the integration connects through a consent page this platform can open: an OAuth
/// provider whose authorize and token URLs need nothing from the end user. (A provider whose
/// consent page is on the user's own subdomain, Zendesk's or Shopify's, needs that subdomain
/// asked first, which the portal does not do yet: it says so rather than failing later.)
fn connectable(integration: &Integration) -> Result<(), ConnectError> {
    let endpoints = Endpoints::of(integration)?;
    endpoints.oauth()?;
    if [&integration.auth_url, &integration.token_url]
        .iter()
        .any(|url| crate::providers::template::has_placeholder(url))
    {
        return Err(ConnectError::Invalid(format!(
            "{} signs in on the end user's own host, which this platform cannot ask for yet: \
             set the integration's --auth-url and --token-url to fixed URLs",
            endpoints.provider.display_name
        )));
    }
    Ok(())
}

/// The URL the popup's form posts to.
pub fn start_url(connect: &Connect) -> String {
    format!("{}/oauth/start", connect.public_url)
}

/// A flow id from a URL: one that cannot be an id is, like an unknown one, no such flow.
pub fn parse_id(text: &str) -> Result<FlowId, ConnectError> {
    FlowId::parse(text).ok_or_else(no_such_flow)
}

fn no_such_flow() -> ConnectError {
    ConnectError::NotFound("no such flow".into())
}

/// A flow, readable only by the user and project that created it.
pub async fn read(
    connect: &Connect,
    project: ProjectId,
    user: &UserId,
    id: &FlowId,
) -> Result<Flow, ConnectError> {
    match connect.store.flow(id).await? {
        Some(flow) if flow.project_id == project && flow.user_id == *user => Ok(flow),
        _ => Err(no_such_flow()),
    }
}

/// The longest wait for a flow to finish in one call; clients loop for longer waits.
pub const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// How often a waiting call looks at the flow again.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// [`read`], waiting up to `wait` (at most [`MAX_WAIT`]) for the flow to be done or failed.
/// The database is polled rather than an in-process signal awaited: the callback may land on
/// another replica.
pub async fn wait(
    connect: &Connect,
    project: ProjectId,
    user: &UserId,
    id: &FlowId,
    wait: std::time::Duration,
) -> Result<Flow, ConnectError> {
    let deadline = tokio::time::Instant::now() + wait.min(MAX_WAIT);
    loop {
        let flow = read(connect, project, user, id).await?;
        if flow.status.is_finished() || tokio::time::Instant::now() >= deadline {
            return Ok(flow);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// `DELETE …/sdk/oauth/flows/{id}`: the user's app gave up waiting (a timeout, or the user
/// closed the popup). The popup cannot be closed from the app once it has cut its opener, so
/// the flow is ended instead: a consent given later in that popup stores nothing.
pub async fn cancel(
    connect: &Connect,
    project: ProjectId,
    user: &UserId,
    id: &FlowId,
) -> Result<Flow, ConnectError> {
    let flow = read(connect, project, user, id).await?;
    connect
        .store
        .cancel_flow(&flow.id, CANCELLED, clock::now_ms())
        .await?;
    read(connect, project, user, id).await
}

const CANCELLED: &str = "The app stopped waiting for this sign-in. Start again from the app.";

/// What the popup's form post to `/oauth/start` carries.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct StartForm {
    /// The flow's id.
    pub flow: Option<String>,
    /// Its start secret.
    pub secret: Option<String>,
}

/// A started flow: where to send the popup, and the cookie that binds this browser.
#[derive(Debug)]
pub struct Started {
    /// The provider's authorize URL.
    pub authorize_url: String,
    /// The `Set-Cookie` value.
    pub cookie: String,
}

/// `POST /oauth/start`: checks that the post comes from the flow's app origin or the portal
/// (`request_origin`, the browser's `Origin` header) with the flow's start secret, then stores
/// a fresh state, PKCE verifier and browser binding on the flow (once) and answers the
/// provider's authorize URL with the binding cookie.
pub async fn start(
    connect: &Connect,
    form: StartForm,
    request_origin: Option<&str>,
) -> Result<Started, Refused> {
    let (Some(flow_id), Some(secret)) = (form.flow, form.secret) else {
        return Err(Refused::new(UNUSABLE, "a start without flow or secret"));
    };
    let unknown = || Refused::new(UNUSABLE, "a start of an unknown flow");
    let flow_id = FlowId::parse(&flow_id).ok_or_else(unknown)?;
    let flow = connect.store.flow(&flow_id).await?.ok_or_else(unknown)?;
    let secret_hash = binding::hash(&secret);
    let known = flow.start_secret_hash.as_deref().unwrap_or_default();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(known, secret_hash.as_slice())) {
        return Err(Refused::new(
            UNUSABLE,
            format!("a start of flow {} with a wrong secret", flow.id),
        ));
    }
    // Only the portal (the platform's own origin) and the flow's app page may start it: a
    // page elsewhere that knows a flow's secret (its creator's) cannot make a victim's browser
    // start it. Browsers send `Origin` with every form post; it is `null` when the posting
    // page's Referrer-Policy is `no-referrer` (or `same-origin`, cross-origin), which cannot
    // be told apart from a page that hides where it is.
    let portal = connect.public_origin();
    if !matches!(request_origin, Some(origin) if origin == portal || origin == flow.origin) {
        let why = match request_origin {
            None | Some("null") => ORIGIN_HIDDEN,
            Some(_) => ORIGIN_FOREIGN,
        };
        // The poster had the secret: its flow, so failing it tells the app's developer at once
        // (installIntegration rejects with this text) and harms no one else.
        connect
            .store
            .cancel_flow(&flow.id, why, clock::now_ms())
            .await?;
        return Err(Refused::new(
            UNUSABLE,
            format!("a start of flow {} from origin {request_origin:?}", flow.id),
        ));
    }
    let integration = integration_of(connect, &flow).await?;
    // The browser goes there, not the server, but an integration saved before the policy (or
    // under another) must not make this page an open redirect to the user's own network.
    connect
        .provider
        .policy()
        .check_configured(&integration.auth_url)
        .await
        .map_err(|refusal| {
            ConnectError::Invalid(format!("the integration's authorize URL {refusal}"))
        })?;
    let state = pkce::random_token(32);
    let verifier = pkce::verifier();
    let sealed = connect
        .keys
        .seal(verifier.as_bytes(), verifier_binding(&flow));
    let browser = binding::new_value();
    let start = FlowStart {
        secret_hash: &secret_hash,
        state_hash: &pkce::state_hash(&state),
        sealed_verifier: &sealed,
        browser_hash: &binding::hash(&browser),
    };
    let now = clock::now_ms();
    connect
        .store
        .start_flow(&flow.id, &start, now)
        .await?
        .ok_or_else(|| {
            Refused::new(
                UNUSABLE,
                format!(
                    "flow {} not started: wrong secret, used or expired",
                    flow.id
                ),
            )
        })?;
    let endpoints = Endpoints::of(&integration)?;
    let oauth = endpoints.oauth()?;
    let scope = integration.scopes.join(&oauth.scope_separator);
    let challenge = pkce::challenge(&verifier);
    let callback = connect.callback_url();
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", integration.client_id.as_str()),
        ("redirect_uri", callback.as_str()),
        ("state", state.as_str()),
    ];
    if !scope.is_empty() {
        params.push(("scope", scope.as_str()));
    }
    if oauth.pkce {
        params.push(("code_challenge", challenge.as_str()));
        params.push(("code_challenge_method", "S256"));
    }
    // The definition's own parameters (`access_type=offline`) never replace the platform's.
    for (name, value) in &oauth.authorize_params {
        if !params.iter().any(|(taken, _)| taken == name) {
            params.push((name.as_str(), value.as_str()));
        }
    }
    let url = reqwest::Url::parse_with_params(&integration.auth_url, params).map_err(|e| {
        Refused::new(
            FAILED_INSIDE,
            format!("the integration's authorize URL: {e}"),
        )
    })?;
    Ok(Started {
        authorize_url: url.into(),
        cookie: binding::set_cookie(
            flow.id.as_str(),
            &browser,
            clock::secs(flow.expires_at) - clock::secs(now),
            connect.secure(),
        ),
    })
}

/// What the provider sent back to `/oauth/callback`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Callback {
    /// The authorization code.
    pub code: Option<String>,
    /// The state `/oauth/start` sent.
    pub state: Option<String>,
    /// The provider's error (`access_denied` when the user pressed Deny).
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
    /// The rest of the query, where a provider adds values of the connection (QuickBooks'
    /// `realmId`: the definition's `callback_params`).
    #[serde(flatten)]
    pub extra: std::collections::HashMap<String, String>,
}

/// An ended flow, and the `Set-Cookie` value that removes its browser binding.
#[derive(Debug)]
pub struct Completed {
    /// The flow, `done`, `denied` or `failed`.
    pub flow: Flow,
    /// Clears the binding cookie.
    pub clear_cookie: String,
    /// Why it failed, for the end user (the flow's `error` adds the reference).
    pub failure: Option<&'static str>,
}

/// `/oauth/callback`: consumes the state only with the binding cookie of the browser that
/// started the flow (otherwise no token request), exchanges the code with the verifier, seals
/// and stores the credential, and ends the flow. A failed flow records `public` words and the
/// `reference` the page shows, never the provider's or the platform's detail. A consent the
/// user turned down (`error=access_denied`) ends the flow as [`FlowStatus::Denied`]: a choice,
/// not an error, which the portal words as such.
pub async fn complete<'a>(
    connect: &Connect,
    callback: Callback,
    cookies: impl Iterator<Item = &'a str>,
    reference: &str,
) -> Result<Completed, Refused> {
    let state = callback
        .state
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Refused::new(UNUSABLE, "a callback without state"))?;
    let state_hash = pkce::state_hash(&state);
    let flow = connect
        .store
        .flow_by_state(&state_hash)
        .await?
        .ok_or_else(|| Refused::new(UNUSABLE, "a callback with an unknown state"))?;
    if flow.status != FlowStatus::Started || flow.expires_at <= clock::now_ms() {
        return Err(Refused::new(
            UNUSABLE,
            format!("a callback of flow {} in status {:?}", flow.id, flow.status),
        ));
    }
    let secure = connect.secure();
    let cookie = binding::find(cookies, &binding::cookie_name(flow.id.as_str(), secure))
        .ok_or_else(|| {
            Refused::new(
                OTHER_BROWSER,
                format!("flow {}: no binding cookie", flow.id),
            )
        })?;
    let flow = connect
        .store
        .take_flow_by_state(&state_hash, &binding::hash(cookie), clock::now_ms())
        .await?
        .ok_or_else(|| {
            Refused::new(
                OTHER_BROWSER,
                format!(
                    "flow {}: another browser's cookie, or used or expired",
                    flow.id
                ),
            )
        })?;
    let denied = callback.error.as_deref() == Some(ACCESS_DENIED);
    let outcome = exchange(connect, &flow, callback).await;
    let now = clock::now_ms();
    let failure = outcome.as_ref().err().map(|refused| refused.public);
    match outcome {
        Ok(credential_id) => {
            connect
                .store
                .finish_flow(&flow.id, FlowStatus::Done, Some(&credential_id), None, now)
                .await?;
        }
        Err(refused) => {
            tracing::warn!(flow = %flow.id, reference, detail = %refused.detail, "connect flow failed");
            let shown = format!("{} (reference {reference})", refused.public);
            let status = if denied {
                FlowStatus::Denied
            } else {
                FlowStatus::Failed
            };
            connect
                .store
                .finish_flow(&flow.id, status, None, Some(&shown), now)
                .await?;
        }
    }
    let flow = connect
        .store
        .flow(&flow.id)
        .await?
        .ok_or_else(|| Refused::new(FAILED_INSIDE, "the flow vanished"))?;
    Ok(Completed {
        clear_cookie: binding::clear_cookie(flow.id.as_str(), secure),
        flow,
        failure,
    })
}

async fn exchange(
    connect: &Connect,
    flow: &Flow,
    callback: Callback,
) -> Result<CredentialId, Refused> {
    if let Some(error) = callback.error {
        let public = if error == ACCESS_DENIED {
            DENIED
        } else {
            NOT_GRANTED
        };
        // `{:?}`: the provider's (or an attacker's) words go to the log quoted, never as
        // lines of their own.
        let description = callback.error_description;
        return Err(Refused::new(
            public,
            format!("the provider answered {error:?}: {description:?}"),
        ));
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Refused::new(FAILED_INSIDE, "the provider's answer has no code"))?;
    let integration = integration_of(connect, flow).await?;
    let endpoints = Endpoints::of(&integration)?;
    let oauth = endpoints.oauth()?;
    let sealed = flow
        .pkce_verifier
        .as_deref()
        .ok_or_else(|| Refused::new(FAILED_INSIDE, "the flow has no verifier"))?;
    let verifier = connect
        .keys
        .open_string(sealed, verifier_binding(flow))
        .map_err(ConnectError::from)?;
    let secret = integrations::client_secret(&connect.keys, &integration)?;
    let auth = super::credentials::client_auth(&integration, &secret, oauth);
    let verifier = oauth.pkce.then_some(verifier.as_str());
    let tokens = connect
        .provider
        .exchange_code(
            &auth,
            &code,
            &connect.callback_url(),
            verifier,
            &oauth.expires_in,
        )
        .await
        .map_err(ConnectError::from)?;
    let mut provider_data = connection_values(oauth, &tokens, &callback.extra);
    check_api_values(
        connect.provider.policy(),
        &integration.api_base,
        oauth,
        &provider_data,
    )
    .await
    .map_err(|detail| Refused::new(FAILED_INSIDE, detail))?;
    // Who the account is: best effort, the connection works without its name.
    let identity =
        account::identify(connect, &endpoints, &provider_data, &tokens.access_token, Some(&auth))
            .await
            .unwrap_or_else(|error| {
                tracing::info!(flow = %flow.id, %error, "the account call failed; connected without the account's name");
                account::Identity::default()
            });
    if let Some(name) = identity.name {
        provider_data.insert("accountName".into(), Value::String(name));
    }
    let connection = super::credentials::Connection {
        project: flow.project_id,
        user: &flow.user_id,
        integration: &flow.integration_id,
        access: &tokens.access_token,
        refresh: tokens.refresh_token.as_deref(),
        expires_in: tokens.expires_in,
        provider_id: identity.id.unwrap_or_default(),
        provider_data,
    };
    Ok(super::credentials::save(connect, &integration, connection)
        .await?
        .id)
}

/// What the connection keeps beside its tokens, for its URLs' placeholders and for people: the
/// definition's values of the token answer (`instance_url`) and of the redirect back
/// (`realmId`), by their connection field names. A value that will open a URL (Salesforce's
/// `instance_url`) is checked on every call by the provider client's egress policy.
fn connection_values(
    oauth: &crate::providers::OAuth2,
    tokens: &Tokens,
    callback: &std::collections::HashMap<String, String>,
) -> Map<String, Value> {
    let answer = Value::Object(tokens.answer.clone());
    let mut values = Map::new();
    for (field, path) in &oauth.token_fields {
        if let Some(value) = account::text_at(&answer, path) {
            values.insert(field.clone(), Value::String(value));
        }
    }
    for param in &oauth.callback_params {
        if let Some(value) = callback.get(param).filter(|v| !v.is_empty()) {
            values.insert(param.clone(), Value::String(value.clone()));
        }
    }
    values
}

/// A value of the token answer that opens the API's URL (Salesforce's `instance_url`) is the
/// provider's word on where its API is: it is checked like a configured URL before it is kept,
/// so a token endpoint cannot point the user's later calls at the platform's own network.
async fn check_api_values(
    policy: super::egress::EgressPolicy,
    api_base: &str,
    oauth: &crate::providers::OAuth2,
    values: &Map<String, Value>,
) -> Result<(), String> {
    for (field, _) in &oauth.token_fields {
        let opens_url = api_base.starts_with(&format!("{{{{connection.{field}}}}}"));
        if let (true, Some(Value::String(url))) = (opens_url, values.get(field)) {
            policy
                .check_configured(url)
                .await
                .map_err(|refusal| format!("the token answer's {field} {refusal}: {url:?}"))?;
        }
    }
    Ok(())
}

async fn integration_of(connect: &Connect, flow: &Flow) -> Result<Integration, ConnectError> {
    connect
        .store
        .integration(flow.project_id, &flow.integration_id)
        .await?
        .ok_or_else(|| ConnectError::NotFound("the flow's integration was removed".into()))
}

fn verifier_binding(flow: &Flow) -> Binding<'_> {
    Binding {
        project: flow.project_id.as_str(),
        row: flow.id.as_str(),
        column: "pkce_verifier",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::connect::egress::EgressPolicy;

    #[tokio::test]
    async fn a_token_answer_cannot_point_the_api_at_a_private_address() {
        let provider = crate::providers::find("salesforce").expect("shipped");
        let crate::providers::Auth::OAuth2(oauth) = &provider.auth else {
            panic!("salesforce is OAuth");
        };
        let base = &provider.api.base_url;
        let values = |url: &str| {
            json!({ "instance_url": url })
                .as_object()
                .cloned()
                .expect("object")
        };
        for private in [
            "https://127.0.0.1",
            "https://169.254.169.254",
            "http://acme.my.salesforce.com",
        ] {
            let checked =
                check_api_values(EgressPolicy::PublicOnly, base, oauth, &values(private)).await;
            assert!(checked.is_err(), "{private} was kept");
        }
        // A stand-in on loopback is fine where the operator allows private addresses.
        let local = check_api_values(
            EgressPolicy::AllowPrivate,
            base,
            oauth,
            &values("http://127.0.0.1:4100"),
        )
        .await;
        assert_eq!(local, Ok(()));
    }
}
