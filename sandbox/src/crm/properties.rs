//! The contact property catalogue and the validation of written values.
//!
//! A realistic slice of HubSpot's default contact properties. Values are strings both ways;
//! the error texts and the shape of the `message` (a JSON array inside a string, keys in
//! HubSpot's order) copy observed HubSpot answers.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    email::is_valid_email,
    failure::{CrmFailure, ErrorDetail},
};

/// What a property accepts.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Email,
    Enumeration(&'static [&'static str]),
    /// Maintained by HubSpot; writing it is an error.
    ReadOnly,
}

const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];
const LEAD_STATUSES: &[&str] = &[
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
];
const EMPLOYEE_RANGES: &[&str] = &[
    "1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+",
];

const CATALOGUE: &[(&str, Kind)] = &[
    ("email", Kind::Email),
    ("firstname", Kind::Text),
    ("lastname", Kind::Text),
    ("salutation", Kind::Text),
    ("company", Kind::Text),
    ("jobtitle", Kind::Text),
    ("industry", Kind::Text),
    ("annualrevenue", Kind::Text),
    ("numemployees", Kind::Enumeration(EMPLOYEE_RANGES)),
    ("phone", Kind::Text),
    ("mobilephone", Kind::Text),
    ("fax", Kind::Text),
    ("website", Kind::Text),
    ("address", Kind::Text),
    ("city", Kind::Text),
    ("state", Kind::Text),
    ("zip", Kind::Text),
    ("country", Kind::Text),
    ("message", Kind::Text),
    ("date_of_birth", Kind::Text),
    ("twitterhandle", Kind::Text),
    ("work_email", Kind::Text),
    ("hubspot_owner_id", Kind::Text),
    ("lifecyclestage", Kind::Enumeration(LIFECYCLE_STAGES)),
    ("hs_lead_status", Kind::Enumeration(LEAD_STATUSES)),
    ("createdate", Kind::ReadOnly),
    ("lastmodifieddate", Kind::ReadOnly),
    ("hs_object_id", Kind::ReadOnly),
    ("hs_email_domain", Kind::ReadOnly),
];

/// What GET, list and search return when no `properties` are asked for.
pub const DEFAULT_READ: &[&str] = &[
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
];

/// Properties a search's free-text `query` looks at.
pub const QUERY_SEARCHABLE: &[&str] = &[
    "email",
    "firstname",
    "lastname",
    "phone",
    "mobilephone",
    "company",
    "website",
];

/// Whether HubSpot would know this contact property.
pub fn is_known(name: &str) -> bool {
    CATALOGUE.iter().any(|(known, _)| *known == name)
}

/// Validates a request's `properties` object into string values. JSON `null` values are
/// skipped (HubSpot accepts and ignores them; `""` clears a property); any other non-string
/// value is refused, like every invalid property, with all problems reported at once.
pub fn validate(
    input: Option<&Value>,
    portal_id: u32,
) -> Result<BTreeMap<String, String>, CrmFailure> {
    let object = match input {
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(CrmFailure::validation(
                "Invalid input JSON: properties must be an object",
            ));
        }
        None => {
            return Err(CrmFailure::validation(
                "Invalid input JSON: properties is required",
            ));
        }
    };
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, value) in object {
        let text = match value {
            Value::String(text) => text.trim().to_owned(),
            Value::Null => continue,
            other => {
                return Err(CrmFailure::validation(format!(
                    "Invalid input JSON: the value of property \"{name}\" must be a string, not {}",
                    json_kind(other)
                )));
            }
        };
        let kind = CATALOGUE
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, kind)| *kind);
        let problem = match kind {
            None => Some(Problem::missing(name, portal_id)),
            Some(Kind::ReadOnly) => Some(Problem::read_only(name)),
            Some(Kind::Email) if !text.is_empty() && !is_valid_email(&text) => {
                Some(Problem::email(name, &text))
            }
            Some(Kind::Enumeration(options))
                if !text.is_empty() && !options.contains(&text.as_str()) =>
            {
                Some(Problem::option(name, &text, options))
            }
            _ => None,
        };
        match problem {
            Some(problem) => problems.push(problem),
            None if kind.is_some_and(|k| matches!(k, Kind::Email)) => {
                values.insert(name.clone(), text.to_ascii_lowercase());
            }
            None => {
                values.insert(name.clone(), text);
            }
        }
    }
    if problems.is_empty() {
        return Ok(values);
    }
    let items: Vec<&str> = problems.iter().map(|p| p.item.as_str()).collect();
    Err(CrmFailure::Validation {
        message: format!("Property values were not valid: [{}]", items.join(",")),
        errors: problems.into_iter().map(|p| p.detail).collect(),
    })
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::Array(_) => "an array",
        _ => "an object",
    }
}

/// One invalid property: its item in the `message` array and its `errors[]` entry.
struct Problem {
    item: String,
    detail: ErrorDetail,
}

impl Problem {
    /// Writes the message item with HubSpot's key order (a JSON map would sort them).
    fn new(name: &str, message: &str, error: &str, extra: &str) -> Self {
        let quote = |text: &str| serde_json::to_string(text).unwrap_or_default();
        let item = format!(
            "{{\"isValid\":false,\"message\":{},\"error\":{},\"name\":{}{extra}}}",
            quote(message),
            quote(error),
            quote(name)
        );
        let detail = ErrorDetail {
            message: message.to_owned(),
            code: Some(error.to_owned()),
            property: Some(name.to_owned()),
        };
        Self { item, detail }
    }

    fn missing(name: &str, portal_id: u32) -> Self {
        let message = format!("Property \"{name}\" does not exist");
        let quoted = serde_json::to_string(&message).unwrap_or_default();
        let extra = format!(",\"localizedErrorMessage\":{quoted},\"portalId\":{portal_id}");
        Self::new(name, &message, "PROPERTY_DOESNT_EXIST", &extra)
    }

    fn read_only(name: &str) -> Self {
        let message = format!("\"{name}\" is a read only property; its value cannot be set.");
        Self::new(name, &message, "READ_ONLY_VALUE", "")
    }

    fn email(name: &str, value: &str) -> Self {
        Self::new(
            name,
            &format!("Email address {value} is invalid"),
            "INVALID_EMAIL",
            "",
        )
    }

    fn option(name: &str, value: &str, options: &[&str]) -> Self {
        let message = format!(
            "{value} was not one of the allowed options: [{}]",
            options.join(", ")
        );
        Self::new(name, &message, "INVALID_OPTION", "")
    }
}
