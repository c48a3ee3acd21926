//! The contact property catalogue: the validation of written values and the definitions the
//! properties API (`GET /crm/v3/properties/contacts[/{propertyName}]`) shows.
//!
//! A realistic slice of HubSpot's default contact properties, one table for both uses. Values
//! are strings both ways; the error texts and the shape of the `message` (a JSON array inside a
//! string, keys in HubSpot's order) copy observed HubSpot answers.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    email::is_valid_email,
    failure::{CrmFailure, ErrorDetail},
    pipelines,
};
use crate::clock;

/// What a property holds and accepts, and so its `type` and `fieldType`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A single-line string: `string`/`text`.
    Text,
    /// A multi-line string: `string`/`textarea`.
    TextArea,
    /// An email address, stored lower-case: `string`/`text`.
    Email,
    /// One of fixed options: `enumeration`/`select`.
    Enumeration(&'static [Choice]),
    /// An owner id: `enumeration`/`select` whose options are the account's owners, kept
    /// outside the property (`externalOptions`, `referencedObjectType` `OWNER`). Any value is
    /// accepted on write.
    Owner,
    /// Maintained by HubSpot; writing it is an error.
    ReadOnly(Shape),
}

/// The value type of a read-only property.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `string`/`text`.
    Text,
    /// `number`/`number`.
    Number,
    /// `datetime`/`date`.
    DateTime,
}

/// One option of an enumeration: the stored value and its label.
#[derive(Debug, Clone, Copy)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

const fn choice(value: &'static str, label: &'static str) -> Choice {
    Choice { value, label }
}

const LIFECYCLE_STAGES: &[Choice] = &[
    choice("subscriber", "Subscriber"),
    choice("lead", "Lead"),
    choice("marketingqualifiedlead", "Marketing Qualified Lead"),
    choice("salesqualifiedlead", "Sales Qualified Lead"),
    choice("opportunity", "Opportunity"),
    choice("customer", "Customer"),
    choice("evangelist", "Evangelist"),
    choice("other", "Other"),
];
const LEAD_STATUSES: &[Choice] = &[
    choice("NEW", "New"),
    choice("OPEN", "Open"),
    choice("IN_PROGRESS", "In Progress"),
    choice("OPEN_DEAL", "Open Deal"),
    choice("UNQUALIFIED", "Unqualified"),
    choice("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    choice("CONNECTED", "Connected"),
    choice("BAD_TIMING", "Bad Timing"),
];
const EMPLOYEE_RANGES: &[Choice] = &[
    choice("1-5", "1-5"),
    choice("5-25", "5-25"),
    choice("25-50", "25-50"),
    choice("50-100", "50-100"),
    choice("100-500", "100-500"),
    choice("500-1000", "500-1000"),
    choice("1000+", "1000+"),
];

/// One contact property: what validation needs (`kind`) and what the properties API shows.
#[derive(Debug)]
struct Definition {
    name: &'static str,
    label: &'static str,
    kind: Kind,
    description: &'static str,
}

const fn def(
    name: &'static str,
    label: &'static str,
    kind: Kind,
    description: &'static str,
) -> Definition {
    Definition {
        name,
        label,
        kind,
        description,
    }
}

/// The catalogue, in display order. Labels, descriptions and options are modelled on HubSpot's
/// default contact properties; every one is in the group `contactinformation`.
const CATALOGUE: &[Definition] = &[
    def("email", "Email", Kind::Email, "A contact's email address"),
    def(
        "firstname",
        "First Name",
        Kind::Text,
        "A contact's first name",
    ),
    def("lastname", "Last Name", Kind::Text, "A contact's last name"),
    def(
        "salutation",
        "Salutation",
        Kind::Text,
        "The title used to address a contact",
    ),
    def(
        "company",
        "Company Name",
        Kind::Text,
        "Name of the contact's company. This can be set independently from the name property \
         on the contact's associated company.",
    ),
    def("jobtitle", "Job Title", Kind::Text, "A contact's job title"),
    def(
        "industry",
        "Industry",
        Kind::Text,
        "The Industry a contact is in",
    ),
    def(
        "annualrevenue",
        "Annual Revenue",
        Kind::Text,
        "Annual company revenue",
    ),
    def(
        "numemployees",
        "Number of Employees",
        Kind::Enumeration(EMPLOYEE_RANGES),
        "The number of company employees",
    ),
    def(
        "phone",
        "Phone Number",
        Kind::Text,
        "A contact's primary phone number",
    ),
    def(
        "mobilephone",
        "Mobile Phone Number",
        Kind::Text,
        "A contact's mobile phone number",
    ),
    def(
        "fax",
        "Fax Number",
        Kind::Text,
        "A contact's primary fax number",
    ),
    def(
        "website",
        "Website URL",
        Kind::Text,
        "The contact's company website",
    ),
    def(
        "address",
        "Street Address",
        Kind::Text,
        "A contact's street address, including apartment or unit number.",
    ),
    def("city", "City", Kind::Text, "A contact's city of residence"),
    def(
        "state",
        "State/Region",
        Kind::Text,
        "The contact's state of residence.",
    ),
    def(
        "zip",
        "Postal Code",
        Kind::Text,
        "The contact's zip code. This might be set via import, form, or integration.",
    ),
    def(
        "country",
        "Country/Region",
        Kind::Text,
        "The contact's country/region of residence. This might be set via import, form, or \
         integration.",
    ),
    def(
        "message",
        "Message",
        Kind::TextArea,
        "A default property to be used for any message or comments a contact may want to \
         leave on a form.",
    ),
    def(
        "date_of_birth",
        "Date of birth",
        Kind::Text,
        "The contact's date of birth",
    ),
    def(
        "twitterhandle",
        "Twitter Username",
        Kind::Text,
        "The contact's Twitter handle. This is set by HubSpot using the contact's email address.",
    ),
    def(
        "work_email",
        "Work email",
        Kind::Text,
        "A contact's work email. This property is required for the Facebook Ads Integration. \
         This property will be automatically synced via the Lead Ads tool",
    ),
    def(
        "hubspot_owner_id",
        "Contact owner",
        Kind::Owner,
        "The owner of a contact. This can be any HubSpot user or Salesforce integration user, \
         and can be set manually or via Workflows.",
    ),
    def(
        "lifecyclestage",
        "Lifecycle Stage",
        Kind::Enumeration(LIFECYCLE_STAGES),
        "The qualification of contacts to sales readiness. It can be set through imports, \
         forms, workflows, and manually on a per contact basis.",
    ),
    def(
        "hs_lead_status",
        "Lead Status",
        Kind::Enumeration(LEAD_STATUSES),
        "The contact's sales, prospecting or outreach status",
    ),
    def(
        "createdate",
        "Create Date",
        Kind::ReadOnly(Shape::DateTime),
        "The date that a contact entered the system",
    ),
    def(
        "lastmodifieddate",
        "Last Modified Date",
        Kind::ReadOnly(Shape::DateTime),
        "Most recent timestamp of any property update for this contact. This includes HubSpot \
         internal properties, which can be visible or hidden. This property is updated \
         automatically.",
    ),
    def(
        "hs_object_id",
        "Record ID",
        Kind::ReadOnly(Shape::Number),
        "The unique ID for this record. This value is set automatically by HubSpot.",
    ),
    def(
        "hs_email_domain",
        "Email Domain",
        Kind::ReadOnly(Shape::Text),
        "A contact's email address domain",
    ),
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
    find(name).is_some()
}

fn find(name: &str) -> Option<&'static Definition> {
    CATALOGUE.iter().find(|known| known.name == name)
}

