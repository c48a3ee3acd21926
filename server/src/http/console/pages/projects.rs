//! `GET /console`: a project session goes to its project's Task History; the operator picks a
//! project from the list of every project.

use axum::{Router, extract::State, http::StatusCode, response::Response, routing::get};

use super::super::{
    AppState,
    layout::{self, Nav, escape},
    see_other,
    session::{Console, Scope},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/console", get(home))
}

async fn home(State(state): State<AppState>, console: Console) -> Response {
    if let Scope::Project(project) = console.scope {
        return see_other(&format!("/console/projects/{project}/runs"));
    }
    let projects = match state.store.project_summaries().await {
        Ok(projects) => projects,
        Err(error) => return layout::storage_failed(&error),
    };
    let items: String = projects
        .iter()
        .map(|p| {
            format!(
                r#"<li><a href="/console/projects/{id}/runs">{name}</a> <span class="muted">{id}</span></li>"#,
                id = p.id,
                name = escape(&p.name)
            )
        })
        .collect();
    let body = if items.is_empty() {
        "<h1>Projects</h1><p>There is no project yet: create one with <code>paragon project create</code>.</p>".to_owned()
    } else {
        format!(r#"<h1>Projects</h1><ul class="projects">{items}</ul>"#)
    };
    let nav = Nav {
        console: &console,
        project: None,
    };
    layout::page(StatusCode::OK, "Projects", Some(nav), &body)
}
