//! Batch upsert: create-or-update up to 100 contacts by email (or update by id).
//!
//! Inputs are checked as a whole first (shape, size, duplicate ids: any problem refuses the
//! batch, nothing is written), then each input succeeds or fails on its own; the caller turns
//! that into 200, 207 with `errors[]`, or a plain 400 when every input failed.

use std::collections::HashSet;

use serde_json::Value;

use super::{
    contacts::{ContactBook, ContactKey},
    email::is_valid_email,
    failure::CrmFailure,
    properties,
};

const MAX_INPUTS: usize = 100;

/// What one batch did.
#[derive(Debug, Default)]
pub struct Upserted {
    /// Contacts written, in input order, with `true` for created ones.
    pub written: Vec<(u64, bool)>,
    /// Inputs that failed, with the input's `id`.
    pub failed: Vec<(String, CrmFailure)>,
}

struct Input<'a> {
    key: Result<ContactKey, CrmFailure>,
    id: &'a str,
    properties: Option<&'a Value>,
}

/// Runs a batch upsert body against one account's contacts.
pub fn upsert(
    book: &mut ContactBook,
    next_id: &mut u64,
    body: &Value,
    portal_id: u32,
    now_ms: u64,
) -> Result<Upserted, CrmFailure> {
    let inputs = parse(body)?;
    let mut outcome = Upserted::default();
    for input in inputs {
        let written = input.key.and_then(|key| {
            let mut values = properties::validate(input.properties, portal_id)?;
            match key {
                ContactKey::Email(email)
                    if book
                        .find(&ContactKey::Email(email.clone()), false)
                        .is_none() =>
                {
                    values.insert("email".into(), email);
                    *next_id += 1;
                    book.create(*next_id, values, now_ms).map(|c| (c.id, true))
                }
                key => book.update(&key, values, now_ms).map(|c| (c.id, false)),
            }
        });
        match written {
            Ok(written) => outcome.written.push(written),
            Err(failure) => outcome.failed.push((input.id.to_owned(), failure)),
        }
    }
    Ok(outcome)
}

fn parse(body: &Value) -> Result<Vec<Input<'_>>, CrmFailure> {
    let invalid = |message: &str| CrmFailure::validation(message);
    let Some(Value::Array(items)) = body.get("inputs") else {
        return Err(invalid("Invalid input JSON: inputs must be an array"));
    };
    if items.is_empty() || items.len() > MAX_INPUTS {
        return Err(CrmFailure::validation(format!(
            "A batch must have between 1 and {MAX_INPUTS} inputs; it has {}",
            items.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut duplicates = Vec::new();
    let mut inputs = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            return Err(invalid("Invalid input JSON: every input needs a string id"));
        };
        let id_property = match item.get("idProperty") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name.as_str()),
            Some(_) => return Err(invalid("Invalid input JSON: idProperty must be a string")),
        };
        let key = key_of(id, id_property);
        let normalized = match &key {
            Ok(ContactKey::Email(email)) => email.clone(),
            _ => id.to_owned(),
        };
        if !seen.insert(normalized) {
            duplicates.push(id);
        }
        inputs.push(Input {
            key,
            id,
            properties: item.get("properties"),
        });
    }
    if !duplicates.is_empty() {
        // Two inputs for one contact would race inside HubSpot; it refuses the batch.
        return Err(CrmFailure::validation(format!(
            "Duplicate IDs found in batch input: [{}]. IDs must be unique",
            duplicates.join(", ")
        )));
    }
    Ok(inputs)
}

fn key_of(id: &str, id_property: Option<&str>) -> Result<ContactKey, CrmFailure> {
    match id_property {
        Some("email") => {
            let email = id.trim().to_ascii_lowercase();
            if is_valid_email(&email) {
                Ok(ContactKey::Email(email))
            } else {
                Err(CrmFailure::validation(format!(
                    "Email address {id} is invalid"
                )))
            }
        }
        None | Some("hs_object_id") => id
            .parse()
            .map(ContactKey::Id)
            .map_err(|_| CrmFailure::NotFound),
        Some(other) => Err(CrmFailure::validation(format!(
            "{other} is not a unique property of contacts; use email or hs_object_id"
        ))),
    }
}
