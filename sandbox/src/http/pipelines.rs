//! CRM pipelines v3, read-only: `GET /crm/v3/pipelines/{objectType}` and
//! `GET /crm/v3/pipelines/{objectType}/{pipelineId}` for deals and tickets, behind the CRM gate
//! with the pipelines' read scopes.

use axum::{
    Extension, Router, extract::Path, http::StatusCode, middleware, response::Response,
    routing::get,
};
use serde_json::{Value, json};

use super::{
    crm_gate::{self, Scopes},
    reply,
};
use crate::{
    crm::{
        CrmFailure,
        pipelines::{self, PipelineObject},
    },
    state::Sandbox,
};

/// The pipelines routes behind the CRM gate.
pub fn router(sandbox: Sandbox) -> Router<Sandbox> {
    Router::new()
        .route("/crm/v3/pipelines/{object_type}", get(list))
        .route("/crm/v3/pipelines/{object_type}/{pipeline_id}", get(read))
        .route_layer(middleware::from_fn_with_state(sandbox, crm_gate::gate))
        .route_layer(Extension(Scopes(pipelines::READ_SCOPES)))
}

type Answer = Result<Response, CrmFailure>;

async fn list(Path(object_type): Path<String>) -> Answer {
    let object = PipelineObject::parse(&object_type)?;
    let results: Vec<Value> = object
        .pipelines()
        .iter()
        .enumerate()
        .map(|(order, pipeline)| pipeline.public(order))
        .collect();
    Ok(reply::json(StatusCode::OK, &json!({ "results": results })))
}

async fn read(Path((object_type, pipeline_id)): Path<(String, String)>) -> Answer {
    let object = PipelineObject::parse(&object_type)?;
    let (order, pipeline) = object
        .pipelines()
        .iter()
        .enumerate()
        .find(|(_, p)| p.id == pipeline_id)
        .ok_or(CrmFailure::NotFound)?;
    Ok(reply::json(StatusCode::OK, &pipeline.public(order)))
}
