//! `GET /ui/theme.css?projectId=…[&theme=light|dark|auto]`: the project's look for the Connect
//! Portal as a stylesheet of the platform ([`crate::portal_theme`] writes it), since the portal's
//! CSP allows no inline style. `theme` overrides the project's `appearance.yaml`, as the SDK's
//! `connect(type, { theme })` asks.

use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use serde::Deserialize;

use super::{
    AppState,
    portal::{Refused, file, project_of, requested_theme},
};
use crate::{portal_theme, user_settings, workflows::Appearance};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ThemeQuery {
    project_id: Option<String>,
    theme: Option<String>,
}

pub(super) async fn stylesheet(
    State(state): State<AppState>,
    query: Result<Query<ThemeQuery>, QueryRejection>,
) -> Result<Response, Refused> {
    let Ok(Query(query)) = query else {
        return Err(Refused::new(
            StatusCode::BAD_REQUEST,
            "This stylesheet's address is malformed: expected ?projectId=…&theme=….",
        ));
    };
    let theme = requested_theme(query.theme.as_deref())?;
    let project = project_of(&state, query.project_id.as_deref()).await?;
    // A deploy that cannot be read leaves the portal in the platform's own look rather than
    // without colours: the page's other requests report the failure.
    let appearance = match user_settings::current_bundle(&state.store, project.id).await {
        Ok(bundle) => bundle.and_then(|b| b.appearance).unwrap_or_default(),
        Err(error) => {
            tracing::warn!(%error, "reading the project's appearance failed");
            Appearance::default()
        }
    };
    let css = portal_theme::stylesheet(&appearance, theme.unwrap_or(appearance.theme));
    let mut response = file(css, "text/css; charset=utf-8");
    // A new deploy changes it, and it is two kilobytes at most: never worth a stale look.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
