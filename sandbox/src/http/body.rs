//! Reading request bodies the way HubSpot does: the token endpoints take only
//! `application/x-www-form-urlencoded`, the CRM only `application/json`, and a malformed body
//! is a 4xx in HubSpot's shape, never a panic.

use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{crm::CrmFailure, oauth::OAuthFailure};

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// A form body. A parameter given twice is refused (RFC 6749 section 3.2).
pub fn form<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, OAuthFailure> {
    if media_type(headers) != "application/x-www-form-urlencoded" {
        return Err(OAuthFailure::UnsupportedMediaType);
    }
    serde_urlencoded::from_bytes(body).map_err(|error| {
        OAuthFailure::InvalidRequest(format!("the form body could not be read: {error}"))
    })
}

/// A JSON body, which must be an object.
pub fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Value, CrmFailure> {
    if media_type(headers) != "application/json" {
        return Err(CrmFailure::UnsupportedMediaType);
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        let text = error.to_string();
        let what = text.split(" at line ").next().unwrap_or_default();
        CrmFailure::validation(format!(
            "Invalid input JSON on line {}, column {}: {what}",
            error.line(),
            error.column()
        ))
    })?;
    if !value.is_object() {
        return Err(CrmFailure::validation(
            "Invalid input JSON: the body must be a JSON object",
        ));
    }
    Ok(value)
}

/// A query string as ordered pairs (repeated keys kept, as `properties=a&properties=b`).
pub fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, CrmFailure> {
    serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| CrmFailure::validation("The query string could not be read"))
}

/// A list's paging from its query: `limit` (`default` when absent, 1 to `max`) and the `after`
/// cursor (an index, 0 when absent), with HubSpot's validation errors.
pub fn paging(
    pairs: &[(String, String)],
    default: u64,
    max: u64,
) -> Result<(u64, u64), CrmFailure> {
    let limit = match first(pairs, "limit").map(str::parse::<u64>) {
        None => default,
        Some(Ok(n)) if (1..=max).contains(&n) => n,
        Some(_) => {
            return Err(CrmFailure::validation(format!(
                "limit must be a number between 1 and {max}"
            )));
        }
    };
    let after = match first(pairs, "after").filter(|a| !a.is_empty()) {
        None => 0,
        Some(after) => after.parse().map_err(|_| {
            CrmFailure::validation(format!("after {after:?} is not a valid paging cursor"))
        })?,
    };
    Ok((limit, after))
}

/// The first value of `name` in the pairs.
pub fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}
