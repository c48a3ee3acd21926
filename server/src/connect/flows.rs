//! OAuth connect flows (DESIGN.md section 5, steps 4 and 5): created by the portal or the SDK
//! with the user's token, started by the popup at `/oauth/start`, completed at
//! `/oauth/callback`. A flow is random, single-use, bound to project, user, integration and
//! app origin, and expires in 10 minutes; the state is consumed atomically, so a missing,
//! wrong, reused or expired state never reaches the provider's token endpoint.

use serde_json::{Map, Value, json};

use super::{Connect, ConnectError, integrations, pkce, provider::ClientAuth};
use crate::{
    clock,
    storage::{Credential, CredentialStatus, Flow, FlowStatus, Integration, Project},
    vault::Binding,
};

/// How long a flow may wait for the user.
pub const FLOW_TTL_SECS: i64 = 600;
/// The most flows one user has at once. The portal creates one per load, so a new flow is
/// never refused (a user must not be locked out by their own reloads): the oldest are deleted
/// instead, and a caller looping on create only churns their own rows.
pub const MAX_FLOWS_PER_USER: i64 = 20;

/// Creates a flow for `integration_type`, bound to `origin` (one of the project's). The caller
/// is authenticated as `user`.
pub async fn create(
    connect: &Connect,
    project: &Project,
    user: &str,
    integration_type: &str,
    origin: &str,
) -> Result<Flow, ConnectError> {
    // Room for the new flow among the user's newest.
    connect
        .store
        .trim_user_flows(&project.id.to_string(), user, MAX_FLOWS_PER_USER - 1)
        .await?;
    if !project.allowed_origins.iter().any(|o| o.as_str() == origin) {
        return Err(ConnectError::Forbidden(format!(
            "origin {origin:?} is not one of the project's allowed origins"
        )));
    }
    let project_id = project.id.to_string();
    let integration = connect
        .store
        .integration_by_provider(&project_id, integration_type)
        .await?
        .ok_or_else(|| {
            ConnectError::NotFound(format!(
                "the project has no {integration_type:?} integration"
            ))
        })?;
    let now = clock::now();
    let flow = Flow {
        id: pkce::random_token(24),
        project_id,
        user_id: user.to_owned(),
        integration_id: integration.id,
        origin: origin.to_owned(),
        status: FlowStatus::Created,
        pkce_verifier: None,
        credential_id: None,
        error: None,
        created_at: now,
        expires_at: now + FLOW_TTL_SECS,
    };
    connect.store.create_flow(&flow).await?;
    Ok(flow)
}

/// The URL the popup opens for a flow.
pub fn start_url(connect: &Connect, flow: &Flow) -> String {
    format!("{}/oauth/start?flow={}", connect.public_url, flow.id)
}

/// A flow, readable only by the user and project that created it.
pub async fn read(
    connect: &Connect,
    project: &str,
    user: &str,
    id: &str,
) -> Result<Flow, ConnectError> {
    match connect.store.flow(id).await? {
        Some(flow) if flow.project_id == project && flow.user_id == user => Ok(flow),
        _ => Err(ConnectError::NotFound("no such flow".into())),
    }
}

