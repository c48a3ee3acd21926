//! The Connect Portal: `GET /ui?projectId=…&integration=…&origin=…[&theme=…]`, framed by the
//! app's page, plus its script and stylesheets (the project's theme: [`super::portal_theme`]).
//!
//! The page holds no secret: the user token arrives later over a `MessageChannel`, from the
//! framing page only (checked in the script). `frame-ancestors` is the app origin of the query
//! when it is one of the project's allowed origins, so no other site can frame the portal.
//! Without `origin` and `integration` the address is the one Paragon's SDK frames, and gets
//! the empty page of [`super::paragon_frame`].

use std::sync::LazyLock;

use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use super::{AppState, html::escape};
use crate::{ids::ProjectId, storage::Project, workflows::ThemeMode};

/// The portal's script after the types of the messages it exchanges with the SDK, generated
/// from their one definition (`paragon_protocol::browser`), which the SDK's wasm uses too; its
/// parts (the overview's Markdown, the settings' forms, the card as a modal dialog, the page)
/// are files of their own, served as one script.
static PORTAL_SCRIPT: LazyLock<String> = LazyLock::new(|| {
    [
        paragon_protocol::browser::portal_script_prelude().as_str(),
        include_str!("assets/markdown.js"),
        include_str!("assets/settings.js"),
        include_str!("assets/dialog.js"),
        include_str!("assets/portal.js"),
    ]
    .concat()
});

/// What every answer under `/ui` carries unless it sets its own: nothing loads, nobody frames.
pub(super) const STRICT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(portal).fallback(wrong_method))
        .route(
            "/ui/portal.js",
            get(|| asset(&PORTAL_SCRIPT, "text/javascript; charset=utf-8")).fallback(wrong_method),
        )
        .route(
            "/ui/portal.css",
            get(|| asset(include_str!("assets/portal.css"), "text/css; charset=utf-8"))
                .fallback(wrong_method),
        )
        .route(
            "/ui/theme.css",
            get(super::portal_theme::stylesheet).fallback(wrong_method),
        )
        .route(
            "/ui/integration.svg",
            get(|| {
                asset(
                    include_str!("assets/integration.svg"),
                    "image/svg+xml; charset=utf-8",
                )
            })
            .fallback(wrong_method),
        )
        .route(
            "/ui/icons/{file}",
            get(super::icons::icon).fallback(wrong_method),
        )
        .route(
            "/ui/{*rest}",
            get(|| async { refusal(StatusCode::NOT_FOUND, "No such page.") })
                .fallback(wrong_method),
        )
        // The last guard: an answer made outside `respond` (a future route) still gets a
        // policy, so no page of `/ui` is ever shown without one. (The app-wide 405 fallback
        // bypasses this layer, hence `wrong_method` on each route.)
        .layer(axum::middleware::map_response(ensure_csp))
}

async fn wrong_method() -> Response {
    let mut response = refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        "This page is only read (GET).",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

async fn ensure_csp(mut response: Response) -> Response {
    if !response
        .headers()
        .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        );
    }
    response
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PortalQuery {
    project_id: Option<String>,
    integration: Option<String>,
    origin: Option<String>,
    theme: Option<String>,
}

async fn portal(
    State(state): State<AppState>,
    query: Result<Query<PortalQuery>, QueryRejection>,
) -> Response {
    // axum's own rejection is plain text without our headers: answer it here instead.
    let Ok(Query(query)) = query else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "This page's address is malformed: expected ?projectId=…&integration=…&origin=….",
        );
    };
    let theme = match requested_theme(query.theme.as_deref()) {
        Ok(theme) => theme,
        Err(refused) => return refused.into_response(),
    };
    let project = match project_of(&state, query.project_id.as_deref()).await {
        Ok(project) => project,
        Err(refused) => return refused.into_response(),
    };
    if query.origin.is_none() && query.integration.is_none() {
        return super::paragon_frame::answer(&project);
    }
    let Some(origin) = query
        .origin
        .filter(|o| project.allowed_origins.iter().any(|a| a.as_str() == o))
    else {
        return refusal(
            StatusCode::FORBIDDEN,
            "This page may only be shown by the app's own origins.",
        );
    };
    let integration = query.integration.unwrap_or_default();
    let provider = crate::providers::find(&integration);
    let name = state
        .store
        .integration_by_provider(project.id, &integration)
        .await
        .ok()
        .flatten()
        .map(|i| i.name)
        .unwrap_or_else(|| integration.clone());
    let about = About::of(&integration, &name, &project.name);
    // Without `theme` the stylesheet takes the project's own (appearance.yaml).
    let theme_css = match theme {
        Some(theme) => format!(
            "/ui/theme.css?projectId={}&theme={}",
            project.id,
            theme.as_str()
        ),
        None => format!("/ui/theme.css?projectId={}", project.id),
    };
    let body = format!(
        include_str!("assets/portal.html"),
        project = escape(&project.id.to_string()),
        theme_css = escape(&theme_css),
        integration = escape(&integration),
        origin = escape(&origin),
        name = escape(&name),
        app = escape(&project.name),
        tagline = escape(&about.tagline),
        description = escape(&about.description),
        auth = provider.map_or("oauth2", |p| p.auth.mode()),
        icon = escape(&provider.map_or_else(
            || "/ui/integration.svg".to_owned(),
            |p| format!("/ui/icons/{}.svg", p.name)
        )),
        key_form = provider.map(|p| key_form(p, &name)).unwrap_or_default(),
    );
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action 'self'; frame-ancestors {origin}"
    );
    // An allowed origin is parsed strictly (no `;`, `,` or space), so it cannot end the
    // directive or fail to make a header; if it ever did, the page is refused, never shown
    // without its policy.
    match HeaderValue::from_str(&csp) {
        Ok(csp) => respond(StatusCode::OK, body, csp),
        Err(_) => refusal(
            StatusCode::FORBIDDEN,
            "This page may only be shown by the app's own origins.",
        ),
    }
}