/// The scopes that allow reading property definitions: any one of the 100 HubSpot's spec lists
/// for `GET /crm/v3/properties/{objectType}[/{propertyName}]`, which are the very scopes its
/// pipelines spec lists (`crm.objects.contacts.read` among them; a test holds both to it).
pub const READ_SCOPES: &[&str] = pipelines::READ_SCOPES;

/// The object types whose properties are modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyObject {
    /// Contacts (`contacts`, `contact`, `0-1`).
    Contacts,
}

impl PropertyObject {
    /// The object type of a path segment, by name (singular or plural, any case) or by object
    /// type id; anything else is HubSpot's 400 for an object type it cannot infer (other
    /// HubSpot objects are not modelled and answer the same).
    pub fn parse(segment: &str) -> Result<Self, CrmFailure> {
        match segment.to_ascii_lowercase().as_str() {
            "contacts" | "contact" | "0-1" => Ok(Self::Contacts),
            _ => Err(CrmFailure::unknown_object_type(segment)),
        }
    }

    /// Every property of the object as HubSpot's `Property`, in display order.
    pub fn properties(self) -> Vec<Value> {
        match self {
            Self::Contacts => CATALOGUE
                .iter()
                .enumerate()
                .map(|(order, known)| known.public(order))
                .collect(),
        }
    }

    /// One property by its exact name, as HubSpot's `Property`.
    pub fn property(self, name: &str) -> Option<Value> {
        match self {
            Self::Contacts => CATALOGUE
                .iter()
                .enumerate()
                .find(|(_, known)| known.name == name)
                .map(|(order, known)| known.public(order)),
        }
    }
}

