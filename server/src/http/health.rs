//! `GET /healthz`: liveness, answered without touching any dependency.

use axum::{Json, Router, routing::get};
use paragon_protocol::{Health, HealthStatus, paths};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::HEALTHZ, get(healthz))
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: HealthStatus::Ok,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