/// The form a provider whose users paste a key or a password shows in place of a consent page:
/// one input per field of its definition, with its label and help; secrets as password inputs
/// that browsers neither fill nor save. Empty for OAuth providers.
fn key_form(provider: &crate::providers::Provider, name: &str) -> String {
    if matches!(provider.auth, crate::providers::Auth::OAuth2(_)) {
        return String::new();
    }
    let inputs: String = provider
        .fields
        .iter()
        .map(|field| {
            let id = escape(&format!("key-{}", field.id));
            let kind = if field.secret { "password" } else { "text" };
            format!(
                r#"<div class="field"><label for="{id}">{label}</label><input id="{id}" name="{name}" type="{kind}" autocomplete="off" autocapitalize="off" spellcheck="false" required aria-describedby="{id}-help"><p class="hint" id="{id}-help">{help}</p></div>"#,
                label = escape(&field.label),
                name = escape(&field.id),
                help = escape(&field.help),
            )
        })
        .collect();
    format!(
        r#"<form id="key-form" class="key-form" aria-labelledby="key-form-title" novalidate hidden><h2 id="key-form-title">Your {name} credentials</h2><p class="hint">{app_hint}</p>{inputs}<p id="key-error" class="key-error" role="alert" hidden></p><div class="form-actions"><button id="key-cancel" class="secondary" type="button">Cancel</button><button id="key-submit" class="primary" type="submit">Connect</button></div></form>"#,
        name = escape(name),
        app_hint = escape(&format!(
            "They are checked with {name}, then kept encrypted: nobody can read them back."
        )),
    )
}

/// What the portal's header and Overview tab say about an integration: a line under its name
/// and a longer description. Known providers have their own words; any other gets words built
/// from its name and the app's.
struct About {
    tagline: String,
    description: String,
}

impl About {
    fn of(kind: &str, name: &str, app: &str) -> Self {
        let (tagline, what) = match kind {
            "hubspot" => (
                format!("Sync {app} with your HubSpot CRM."),
                "HubSpot is a CRM platform for marketing, sales and customer service.",
            ),
            "salesforce" => (
                format!("Sync {app} with your Salesforce org."),
                "Salesforce is a CRM platform for sales, service and marketing.",
            ),
            _ => (format!("Connect {app} to your {name} account."), ""),
        };
        let description = format!(
            "{what}{space}Connect your {name} account to let {app} work in it on your behalf: \
             turn on the workflows you want in Configuration, and {app} runs them with your \
             account, for you only.",
            space = if what.is_empty() { "" } else { " " },
        );
        Self {
            tagline,
            description,
        }
    }
}

/// Why an address under `/ui` is refused: answered as [`refusal`]'s page.
pub(super) struct Refused {
    status: StatusCode,
    text: String,
}

impl Refused {
    pub(super) fn new(status: StatusCode, text: impl Into<String>) -> Self {
        Self {
            status,
            text: text.into(),
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        refusal(self.status, &self.text)
    }
}

/// The `theme` of a portal's address, if it has one; a refusal naming the choices otherwise.
pub(super) fn requested_theme(text: Option<&str>) -> Result<Option<ThemeMode>, Refused> {
    match text {
        None => Ok(None),
        Some(text) => ThemeMode::parse(text).map(Some).ok_or_else(|| {
            let words = format!(
                "Unknown theme: use {}, or leave `theme` out for the project's own.",
                ThemeMode::NAMES
            );
            Refused::new(StatusCode::BAD_REQUEST, words)
        }),
    }
}

/// The project of a portal's address; the portal's 404 when there is none (a malformed id
/// included, and a storage failure: the page cannot be shown either way).
pub(super) async fn project_of(state: &AppState, id: Option<&str>) -> Result<Project, Refused> {
    let project = match id.and_then(ProjectId::parse) {
        Some(id) => state.store.project(id).await.ok().flatten(),
        None => None,
    };
    project.ok_or_else(|| Refused::new(StatusCode::NOT_FOUND, "No such project."))
}

fn refusal(status: StatusCode, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Connect</title><p>{}</p></html>",
        escape(text)
    );
    respond(status, body, HeaderValue::from_static(STRICT_CSP))
}

pub(super) fn respond(status: StatusCode, body: String, csp: HeaderValue) -> Response {
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with
    // the portal's start form, and `/oauth/start` accepts only a known origin. Nothing leaves
    // the platform's origin either way.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    shared_headers(headers);
    response
}

async fn asset(text: &'static str, content_type: &'static str) -> Response {
    file(text, content_type)
}

/// A file of the portal (script, stylesheet, icon) with its type and the shared headers.
pub(super) fn file(body: impl IntoResponse, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    shared_headers(headers);
    response
}

/// `nosniff`, and CORP so that apps whose pages are cross-origin isolated (COEP
/// `require-corp`) can still frame the portal and load its files.
fn shared_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
}
