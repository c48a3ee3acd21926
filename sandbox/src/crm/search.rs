//! CRM search: `filterGroups` (OR of ANDs), `query`, `sorts`, `properties`, `limit`, `after`,
//! with HubSpot's documented bounds (5 groups, 6 filters per group, 18 in all, 200 per page,
//! 10,000 results reachable).

use std::cmp::Ordering;

use serde_json::Value;

use super::{contacts::Contact, failure::CrmFailure, properties};

const MAX_GROUPS: usize = 5;
const MAX_FILTERS_PER_GROUP: usize = 6;
const MAX_FILTERS: usize = 18;
const MAX_LIMIT: i64 = 200;
const MAX_REACHABLE: usize = 10_000;

/// A parsed search request.
#[derive(Debug, Default)]
pub struct Search {
    groups: Vec<Vec<Filter>>,
    query: Option<String>,
    sort: Option<(String, bool)>,
    /// Properties asked for (empty: the default set).
    pub properties: Vec<String>,
    /// Page size.
    pub limit: usize,
    /// Offset of the page.
    pub after: usize,
}

#[derive(Debug)]
struct Filter {
    property: String,
    operator: String,
    value: Option<String>,
    high_value: Option<String>,
    values: Vec<String>,
}

fn invalid(message: impl Into<String>) -> CrmFailure {
    CrmFailure::validation(message)
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Search {
    /// Reads a search body. The spec lists every field as required; HubSpot's own examples
    /// omit most of them, so all are optional here.
    pub fn parse(body: &Value) -> Result<Self, CrmFailure> {
        let Value::Object(body) = body else {
            return Err(invalid("Invalid input JSON: the body must be an object"));
        };
        let mut search = Self {
            limit: 10,
            ..Self::default()
        };
        for group in array(body.get("filterGroups"), "filterGroups")? {
            let filters = array(group.get("filters"), "filters")?;
            let filters = filters.iter().map(Filter::parse).collect::<Result<Vec<_>, _>>()?;
            search.groups.push(filters);
        }
        let total: usize = search.groups.iter().map(Vec::len).sum();
        if search.groups.len() > MAX_GROUPS
            || search.groups.iter().any(|g| g.len() > MAX_FILTERS_PER_GROUP)
            || total > MAX_FILTERS
        {
            return Err(invalid(format!(
                "Too many filters: at most {MAX_GROUPS} filterGroups of {MAX_FILTERS_PER_GROUP} \
                 filters each and {MAX_FILTERS} filters in all"
            )));
        }
        search.query = text(body.get("query")).filter(|q| !q.trim().is_empty());
        if let Some(sort) = array(body.get("sorts"), "sorts")?.first() {
            search.sort = Some(parse_sort(sort)?);
        }
        for property in array(body.get("properties"), "properties")? {
            search.properties.extend(text(Some(property)));
        }
        if let Some(limit) = body.get("limit").filter(|v| !v.is_null()) {
            match limit.as_i64() {
                Some(n @ 1..=MAX_LIMIT) => search.limit = n as usize,
                _ => return Err(invalid(format!("limit must be between 1 and {MAX_LIMIT}"))),
            }
        }
        if let Some(after) = text(body.get("after")).filter(|a| !a.is_empty()) {
            search.after = after
                .parse()
                .map_err(|_| invalid(format!("after {after:?} is not a valid paging cursor")))?;
        }
        if search.after + search.limit > MAX_REACHABLE {
            return Err(invalid("Search results are limited to the first 10,000 results"));
        }
        Ok(search)
    }

    /// Whether the contact matches the filters and the query.
    pub fn matches(&self, contact: &Contact) -> bool {
        let groups_ok =
            self.groups.is_empty() || self.groups.iter().any(|g| g.iter().all(|f| f.matches(contact)));
        let query_ok = self.query.as_ref().is_none_or(|query| {
            let query = query.to_lowercase();
            properties::QUERY_SEARCHABLE.iter().any(|name| {
                contact.value(name).is_some_and(|v| v.to_lowercase().contains(&query))
            })
        });
        groups_ok && query_ok
    }

    /// Orders matches by the requested sort, by id otherwise.
    pub fn order(&self, contacts: &mut [&Contact]) {
        let Some((property, ascending)) = &self.sort else {
            return contacts.sort_by_key(|c| c.id);
        };
        contacts.sort_by(|a, b| {
            let ordering = match (a.value(property), b.value(property)) {
                (Some(x), Some(y)) => compare(&x, &y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            let ordering = if *ascending { ordering } else { ordering.reverse() };
            ordering.then(a.id.cmp(&b.id))
        });
    }
}

fn array<'a>(value: Option<&'a Value>, name: &str) -> Result<&'a [Value], CrmFailure> {
    match value {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(format!("Invalid input JSON: {name} must be an array"))),
    }
}

/// `sorts` items: the spec says strings (`"createdate"`, `"-createdate"`), the docs show
/// `{propertyName, direction}`; both are accepted.
fn parse_sort(sort: &Value) -> Result<(String, bool), CrmFailure> {
    match sort {
        Value::String(name) => match name.strip_prefix('-') {
            Some(name) => Ok((name.to_owned(), false)),
            None => Ok((name.clone(), true)),
        },
        Value::Object(object) => {
            let name = text(object.get("propertyName"))
                .ok_or_else(|| invalid("a sort needs a propertyName"))?;
            let ascending = match text(object.get("direction")).as_deref() {
                None | Some("ASCENDING") => true,
                Some("DESCENDING") => false,
                Some(other) => return Err(invalid(format!("unknown sort direction {other}"))),
            };
            Ok((name, ascending))
        }
        _ => Err(invalid("a sort must be a string or an object")),
    }
}

impl Filter {
    fn parse(value: &Value) -> Result<Self, CrmFailure> {
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
            "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
            "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
        ];
        if !known.contains(&filter.operator.as_str()) {
            return Err(invalid(format!("Unknown filter operator {}", filter.operator)));
        }
        if needs_value && filter.value.is_none() {
            return Err(invalid(format!(
                "The filter on {} with operator {} needs a value",
                filter.property, filter.operator
            )));
        }
        Ok(filter)
    }

    fn matches(&self, contact: &Contact) -> bool {
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

fn compare(a: &str, b: &str) -> Ordering {
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
