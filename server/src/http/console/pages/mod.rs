//! The console's pages, one file per concept: [`sign_in`] (sign-in and sign-out),
//! [`projects`] (the operator's project list), [`runs`] (Task History).

mod projects;
mod runs;
mod sign_in;

use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(sign_in::router())
        .merge(projects::router())
        .merge(runs::router())
}
