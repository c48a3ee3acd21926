//! One search filter (`propertyName`, `operator`, `value`, `values`, `highValue`) and how it
//! matches a contact: strings compare case-insensitively, numbers (and datetimes, as epoch
//! milliseconds) numerically.

use std::cmp::Ordering;

use serde_json::Value;

use super::{
    contacts::Contact,
    failure::CrmFailure,
    properties,
    search::{array, invalid, text},
};

/// One filter of a search.
#[derive(Debug)]
pub struct Filter {
    property: String,
    operator: String,
    value: Option<String>,
    high_value: Option<String>,
    values: Vec<String>,
}

impl Filter {
    /// Reads one filter of a search body.
    pub fn parse(value: &Value) -> Result<Self, CrmFailure> {
        let property = text(value.get("propertyName"))
            .ok_or_else(|| invalid("a filter needs a propertyName"))?;
        if !properties::is_known(&property) {
            return Err(invalid(format!(
                "There was a problem with the request. Property \"{property}\" does not exist"
            )));
        }
        let operator = text(value.get("operator")).unwrap_or_else(|| "EQ".into());
        let values = array(value.get("values"), "values")?
            .iter()
            .filter_map(|v| text(Some(v)))
            .collect();
        let filter = Self {
            property,
            operator,
            value: text(value.get("value")),
            high_value: text(value.get("highValue")),
            values,
        };
        let needs_value = !matches!(
            filter.operator.as_str(),
            "HAS_PROPERTY" | "NOT_HAS_PROPERTY" | "IN" | "NOT_IN"
        );
        let known = [
            "EQ",
            "NEQ",
            "LT",
            "LTE",
            "GT",
            "GTE",
            "BETWEEN",
            "IN",
            "NOT_IN",
            "HAS_PROPERTY",
            "NOT_HAS_PROPERTY",
            "CONTAINS_TOKEN",
            "NOT_CONTAINS_TOKEN",
        ];
        if !known.contains(&filter.operator.as_str()) {
            return Err(invalid(format!(
                "Unknown filter operator {}",
                filter.operator
            )));
        }
        if needs_value && filter.value.is_none() {
            return Err(invalid(format!(
                "The filter on {} with operator {} needs a value",
                filter.property, filter.operator
            )));
        }
        Ok(filter)
    }

    /// Whether the contact passes this filter.
    pub fn matches(&self, contact: &Contact) -> bool {
        // Datetime properties compare as epoch milliseconds, as HubSpot's search takes them.
        let actual = match self.property.as_str() {
            "createdate" => Some(contact.created_ms.to_string()),
            "lastmodifieddate" => Some(contact.updated_ms.to_string()),
            name => contact.value(name),
        };
        let value = self.value.as_deref().unwrap_or_default();
        let equal = |a: &str, b: &str| a.eq_ignore_ascii_case(b) || numbers_equal(a, b);
        match (self.operator.as_str(), actual.as_deref()) {
            ("HAS_PROPERTY", actual) => actual.is_some(),
            ("NOT_HAS_PROPERTY", actual) => actual.is_none(),
            ("NEQ", actual) => actual.is_none_or(|a| !equal(a, value)),
            ("NOT_IN", actual) => actual.is_none_or(|a| !self.values.iter().any(|v| equal(a, v))),
            ("NOT_CONTAINS_TOKEN", actual) => actual.is_none_or(|a| !contains_token(a, value)),
            (_, None) => false,
            ("EQ", Some(a)) => equal(a, value),
            ("IN", Some(a)) => self.values.iter().any(|v| equal(a, v)),
            ("CONTAINS_TOKEN", Some(a)) => contains_token(a, value),
            ("LT", Some(a)) => compare(a, value).is_lt(),
            ("LTE", Some(a)) => compare(a, value).is_le(),
            ("GT", Some(a)) => compare(a, value).is_gt(),
            ("GTE", Some(a)) => compare(a, value).is_ge(),
            ("BETWEEN", Some(a)) => {
                let high = self.high_value.as_deref().unwrap_or(value);
                compare(a, value).is_ge() && compare(a, high).is_le()
            }
            _ => false,
        }
    }
}

fn numbers_equal(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// Numbers numerically, everything else as lower-case text.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// `CONTAINS_TOKEN`: a whole word of the value, or a `*` wildcard pattern over the value.
fn contains_token(actual: &str, token: &str) -> bool {
    let (actual, token) = (actual.to_lowercase(), token.to_lowercase());
    if token.contains('*') {
        return wildcard(&actual, &token);
    }
    actual
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word == token)
}

fn wildcard(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(stripped) = rest.strip_prefix(part) else {
                return false;
            };
            rest = stripped;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    rest.is_empty()
}
