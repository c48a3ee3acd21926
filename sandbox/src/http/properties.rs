//! CRM properties v3, read-only: `GET /crm/v3/properties/{objectType}` and
//! `GET /crm/v3/properties/{objectType}/{propertyName}` for contacts (the catalogue validation
//! uses), behind the CRM gate with the properties' read scopes.
//!
//! Query: `archived` (`true`: only archived properties, of which there are none here),
//! `dataSensitivity` (`non_sensitive`, the default, is the catalogue; `sensitive` and
//! `highly_sensitive` select sensitive properties, of which there are none here; anything else
//! is 400), `locale` and `properties` (accepted and ignored: labels are English, and HubSpot
//! does not document what `properties` selects).

use axum::{
    Extension, Router,
    extract::{Path, RawQuery},
    http::StatusCode,
    middleware,
    response::Response,
    routing::get,
};
use serde_json::{Value, json};

use super::{
    body::{first, query_pairs},
    contacts::archived_flag,
    crm_gate::{self, Scopes},
    reply,
};
use crate::{
    crm::{
        CrmFailure,
        properties::{self, PropertyObject},
    },
    state::Sandbox,
};

/// The properties routes behind the CRM gate.
pub fn router(sandbox: Sandbox) -> Router<Sandbox> {
    Router::new()
        .route("/crm/v3/properties/{object_type}", get(list))
        .route(
            "/crm/v3/properties/{object_type}/{property_name}",
            get(read),
        )
        .route_layer(middleware::from_fn_with_state(sandbox, crm_gate::gate))
        .route_layer(Extension(Scopes(properties::READ_SCOPES)))
}

type Answer = Result<Response, CrmFailure>;

/// Whether the query asks for what the catalogue holds: live, non-sensitive properties.
fn selects_the_catalogue(query: Option<&str>) -> Result<bool, CrmFailure> {
    let pairs = query_pairs(query)?;
    let archived = archived_flag(&pairs)?;
    let sensitive = match first(&pairs, "dataSensitivity") {
        None | Some("non_sensitive") => false,
        Some("sensitive" | "highly_sensitive") => true,
        Some(other) => {
            return Err(CrmFailure::validation(format!(
                "dataSensitivity must be one of highly_sensitive, non_sensitive, sensitive, not \
                 {other}"
            )));
        }
    };
    Ok(!archived && !sensitive)
}

async fn list(Path(object_type): Path<String>, RawQuery(query): RawQuery) -> Answer {
    let object = PropertyObject::parse(&object_type)?;
    let results: Vec<Value> = if selects_the_catalogue(query.as_deref())? {
        object.properties()
    } else {
        Vec::new()
    };
    Ok(reply::json(StatusCode::OK, &json!({ "results": results })))
}

async fn read(
    Path((object_type, property_name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let object = PropertyObject::parse(&object_type)?;
    let property = selects_the_catalogue(query.as_deref())?
        .then(|| object.property(&property_name))
        .flatten()
        .ok_or(CrmFailure::NotFound)?;
    Ok(reply::json(StatusCode::OK, &property))
}