impl Definition {
    /// The property as HubSpot's `Property` for a default (`hubspotDefined`) property.
    /// `createdAt` and `updatedAt` are the epoch, as for the default pipelines.
    fn public(&self, display_order: usize) -> Value {
        let (kind, field_type) = match self.kind {
            Kind::Text | Kind::Email | Kind::ReadOnly(Shape::Text) => ("string", "text"),
            Kind::TextArea => ("string", "textarea"),
            Kind::Enumeration(_) | Kind::Owner => ("enumeration", "select"),
            Kind::ReadOnly(Shape::Number) => ("number", "number"),
            Kind::ReadOnly(Shape::DateTime) => ("datetime", "date"),
        };
        let options: Vec<Value> = match self.kind {
            Kind::Enumeration(choices) => choices
                .iter()
                .enumerate()
                .map(|(order, c)| {
                    json!({"label": c.label, "value": c.value, "displayOrder": order, "hidden": false})
                })
                .collect(),
            _ => Vec::new(),
        };
        let read_only = matches!(self.kind, Kind::ReadOnly(_));
        let epoch = clock::iso8601(0);
        let mut property = json!({
            "name": self.name,
            "label": self.label,
            "type": kind,
            "fieldType": field_type,
            "description": self.description,
            "groupName": "contactinformation",
            "options": options,
            "displayOrder": display_order,
            "calculated": false,
            "externalOptions": matches!(self.kind, Kind::Owner),
            "hasUniqueValue": false,
            "hidden": false,
            "hubspotDefined": true,
            "formField": !read_only,
            "dataSensitivity": "non_sensitive",
            "modificationMetadata": {
                "archivable": false,
                "readOnlyDefinition": true,
                "readOnlyValue": read_only,
            },
            "createdAt": epoch,
            "updatedAt": epoch,
            "archived": false,
        });
        if matches!(self.kind, Kind::Owner) {
            property["referencedObjectType"] = json!("OWNER");
        }
        property
    }
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
        let kind = find(name).map(|known| known.kind);
        let problem = match kind {
            None => Some(Problem::missing(name, portal_id)),
            Some(Kind::ReadOnly(_)) => Some(Problem::read_only(name)),
            Some(Kind::Email) if !text.is_empty() && !is_valid_email(&text) => {
                Some(Problem::email(name, &text))
            }
            Some(Kind::Enumeration(options))
                if !text.is_empty() && !options.iter().any(|o| o.value == text) =>
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

    fn option(name: &str, value: &str, options: &[Choice]) -> Self {
        let values: Vec<&str> = options.iter().map(|o| o.value).collect();
        let message = format!(
            "{value} was not one of the allowed options: [{}]",
            values.join(", ")
        );
        Self::new(name, &message, "INVALID_OPTION", "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_scopes_are_the_specs() {
        super::super::assert_spec_read_scopes(
            "crm-properties-v3.json",
            &[
                "/crm/v3/properties/{objectType}",
                "/crm/v3/properties/{objectType}/{propertyName}",
            ],
            READ_SCOPES,
        );
    }

    #[test]
    fn object_types_are_names_or_ids() {
        for name in ["contacts", "Contact", "CONTACTS", "0-1"] {
            assert_eq!(PropertyObject::parse(name), Ok(PropertyObject::Contacts));
        }
        for name in ["deals", "0-3", "contactz", ""] {
            assert!(PropertyObject::parse(name).is_err(), "{name}");
        }
    }

    #[test]
    fn every_catalogue_property_is_shown_once_with_a_label() {
        let shown = PropertyObject::Contacts.properties();
        assert_eq!(shown.len(), CATALOGUE.len());
        for (property, known) in shown.iter().zip(CATALOGUE) {
            assert_eq!(property["name"], known.name);
            assert!(!known.label.is_empty() && known.label != known.name);
            assert!(is_known(known.name));
        }
        let mut names: Vec<&str> = CATALOGUE.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "names are unique");
        for name in DEFAULT_READ.iter().chain(QUERY_SEARCHABLE) {
            assert!(is_known(name), "{name}");
        }
    }

    #[test]
    fn an_enumerations_options_are_the_values_validation_accepts() {
        let stage = PropertyObject::Contacts
            .property("lifecyclestage")
            .expect("lifecyclestage");
        let values: Vec<&str> = stage["options"]
            .as_array()
            .expect("options")
            .iter()
            .filter_map(|o| o["value"].as_str())
            .collect();
        assert_eq!(values.len(), 8);
        for value in values {
            let input = json!({ "lifecyclestage": value });
            assert!(validate(Some(&input), 1).is_ok(), "{value}");
        }
        let input = json!({"lifecyclestage": "Lead"});
        assert!(validate(Some(&input), 1).is_err(), "values, not labels");
    }
}
