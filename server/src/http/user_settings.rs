//! The user's settings through the SDK API: `PATCH /projects/{pid}/sdk/credentials/{id}`
//! (Paragon's `updateIntegrationUserSettings` / `updateWorkflowUserSettings` shape) saves
//! values of the current deploy's settings, checked all at once, and answers the credential
//! with its configuration, as Paragon's API does; `GET
//! /projects/{pid}/sdk/integrations/{type}/sources/{source}` pages a dynamic dropdown's
//! options from the user's account. What the values mean is [`crate::user_settings`].

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    routing::{get, patch},
};
use paragon_protocol::sdk::{Object, SdkUser, SourceOptions, UpdateCredential};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{ApiError, ApiJson, AppState, auth::AuthUser, paragon_headers};
use crate::{
    connect::{api_client::ApiClient, endpoints::Endpoints, integrations, sources},
    sdk_view,
    user_settings::{self, Refused, Saved},
    workflows::{IntegrationType, Setting, settings::Input},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{pid}/sdk/credentials/{credential_id}",
            patch(update),
        )
        .route(
            "/projects/{pid}/sdk/integrations/{integration_id}/sources/{source}",
            get(options),
        )
}

async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, credential_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateCredential<Map<String, Value>>>,
) -> Result<Json<Value>, ApiError> {
    let (project, user) = (auth.project.id, &auth.user.id);
    let none = || ApiError::NotFound(format!("this user has no credential {credential_id}"));
    let credential = state
        .store
        .user_credentials(project, user)
        .await?
        .into_iter()
        .find(|c| c.id.as_str() == credential_id)
        .ok_or_else(none)?;
    paragon_headers::check(&headers, &credential)?;
    let provider = state
        .store
        .integrations(project)
        .await?
        .into_iter()
        .find(|i| i.id == credential.integration_id)
        .map(|i| i.provider)
        .ok_or_else(none)?;
    let deployed = state.store.workflows(project).await?;
    let bundle = user_settings::bundle_of(&state.store, project, &deployed)
        .await?
        .ok_or_else(|| ApiError::Unprocessable("the project has deployed no settings".into()))?;
    let kind = IntegrationType::parse(&provider);
    let shared: &[Setting] = kind
        .and_then(|k| bundle.integration(k))
        .map(|p| &p.settings[..])
        .unwrap_or_default();
    let mut saved = Saved::load(&state.store, project, user, &provider).await?;
    // Every value is checked before any is saved: one refusal saves nothing.
    let mut problems = Vec::new();
    let mut writes: Vec<(String, Map<String, Value>)> = Vec::new();
    if let Some(values) = &body.config.shared_settings {
        match user_settings::merge(shared, &saved.shared, values) {
            Ok(merged) => {
                saved.shared = merged.clone();
                writes.push((String::new(), merged));
            }
            Err(Refused(why)) => problems.extend(why),
        }
    }
    let mut toggles = Vec::new();
    for (id, update) in body.config.workflow_settings.iter().flatten() {
        let found = deployed
            .iter()
            .find(|w| w.id.as_str() == id && w.integration == provider)
            .and_then(|w| Some((w, bundle.workflow(&w.slug)?)));
        let Some((deployed, workflow)) = found else {
            problems.push(format!("there is no {provider} workflow {id}"));
            continue;
        };
        if let Some(values) = &update.settings {
            match user_settings::merge(&workflow.settings, &saved.of_workflow(&deployed.id), values)
            {
                Ok(merged) => {
                    saved
                        .workflows
                        .insert(id.clone(), Value::Object(merged.clone()));
                    writes.push((id.clone(), merged));
                }
                Err(Refused(why)) => problems.extend(why),
            }
        }
        if let Some(on) = update.enabled {
            toggles.push((deployed.id.clone(), workflow, on));
        }
    }
    for (id, workflow, on) in &toggles {
        let missing = user_settings::missing(&bundle, workflow, id, &saved);
        if *on && !missing.is_empty() {
            problems.push(fill_in_first(&workflow.name, &missing));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable(problems.join("; ")));
    }
    let now = crate::clock::now_ms();
    for (scope, values) in &writes {
        state
            .store
            .save_user_settings(project, user, &provider, scope, values, now)
            .await?;
    }
    for (id, _, on) in toggles {
        state
            .store
            .set_user_workflow(project, user, &id, on, now)
            .await?;
    }
    // Paragon's answer: the credential with its configuration, which Paragon's SDK merges into
    // the user's state (it reads `configurations[0]`).
    let user = state.store.ensure_user(project, user, now).await?;
    let view: SdkUser<Object> = sdk_view::sdk_user(&state.store, &auth.project, user).await?;
    let updated = view.integrations[&provider]["allCredentials"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|c| c["id"] == credential_id.as_str())
                .cloned()
        })
        .ok_or_else(|| ApiError::Internal("the updated credential vanished".into()))?;
    Ok(Json(updated))
}

/// Why a workflow cannot be turned on yet.
pub fn fill_in_first(workflow: &str, missing: &[String]) -> String {
    format!(
        "fill in {} before turning on “{workflow}”",
        missing
            .iter()
            .map(|m| ["“", m, "”"].concat())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceQuery {
    search: Option<String>,
    cursor: Option<String>,
}

async fn options(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((_, integration, source)): Path<(String, String, String)>,
    Query(query): Query<SourceQuery>,
    headers: HeaderMap,
) -> Result<Json<SourceOptions<Value>>, ApiError> {
    let (project, user) = (auth.project.id, &auth.user.id);
    // Only a source one of the deployed settings uses: the endpoint is not a general reader
    // of the user's account.
    let bundle = user_settings::current_bundle(&state.store, project).await?;
    let used = bundle.as_ref().and_then(|b| {
        let kind = IntegrationType::parse(&integration)?;
        let page = b
            .integration(kind)
            .map(|p| &p.settings[..])
            .unwrap_or_default();
        let own = b
            .workflows
            .iter()
            .filter(|w| w.integration == kind)
            .flat_map(|w| &w.settings);
        page.iter().chain(own).find_map(|s| {
            let used = match &s.input {
                Input::DynamicDropdown { source } => *source,
                Input::FieldMapping { object, .. } => object.source(),
                _ => return None,
            };
            (used.as_str() == source).then_some(used)
        })
    });
    let source = used.ok_or_else(|| {
        ApiError::NotFound(format!("no setting of {integration} lists {source:?}"))
    })?;
    let (found, credential) = integrations::connected(&state.store, project, user, &integration)
        .await?
        .map_err(|_| {
            ApiError::Unprocessable(format!(
                "connect {integration} to list its {}",
                source.as_str()
            ))
        })?;
    paragon_headers::check(&headers, &credential)?;
    let api = ApiClient::new(&state.connect, Endpoints::of(&found)?, &credential);
    let page = sources::page(
        api,
        &api.api_base()?,
        source,
        // Empty is none: the SDK sends both, empty when not given.
        query.cursor.as_deref().filter(|c| !c.is_empty()),
        query.search.as_deref().filter(|s| !s.is_empty()),
    )
    .await?;
    Ok(Json(SourceOptions {
        data: page.options,
        next_page_cursor: page.next,
    }))
}
