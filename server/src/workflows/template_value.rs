//! A JSON value whose strings are templates: the body of a `request:` step. Every string
//! anywhere inside renders as an input does (a lone `{{ variable }}` keeps the variable's type,
//! text around it makes a string); numbers, booleans and `null` stay what they are.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    render::{Context, Rendered},
    template::{Template, TemplateError, VarPath},
};

/// A JSON value with templates for strings.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateValue {
    /// A string: a template.
    Text(Template),
    /// A number, a boolean or `null`.
    Literal(Value),
    /// A list.
    List(Vec<TemplateValue>),
    /// An object, its keys in the order written (as read from YAML).
    Object(Vec<(String, TemplateValue)>),
}

impl TemplateValue {
    /// `value` with each string parsed as a template.
    pub fn from_json(value: Value) -> Result<Self, TemplateError> {
        Ok(match value {
            Value::String(text) => Self::Text(Template::parse(&text)?),
            Value::Array(items) => Self::List(
                items
                    .into_iter()
                    .map(Self::from_json)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Self::Object(
                map.into_iter()
                    .map(|(key, value)| Ok((key, Self::from_json(value)?)))
                    .collect::<Result<_, _>>()?,
            ),
            literal => Self::Literal(literal),
        })
    }

    /// The value as written, templates as their source.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Text(template) => Value::String(template.source().to_owned()),
            Self::Literal(value) => value.clone(),
            Self::List(items) => items.iter().map(Self::to_json).collect(),
            Self::Object(entries) => entries
                .iter()
                .map(|(key, value)| (key.clone(), value.to_json()))
                .collect::<Map<_, _>>()
                .into(),
        }
    }

    /// Every variable the templates inside use.
    pub fn variables(&self) -> Vec<&VarPath> {
        let mut out = Vec::new();
        self.collect_variables(&mut out);
        out
    }

    fn collect_variables<'a>(&'a self, out: &mut Vec<&'a VarPath>) {
        match self {
            Self::Text(template) => out.extend(template.variables()),
            Self::Literal(_) => {}
            Self::List(items) => items.iter().for_each(|i| i.collect_variables(out)),
            Self::Object(entries) => entries.iter().for_each(|(_, v)| v.collect_variables(out)),
        }
    }

    /// Renders every template inside against `ctx`; the warnings of all of them, each once.
    pub fn render(&self, ctx: &Context<'_>) -> Rendered {
        let mut warnings = Vec::new();
        let value = self.render_into(ctx, &mut warnings);
        Rendered { value, warnings }
    }

    fn render_into(&self, ctx: &Context<'_>, warnings: &mut Vec<String>) -> Value {
        match self {
            Self::Text(template) => {
                let rendered = template.render(ctx);
                for warning in rendered.warnings {
                    if !warnings.contains(&warning) {
                        warnings.push(warning);
                    }
                }
                rendered.value
            }
            Self::Literal(value) => value.clone(),
            Self::List(items) => items.iter().map(|i| i.render_into(ctx, warnings)).collect(),
            Self::Object(entries) => entries
                .iter()
                .map(|(key, value)| (key.clone(), value.render_into(ctx, warnings)))
                .collect::<Map<_, _>>()
                .into(),
        }
    }
}

/// Written as the JSON it was read from, object keys in their order (not through
/// `serde_json::Value`, whose objects sort their keys): what is stored is what was written.
impl Serialize for TemplateValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(template) => serializer.serialize_str(template.source()),
            Self::Literal(value) => value.serialize(serializer),
            Self::List(items) => serializer.collect_seq(items),
            Self::Object(entries) => serializer.collect_map(entries.iter().map(|(k, v)| (k, v))),
        }
    }
}

impl<'de> Deserialize<'de> for TemplateValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Visit)
    }
}

struct Visit;

impl<'de> serde::de::Visitor<'de> for Visit {
    type Value = TemplateValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value whose strings are templates")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<TemplateValue, E> {
        Template::parse(text)
            .map(TemplateValue::Text)
            .map_err(E::custom)
    }

    fn visit_bool<E>(self, value: bool) -> Result<TemplateValue, E> {
        Ok(TemplateValue::Literal(value.into()))
    }

    fn visit_i64<E>(self, value: i64) -> Result<TemplateValue, E> {
        Ok(TemplateValue::Literal(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<TemplateValue, E> {
        Ok(TemplateValue::Literal(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<TemplateValue, E> {
        Ok(TemplateValue::Literal(value.into()))
    }

    fn visit_unit<E>(self) -> Result<TemplateValue, E> {
        Ok(TemplateValue::Literal(Value::Null))
    }

    fn visit_none<E>(self) -> Result<TemplateValue, E> {
        Ok(TemplateValue::Literal(Value::Null))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<TemplateValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(TemplateValue::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<TemplateValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, TemplateValue>()? {
            entries.push(entry);
        }
        Ok(TemplateValue::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_anywhere_render_and_other_values_stay() {
        let body = TemplateValue::from_json(json!({
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "{{event.owner}}"}]}],
            "limit": 10, "archived": false, "after": null, "note": "for {{event.owner}}", "age": "{{event.age}}",
        }))
        .expect("parses");
        let event = json!({"owner": "ada@acme.test", "age": 36});
        let empty = Map::new();
        let ctx = Context::of_event(&event, &empty);
        let rendered = body.render(&ctx);
        assert_eq!(
            rendered.value,
            json!({
                "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "ada@acme.test"}]}],
                "limit": 10, "archived": false, "after": null, "note": "for ada@acme.test", "age": 36,
            })
        );
        assert!(rendered.warnings.is_empty());
        assert_eq!(body.variables().len(), 3);
    }

    #[test]
    fn it_round_trips_through_json_as_written() {
        let written = json!({"a": ["{{ event.x }}", 1, {"b": "c"}], "z": true});
        let value = TemplateValue::from_json(written.clone()).expect("parses");
        assert_eq!(value.to_json(), written);
        let text = serde_json::to_string(&value).expect("serializes");
        let back: TemplateValue = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, value);
        assert!(TemplateValue::from_json(json!({"a": "{{"})).is_err());
        assert!(serde_json::from_str::<TemplateValue>(r#"{"a": "{{"}"#).is_err());
        // Keys keep the order they were written in.
        let ordered: TemplateValue =
            serde_json::from_str(r#"{"z": 1, "a": 2}"#).expect("deserializes");
        assert_eq!(
            serde_json::to_string(&ordered).expect("serializes"),
            r#"{"z":1,"a":2}"#
        );
    }
}
