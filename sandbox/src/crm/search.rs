//! CRM search: `filterGroups` (OR of ANDs), `query`, `sorts`, `properties`, `limit`, `after`,
//! with HubSpot's documented bounds (5 groups, 6 filters per group, 18 in all, 200 per page,
//! 10,000 results reachable).

use std::cmp::Ordering;

use serde_json::Value;

use super::{
    contacts::Contact,
    failure::CrmFailure,
    filter::{Filter, compare},
    properties,
};

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

pub(super) fn invalid(message: impl Into<String>) -> CrmFailure {
    CrmFailure::validation(message)
}

pub(super) fn text(value: Option<&Value>) -> Option<String> {
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
            let filters = filters
                .iter()
                .map(Filter::parse)
                .collect::<Result<Vec<_>, _>>()?;
            search.groups.push(filters);
        }
        let total: usize = search.groups.iter().map(Vec::len).sum();
        if search.groups.len() > MAX_GROUPS
            || search
                .groups
                .iter()
                .any(|g| g.len() > MAX_FILTERS_PER_GROUP)
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
            return Err(invalid(
                "Search results are limited to the first 10,000 results",
            ));
        }
        Ok(search)
    }

    /// Whether the contact matches the filters and the query.
    pub fn matches(&self, contact: &Contact) -> bool {
        let groups_ok = self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|g| g.iter().all(|f| f.matches(contact)));
        let query_ok = self.query.as_ref().is_none_or(|query| {
            let query = query.to_lowercase();
            properties::QUERY_SEARCHABLE.iter().any(|name| {
                contact
                    .value(name)
                    .is_some_and(|v| v.to_lowercase().contains(&query))
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
            let ordering = if *ascending {
                ordering
            } else {
                ordering.reverse()
            };
            ordering.then(a.id.cmp(&b.id))
        });
    }
}

pub(super) fn array<'a>(value: Option<&'a Value>, name: &str) -> Result<&'a [Value], CrmFailure> {
    match value {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(format!(
            "Invalid input JSON: {name} must be an array"
        ))),
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
