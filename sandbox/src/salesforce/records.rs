//! Contacts and Leads: the field catalogue of each, the rules a write must pass and the store.
//!
//! The rules are Salesforce's defaults: `LastName` is required on both and `Company` on a Lead
//! (`REQUIRED_FIELD_MISSING`, "Required fields are missing: \[LastName\]"); an unknown field is
//! `INVALID_FIELD` ("No such column 'X' on sobject of type Contact"); a system field cannot be
//! written (`INVALID_FIELD_FOR_INSERT_UPDATE`); a text longer than its field is
//! `STRING_TOO_LONG`; a bad email is `INVALID_EMAIL_ADDRESS`; and the standard duplicate rules
//! ("Standard Contact Duplicate Rule", "Standard Lead Duplicate Rule", here simplified to an
//! exact email match within the object) block the write with `DUPLICATES_DETECTED`. Field names
//! are case-insensitive, as in Salesforce, and answered in the catalogue's spelling.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{failure::RestFailure, ids};
use crate::{clock, crm::email::is_valid_email};

/// The sObjects the stand-in knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `Contact`, key prefix `003`.
    Contact,
    /// `Lead`, key prefix `00Q`.
    Lead,
}

/// A writable field: its API name and maximum length.
type Field = (&'static str, usize);

const CONTACT_FIELDS: &[Field] = &[
    ("FirstName", 40),
    ("LastName", 80),
    ("Email", 80),
    ("Phone", 40),
    ("MobilePhone", 40),
    ("Title", 128),
    ("Department", 80),
    ("MailingCity", 40),
    ("Description", 32_000),
];
const LEAD_FIELDS: &[Field] = &[
    ("FirstName", 40),
    ("LastName", 80),
    ("Company", 255),
    ("Email", 80),
    ("Phone", 40),
    ("Title", 128),
    ("Status", 255),
    ("LeadSource", 255),
    ("Description", 32_000),
];
/// Fields every record has and nobody writes.
const SYSTEM_FIELDS: &[&str] = &["Id", "Name", "CreatedDate", "LastModifiedDate"];

impl Kind {
    /// The object named `name` (case-insensitive, as in Salesforce's URLs and SOQL).
    pub fn parse(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("Contact") {
            Some(Self::Contact)
        } else if name.eq_ignore_ascii_case("Lead") {
            Some(Self::Lead)
        } else {
            None
        }
    }

    /// The API name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Contact => "Contact",
            Self::Lead => "Lead",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Contact => "003",
            Self::Lead => "00Q",
        }
    }

    fn writable(self) -> &'static [Field] {
        match self {
            Self::Contact => CONTACT_FIELDS,
            Self::Lead => LEAD_FIELDS,
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Self::Contact => &["LastName"],
            Self::Lead => &["LastName", "Company"],
        }
    }

    /// The catalogue spelling of any readable field, `None` if there is no such field.
    pub fn field(self, name: &str) -> Option<&'static str> {
        SYSTEM_FIELDS
            .iter()
            .copied()
            .chain(self.writable().iter().map(|(f, _)| *f))
            .find(|f| f.eq_ignore_ascii_case(name))
    }

    /// Every readable field, system fields first.
    pub fn fields(self) -> impl Iterator<Item = &'static str> {
        SYSTEM_FIELDS
            .iter()
            .copied()
            .chain(self.writable().iter().map(|(f, _)| *f))
    }
}

/// One record.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its object.
    pub kind: Kind,
    /// Its org.
    pub org_id: String,
    /// Writable fields that are set (catalogue spelling).
    pub values: BTreeMap<&'static str, String>,
    created_ms: u64,
    modified_ms: u64,
}

impl Record {
    /// The value of `field` (catalogue spelling) as Salesforce answers it; unset is `null`.
    pub fn get(&self, id: &str, field: &str) -> Value {
        match field {
            "Id" => json!(id),
            "Name" => {
                let parts = ["FirstName", "LastName"]
                    .map(|f| self.values.get(f).cloned().unwrap_or_default());
                json!(parts.join(" ").trim())
            }
            // Salesforce writes datetimes with milliseconds and a `+0000` offset.
            "CreatedDate" => json!(clock::iso8601(self.created_ms).replace('Z', "+0000")),
            "LastModifiedDate" => json!(clock::iso8601(self.modified_ms).replace('Z', "+0000")),
            other => self.values.get(other).map_or(Value::Null, |v| json!(v)),
        }
    }
}

/// The records of every org, by 18-character id.
#[derive(Debug, Default)]
pub struct Records {
    by_id: BTreeMap<String, Record>,
    last: u64,
}

