//! CRM owners v3: `GET /crm/v3/owners` (paged, `email` filter, `archived`) and
//! `GET /crm/v3/owners/{ownerId}` (`idProperty=id|userId`, `archived`), behind the CRM gate
//! with the owners' read scopes.

use axum::{
    Extension, Router,
    extract::{OriginalUri, Path, RawQuery, State},
    http::StatusCode,
    middleware,
    response::Response,
    routing::get,
};
use serde_json::{Value, json};

use super::{
    body::{first, paging, query_pairs},
    contacts::archived_flag,
    crm_gate::{self, Caller, Scopes},
    reply,
};
use crate::{
    crm::{
        CrmFailure,
        owners::{self, OwnerKey},
    },
    state::Sandbox,
};

const LIST: &str = "/crm/v3/owners";
const DEFAULT_LIMIT: u64 = 100;

/// The owners routes behind the CRM gate. HubSpot's own clients call the list with a trailing
/// slash (`/crm/v3/owners/`), so both forms answer.
pub fn router(sandbox: Sandbox) -> Router<Sandbox> {
    Router::new()
        .route(LIST, get(list))
        .route(&format!("{LIST}/"), get(list))
        .route(&format!("{LIST}/{{owner_id}}"), get(read))
        .route_layer(middleware::from_fn_with_state(sandbox, crm_gate::gate))
        .route_layer(Extension(Scopes(owners::READ_SCOPES)))
}

type Answer = Result<Response, CrmFailure>;

async fn list(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> Answer {
    let pairs = query_pairs(query.as_deref())?;
    let (limit, after) = paging(&pairs, DEFAULT_LIMIT, owners::MAX_LIMIT)?;
    let archived = archived_flag(&pairs)?;
    let email = first(&pairs, "email").filter(|e| !e.trim().is_empty());
    let world = sandbox.lock();
    let (page, next) = world
        .owners
        .book(caller.hub_id)
        .map(|book| {
            book.page(
                after,
                usize::try_from(limit).unwrap_or(usize::MAX),
                archived,
                email,
            )
        })
        .unwrap_or_default();
    let results: Vec<Value> = page.into_iter().map(owners::Owner::public).collect();
    let mut body = json!({ "results": results });
    if let Some(next) = next {
        let next = next.to_string();
        let mut link_query = vec![("after", next.as_str())];
        let limit = limit.to_string();
        link_query.push(("limit", &limit));
        if let Some(email) = email {
            link_query.push(("email", email));
        }
        if archived {
            link_query.push(("archived", "true"));
        }
        let link = format!(
            "{}{}?{}",
            sandbox.settings().base_url,
            uri.path(),
            serde_urlencoded::to_string(&link_query).unwrap_or_default()
        );
        body["paging"] = json!({"next": {"after": next, "link": link}});
    }
    Ok(reply::json(StatusCode::OK, &body))
}

async fn read(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(owner_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let pairs = query_pairs(query.as_deref())?;
    let archived = archived_flag(&pairs)?;
    // The path parameter is an int32 in HubSpot's spec; anything else names no owner.
    let number = owner_id.parse::<u64>().map_err(|_| CrmFailure::NotFound)?;
    let key = match first(&pairs, "idProperty") {
        None | Some("id") => OwnerKey::Id(number),
        Some("userId") => OwnerKey::UserId(number),
        Some(other) => {
            return Err(CrmFailure::validation(format!(
                "idProperty must be id or userId, not {other}"
            )));
        }
    };
    let world = sandbox.lock();
    let owner = world
        .owners
        .book(caller.hub_id)
        .and_then(|book| book.find(key, archived))
        .ok_or(CrmFailure::NotFound)?;
    Ok(reply::json(StatusCode::OK, &owner.public()))
}
