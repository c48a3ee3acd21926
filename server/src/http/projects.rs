//! Management API for projects: `POST /projects` (operator key), `GET`/`PATCH /projects/{pid}`
//! (the project's API key).

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use paragon_protocol::management::{self as wire, CreateProject, CreatedProject, UpdateProject};

use super::{
    ApiError, ApiJson, AppState,
    auth::{Operator, ProjectAdmin},
};
use crate::{admin, storage::Project};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", post(create))
        .route("/projects/{pid}", get(show).patch(update))
}

async fn create(
    State(state): State<AppState>,
    _: Operator,
    ApiJson(body): ApiJson<CreateProject>,
) -> Result<(StatusCode, Json<CreatedProject>), ApiError> {
    let new = admin::NewProject {
        name: body.name,
        origins: body.allowed_origins,
        max_token_lifetime_secs: body.max_token_lifetime_secs,
    };
    let (project, api_key) = admin::create_project(&state.store, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedProject {
            project: to_wire(&project),
            api_key,
        }),
    ))
}

async fn show(
    State(state): State<AppState>,
    admin: ProjectAdmin,
) -> Result<Json<wire::Project>, ApiError> {
    Ok(Json(to_wire(
        &admin::project(&state.store, admin.project_id).await?,
    )))
}

async fn update(
    State(state): State<AppState>,
    admin: ProjectAdmin,
    ApiJson(body): ApiJson<UpdateProject>,
) -> Result<Json<wire::Project>, ApiError> {
    let changes = admin::ProjectChanges {
        name: body.name,
        origins: body.allowed_origins,
        max_token_lifetime_secs: body.max_token_lifetime_secs,
    };
    Ok(Json(to_wire(
        &admin::update_project(&state.store, admin.project_id, changes).await?,
    )))
}

fn to_wire(project: &Project) -> wire::Project {
    wire::Project {
        id: project.id.to_string(),
        name: project.name.clone(),
        allowed_origins: project
            .allowed_origins
            .iter()
            .map(|o| o.as_str().to_owned())
            .collect(),
        max_token_lifetime_secs: project.max_token_lifetime_secs,
        created_at: crate::clock::secs(project.created_at),
    }
}