impl Records {
    /// Creates a record after the rules; answers its id.
    pub fn create(
        &mut self,
        org_id: &str,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<String, RestFailure> {
        let mut values = BTreeMap::new();
        apply(kind, &mut values, body)?;
        require(kind, &values)?;
        self.check_duplicate(org_id, kind, &values, None)?;
        self.last += 1;
        let id = ids::make(kind.prefix(), self.last);
        let now = clock::now_ms();
        self.by_id.insert(
            id.clone(),
            Record {
                kind,
                org_id: org_id.to_owned(),
                values,
                created_ms: now,
                modified_ms: now,
            },
        );
        Ok(id)
    }

    /// The record `id` (15 or 18 characters) of `kind` in `org_id`, with its 18-character id.
    pub fn get(&self, org_id: &str, kind: Kind, id: &str) -> Option<(String, &Record)> {
        let id = ids::normalize(id)?;
        let record = self
            .by_id
            .get(&id)
            .filter(|r| r.org_id == org_id && r.kind == kind)?;
        Some((id, record))
    }

    /// Updates the fields in `body`; a field set to `null` is cleared.
    pub fn update(
        &mut self,
        org_id: &str,
        kind: Kind,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<(), RestFailure> {
        let (id, record) = self
            .get(org_id, kind, id)
            .ok_or_else(RestFailure::not_found)?;
        let mut values = record.values.clone();
        apply(kind, &mut values, body)?;
        require(kind, &values)?;
        self.check_duplicate(org_id, kind, &values, Some(&id))?;
        if let Some(record) = self.by_id.get_mut(&id) {
            record.values = values;
            record.modified_ms = clock::now_ms();
        }
        Ok(())
    }

    /// Deletes a record; `false` if there is none.
    pub fn delete(&mut self, org_id: &str, kind: Kind, id: &str) -> bool {
        match self.get(org_id, kind, id) {
            Some((id, _)) => self.by_id.remove(&id).is_some(),
            None => false,
        }
    }

    /// Every record of `kind` in `org_id`, in id (creation) order.
    pub fn all(&self, org_id: &str, kind: Kind) -> impl Iterator<Item = (&String, &Record)> {
        let org_id = org_id.to_owned();
        self.by_id
            .iter()
            .filter(move |(_, r)| r.org_id == org_id && r.kind == kind)
    }

    fn check_duplicate(
        &self,
        org_id: &str,
        kind: Kind,
        values: &BTreeMap<&'static str, String>,
        except: Option<&str>,
    ) -> Result<(), RestFailure> {
        let Some(email) = values.get("Email") else {
            return Ok(());
        };
        let taken = self.all(org_id, kind).any(|(id, r)| {
            Some(id.as_str()) != except
                && r.values
                    .get("Email")
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        });
        if taken {
            return Err(RestFailure::dml(
                "DUPLICATES_DETECTED",
                "Use one of these records?",
                &[],
            ));
        }
        Ok(())
    }
}

/// `REQUIRED_FIELD_MISSING` naming every required field `values` lacks.
fn require(kind: Kind, values: &BTreeMap<&'static str, String>) -> Result<(), RestFailure> {
    let missing: Vec<&str> = kind
        .required()
        .iter()
        .copied()
        .filter(|f| !values.contains_key(f))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(RestFailure::dml(
        "REQUIRED_FIELD_MISSING",
        format!("Required fields are missing: [{}]", missing.join(", ")),
        &missing,
    ))
}

/// Writes `body`'s fields into `values` after the per-field rules.
fn apply(
    kind: Kind,
    values: &mut BTreeMap<&'static str, String>,
    body: &Map<String, Value>,
) -> Result<(), RestFailure> {
    for (name, value) in body {
        // Clients send back what they read; Salesforce ignores `attributes` on a write.
        if name == "attributes" {
            continue;
        }
        let Some(&(field, max)) = kind
            .writable()
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(name))
        else {
            if let Some(system) = kind.field(name) {
                return Err(RestFailure::dml(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    format!(
                        "Unable to create/update fields: {system}. Please check the security settings of this field and verify that it is read/write for your profile or permission set."
                    ),
                    &[system],
                ));
            }
            return Err(RestFailure::bad_request(
                "INVALID_FIELD",
                format!("No such column '{name}' on sobject of type {}", kind.name()),
            ));
        };
        match value {
            Value::Null => {
                values.remove(field);
            }
            Value::String(text) if text.is_empty() => {
                values.remove(field);
            }
            Value::String(text) => {
                if text.chars().count() > max {
                    return Err(RestFailure::dml(
                        "STRING_TOO_LONG",
                        format!("{field}: data value too large: {text} (max length={max})"),
                        &[field],
                    ));
                }
                if field == "Email" && !is_valid_email(text) {
                    return Err(RestFailure::dml(
                        "INVALID_EMAIL_ADDRESS",
                        format!("Email: invalid email address: {text}"),
                        &[field],
                    ));
                }
                values.insert(field, text.clone());
            }
            other => {
                return Err(RestFailure::bad_request(
                    "JSON_PARSER_ERROR",
                    format!(
                        "Cannot deserialize instance of string from {other} value for field {field}"
                    ),
                ));
            }
        }
    }
    if kind == Kind::Lead && !values.contains_key("Status") {
        // The default picklist value of a new org's Lead Status.
        values.insert("Status", "Open - Not Contacted".to_owned());
    }
    Ok(())
}
