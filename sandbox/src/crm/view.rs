//! Contacts as HubSpot returns them: `SimplePublicObject` JSON with the asked-for properties.
//!
//! Properties without a value are left out rather than sent as `null`: HubSpot's spec types
//! every property value as a string, and clients must treat absent, `null` and `""` alike.

use serde_json::{Map, Value, json};

use super::{contacts::Contact, properties::DEFAULT_READ};
use crate::clock;

/// Which properties a response carries.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// GET, list and search without `properties`: HubSpot's default handful.
    Default,
    /// `properties=a,b`: those (unknown names ignored) plus the system ones HubSpot always adds.
    Listed(&'a [String]),
    /// Create, update and upsert answers, and the knob: every property with a value.
    Everything,
}

const ALWAYS: &[&str] = &["createdate", "hs_object_id", "lastmodifieddate"];

/// The contact as a `SimplePublicObject`.
pub fn simple_object(contact: &Contact, selection: Selection<'_>) -> Value {
    let mut properties = Map::new();
    let mut put = |name: &str| {
        if let Some(value) = contact.value(name) {
            properties.insert(name.to_owned(), Value::String(value));
        }
    };
    match selection {
        Selection::Default => DEFAULT_READ.iter().for_each(|name| put(name)),
        Selection::Listed(names) => {
            ALWAYS.iter().for_each(|name| put(name));
            names.iter().for_each(|name| put(name));
        }
        Selection::Everything => {
            ALWAYS.iter().for_each(|name| put(name));
            contact.properties.keys().for_each(|name| put(name));
        }
    }
    let mut object = json!({
        "id": contact.id.to_string(),
        "properties": properties,
        "createdAt": clock::iso8601(contact.created_ms),
        "updatedAt": clock::iso8601(contact.updated_ms),
        "archived": contact.archived_ms.is_some(),
    });
    if let Some(archived_ms) = contact.archived_ms {
        object["archivedAt"] = json!(clock::iso8601(archived_ms));
    }
    object
}

/// Splits `properties` query values: both `properties=a,b` and repeated `properties=a`
/// are accepted, as HubSpot does.
pub fn property_list<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    values
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}