/// `/oauth/start`: stores a fresh state and PKCE verifier on the flow (once) and answers the
/// provider's authorize URL.
pub async fn start(connect: &Connect, flow_id: &str) -> Result<String, ConnectError> {
    let flow = connect.store.flow(flow_id).await?.ok_or_else(unusable)?;
    let integration = integration_of(connect, &flow).await?;
    let state = pkce::random_token(32);
    let verifier = pkce::verifier();
    let sealed = connect
        .keys
        .seal(verifier.as_bytes(), verifier_binding(&flow));
    connect
        .store
        .start_flow(&flow.id, &pkce::state_hash(&state), &sealed, clock::now())
        .await?
        .ok_or_else(unusable)?;
    let scope = integration.scopes.join(" ");
    let challenge = pkce::challenge(&verifier);
    let callback = connect.callback_url();
    let url = reqwest::Url::parse_with_params(
        &integration.auth_url,
        [
            ("client_id", integration.client_id.as_str()),
            ("redirect_uri", callback.as_str()),
            ("scope", scope.as_str()),
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .map_err(|e| ConnectError::Invalid(format!("the integration's authorize URL: {e}")))?;
    Ok(url.into())
}

fn unusable() -> ConnectError {
    ConnectError::NotFound(
        "this connect link was already used or has expired: start again from the app".into(),
    )
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
}

/// `/oauth/callback`: consumes the state (no flow, no token request), exchanges the code with
/// the verifier, seals and stores the credential, and ends the flow. Returns the ended flow.
pub async fn complete(connect: &Connect, callback: Callback) -> Result<Flow, ConnectError> {
    let state = callback
        .state
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ConnectError::Invalid("the provider's answer has no state".into()))?;
    let flow = connect
        .store
        .take_flow_by_state(&pkce::state_hash(&state), clock::now())
        .await?
        .ok_or_else(|| {
            ConnectError::Invalid("unknown, used or expired state: start again from the app".into())
        })?;
    let outcome = exchange(
        connect,
        &flow,
        callback.code,
        callback.error,
        callback.error_description,
    )
    .await;
    let now = clock::now();
    match outcome {
        Ok(credential_id) => {
            connect
                .store
                .finish_flow(&flow.id, FlowStatus::Done, Some(&credential_id), None, now)
                .await?;
        }
        Err(error) => {
            let message = error.to_string();
            connect
                .store
                .finish_flow(&flow.id, FlowStatus::Failed, None, Some(&message), now)
                .await?;
        }
    }
    connect.store.flow(&flow.id).await?.ok_or_else(unusable)
}

async fn exchange(
    connect: &Connect,
    flow: &Flow,
    code: Option<String>,
    error: Option<String>,
    description: Option<String>,
) -> Result<String, ConnectError> {
    if let Some(error) = error {
        let detail = description.map(|d| format!(": {d}")).unwrap_or_default();
        return Err(ConnectError::Invalid(format!(
            "the provider answered {error}{detail}"
        )));
    }
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ConnectError::Invalid("the provider's answer has no code".into()))?;
    let integration = integration_of(connect, flow).await?;
    let sealed = flow
        .pkce_verifier
        .as_deref()
        .ok_or_else(|| ConnectError::Invalid("the flow has no verifier".into()))?;
    let verifier = connect.keys.open_string(sealed, verifier_binding(flow))?;
    let secret = integrations::client_secret(&connect.keys, &integration)?;
    let auth = ClientAuth {
        token_url: &integration.token_url,
        client_id: &integration.client_id,
        client_secret: &secret,
    };
    let tokens = connect
        .provider
        .exchange_code(&auth, &code, &connect.callback_url(), &verifier)
        .await?;
    // Who the account is: best effort (needs the `oauth` scope); the hub id is enough to work.
    let account = connect
        .provider
        .introspect(&auth, &tokens.access_token)
        .await
        .unwrap_or_default();
    let mut provider_data = Map::new();
    if let Some(hub) = tokens.hub_id {
        provider_data.insert("hubId".into(), json!(hub));
    }
    for (key, value) in [("user", account.user), ("hubDomain", account.hub_domain)] {
        if let Some(value) = value {
            provider_data.insert(key.into(), Value::String(value));
        }
    }
    provider_data.insert("scopes".into(), json!(tokens.scopes));

    let existing = connect
        .store
        .credential_for(&flow.project_id, &flow.user_id, &flow.integration_id)
        .await?;
    let id = existing
        .as_ref()
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), |c| c.id.clone());
    let now = clock::now();
    let seal = |value: &str, column: &str| {
        connect.keys.seal(
            value.as_bytes(),
            Binding {
                project: &flow.project_id,
                row: &id,
                column,
            },
        )
    };
    let credential = Credential {
        access_token: seal(&tokens.access_token, "access_token"),
        refresh_token: tokens
            .refresh_token
            .as_deref()
            .map(|r| seal(r, "refresh_token")),
        id: id.clone(),
        project_id: flow.project_id.clone(),
        user_id: flow.user_id.clone(),
        integration_id: flow.integration_id.clone(),
        status: CredentialStatus::Valid,
        provider_id: tokens.hub_id.map(|h| h.to_string()).unwrap_or_default(),
        provider_data,
        access_expires_at: now + tokens.expires_in,
        version: 0,
        refreshing_until: None,
        created_at: existing.as_ref().map_or(now, |c| c.created_at),
        updated_at: now,
    };
    connect.store.save_credential(&credential).await?;
    Ok(id)
}

async fn integration_of(connect: &Connect, flow: &Flow) -> Result<Integration, ConnectError> {
    connect
        .store
        .integration(&flow.project_id, &flow.integration_id)
        .await?
        .ok_or_else(|| ConnectError::NotFound("the flow's integration was removed".into()))
}

fn verifier_binding(flow: &Flow) -> Binding<'_> {
    Binding {
        project: &flow.project_id,
        row: &flow.id,
        column: "pkce_verifier",
    }
}
