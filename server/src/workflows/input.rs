//! A step's input at run time: every template rendered, then shaped into what HubSpot's contact
//! API takes: text properties, and the contact id for an update.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    action::Action,
    model::{ApplyMapping, Inputs},
    render::{Context, push_scalar_text},
};

/// Renders every template of `inputs` (an action's `input`, a request's `query` or
/// `headers`), in order, with the warnings of them all (each prefixed with `what` and the
/// name).
pub fn render_inputs(
    inputs: &Inputs,
    what: &str,
    ctx: &Context<'_>,
) -> (Map<String, Value>, Vec<String>) {
    let mut values = Map::new();
    let mut warnings = Vec::new();
    for (key, template) in inputs.iter() {
        let rendered = template.render(ctx);
        warnings.extend(
            rendered
                .warnings
                .into_iter()
                .map(|w| format!("{what} `{key}`: {w}")),
        );
        values.insert(key.to_owned(), rendered.value);
    }
    (values, warnings)
}

/// Adds to `input` the properties of `mapping`: for each app field the user mapped in the
/// setting (`settings.<id>`, an object of field to property name), the field's value in the
/// rendered `from` under the property's name. A property the step's own input sets is kept
/// as the step wrote it; a field `from` lacks adds nothing; a `from` that is not an object adds
/// nothing and a warning.
pub fn apply_mapping(
    mapping: &ApplyMapping,
    ctx: &Context<'_>,
    input: &mut Map<String, Value>,
    warnings: &mut Vec<String>,
) {
    let Some(Value::Object(chosen)) = ctx.settings.get(mapping.setting.as_str()) else {
        return; // the user mapped nothing
    };
    let from = mapping.from.render(ctx);
    warnings.extend(
        from.warnings
            .into_iter()
            .map(|w| format!("field_mapping.from: {w}")),
    );
    let Value::Object(data) = from.value else {
        warnings.push(format!(
            "field_mapping.from `{}` is not an object: nothing was mapped",
            mapping.from.source()
        ));
        return;
    };
    for (field, property) in chosen {
        let (Some(property), Some(value)) = (property.as_str(), data.get(field)) else {
            continue;
        };
        if !input.contains_key(property) {
            input.insert(property.to_owned(), value.clone());
        }
    }
}

/// What a HubSpot contact action sends: the contact id (update only) and the properties, all
/// text as HubSpot's API takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    /// The contact to update (`hubspot.update_contact`); `None` for the other actions.
    pub id: Option<String>,
    /// Property name to value. Inputs that rendered empty or `null` are left out, so that a
    /// missing event field never blanks a property that HubSpot already holds.
    pub properties: BTreeMap<String, String>,
}

/// A required input rendered empty, so the action cannot run: a permanent failure of the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} needs `{key}`, but it rendered empty")]
pub struct MissingInput {
    /// The step's action.
    pub action: Action,
    /// The input without a value.
    pub key: &'static str,
}

impl ContactRequest {
    /// Shapes the rendered input of a step whose action is `action`.
    pub fn new(action: Action, input: &Map<String, Value>) -> Result<Self, MissingInput> {
        let mut id = None;
        let mut properties = BTreeMap::new();
        for (key, value) in input {
            let Some(text) = property_text(value) else {
                continue;
            };
            if key == "id" && action == Action::UpdateContact {
                id = Some(text);
            } else {
                properties.insert(key.clone(), text);
            }
        }
        let request = Self { id, properties };
        for key in action.required_inputs() {
            let present = match *key {
                "id" => request.id.is_some(),
                other => request.properties.contains_key(other),
            };
            if !present {
                return Err(MissingInput { action, key });
            }
        }
        Ok(request)
    }
}

/// A value as HubSpot property text, `None` for nothing to send: strings as they are, numbers
/// and booleans as in JSON, a list of scalars joined with `;` (HubSpot's format for multiple
/// checkboxes), other lists and objects as compact JSON; `null` and `""` are nothing.
pub fn property_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::Array(items) if items.iter().all(|v| !v.is_array() && !v.is_object()) => items
            .iter()
            .filter_map(property_text)
            .collect::<Vec<_>>()
            .join(";"),
        other => {
            let mut text = String::new();
            push_scalar_text(&mut text, other);
            text
        }
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_guides_five_fields_map_to_the_same_properties() {
        let rendered = input(json!({
            "email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace",
            "company": "Analytical Engines", "jobtitle": "Engineer",
        }));

        let request = ContactRequest::new(Action::CreateContact, &rendered).expect("complete");

        let expected: BTreeMap<String, String> = [
            ("company", "Analytical Engines"),
            ("email", "ada@example.com"),
            ("firstname", "Ada"),
            ("jobtitle", "Engineer"),
            ("lastname", "Lovelace"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(request.properties, expected);
        assert_eq!(request.id, None);
    }

    #[test]
    fn values_become_text_and_empty_ones_are_left_out() {
        let rendered = input(json!({
            "age": 36, "vip": true, "company": null, "phone": "", "tags": ["a", 2, null],
            "address": {"city": "London"},
        }));

        let props = ContactRequest::new(Action::CreateContact, &rendered)
            .expect("complete")
            .properties;

        assert_eq!(props.get("age").map(String::as_str), Some("36"));
        assert_eq!(props.get("vip").map(String::as_str), Some("true"));
        assert_eq!(props.get("tags").map(String::as_str), Some("a;2"));
        assert_eq!(
            props.get("address").map(String::as_str),
            Some(r#"{"city":"London"}"#)
        );
        assert!(!props.contains_key("company") && !props.contains_key("phone"));
    }

    #[test]
    fn an_update_takes_its_id_apart_from_the_properties() {
        let rendered = input(json!({"id": 501, "lastname": "Byron"}));

        let request = ContactRequest::new(Action::UpdateContact, &rendered).expect("complete");

        assert_eq!(request.id.as_deref(), Some("501"));
        assert!(!request.properties.contains_key("id"));
    }

    #[test]
    fn required_inputs_that_rendered_empty_fail() {
        let update = ContactRequest::new(Action::UpdateContact, &input(json!({"id": ""})));
        let upsert = ContactRequest::new(Action::UpsertContact, &input(json!({"firstname": "A"})));

        assert_eq!(update.map_err(|e| e.key), Err("id"));
        assert_eq!(upsert.map_err(|e| e.key), Err("email"));
    }
}
