//! The condition of an `if:` step, and how it is decided against a run's values.
//!
//! The rules (docs/workflows.md, "Conditions"): both sides render as templates do (a lone
//! variable keeps its type). Two numbers compare as numbers, and so does a number with a string
//! that reads as one (`"3"` and `3` are equal); two strings compare as strings, byte by byte;
//! anything else is equal only to the same JSON value and never greater or less. `contains` is
//! a substring of a string, an element of a list (by the same equality) or a key of an object.
//! `exists` is true when the variable has a value that is not `null`; `is_empty` when it has
//! none, or it is `null`, `""`, `[]` or `{}`.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    render::{Context, scalar_text as text},
    template_value::TemplateValue,
};

/// `all:`, `any:` or one comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// True when every condition is (and when there is none).
    All {
        /// The conditions.
        all: Vec<Condition>,
    },
    /// True when one condition is.
    Any {
        /// The conditions.
        any: Vec<Condition>,
    },
    /// One comparison.
    Compare(Comparison),
}

/// `{ left, op, right }`; `right` is absent for the operators on one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The value tested.
    pub left: TemplateValue,
    /// How.
    pub op: Operator,
    /// What it is compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<TemplateValue>,
}

/// The operators of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // each is its name, documented in docs/workflows.md
pub enum Operator {
    Equals,
    NotEquals,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Exists,
    NotExists,
    IsEmpty,
    IsNotEmpty,
}

impl Operator {
    /// Every operator, as written.
    pub const NAMES: &[&str] = &[
        "equals",
        "not_equals",
        "greater_than",
        "greater_or_equal",
        "less_than",
        "less_or_equal",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "exists",
        "not_exists",
        "is_empty",
        "is_not_empty",
    ];

    /// The operator named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        let all = [
            Self::Equals,
            Self::NotEquals,
            Self::GreaterThan,
            Self::GreaterOrEqual,
            Self::LessThan,
            Self::LessOrEqual,
            Self::Contains,
            Self::NotContains,
            Self::StartsWith,
            Self::EndsWith,
            Self::Exists,
            Self::NotExists,
            Self::IsEmpty,
            Self::IsNotEmpty,
        ];
        let index = Self::NAMES.iter().position(|n| *n == name)?;
        all.get(index).copied()
    }

    /// As written.
    pub fn as_str(self) -> &'static str {
        let all = Self::NAMES;
        match self {
            Self::Equals => all[0],
            Self::NotEquals => all[1],
            Self::GreaterThan => all[2],
            Self::GreaterOrEqual => all[3],
            Self::LessThan => all[4],
            Self::LessOrEqual => all[5],
            Self::Contains => all[6],
            Self::NotContains => all[7],
            Self::StartsWith => all[8],
            Self::EndsWith => all[9],
            Self::Exists => all[10],
            Self::NotExists => all[11],
            Self::IsEmpty => all[12],
            Self::IsNotEmpty => all[13],
        }
    }

    /// Whether it takes a `right` value.
    pub fn is_binary(self) -> bool {
        !matches!(
            self,
            Self::Exists | Self::NotExists | Self::IsEmpty | Self::IsNotEmpty
        )
    }
}

impl Condition {
    /// Whether the condition holds; what went missing on the way joins `warnings`.
    pub fn holds(&self, ctx: &Context<'_>, warnings: &mut Vec<String>) -> bool {
        match self {
            Self::All { all } => all.iter().all(|c| c.holds(ctx, warnings)),
            Self::Any { any } => any.iter().any(|c| c.holds(ctx, warnings)),
            Self::Compare(comparison) => comparison.holds(ctx, warnings),
        }
    }
}

impl Comparison {
    fn holds(&self, ctx: &Context<'_>, warnings: &mut Vec<String>) -> bool {
        let left = self.left.render(ctx);
        // A missing value is what `exists` and `is_empty` test: no warning for those.
        let missing = !left.warnings.is_empty();
        match self.op {
            Operator::Exists => return !missing && !left.value.is_null(),
            Operator::NotExists => return missing || left.value.is_null(),
            Operator::IsEmpty => return missing || is_empty(&left.value),
            Operator::IsNotEmpty => return !missing && !is_empty(&left.value),
            _ => {}
        }
        warnings.extend(left.warnings);
        let right = match &self.right {
            Some(right) => {
                let rendered = right.render(ctx);
                warnings.extend(rendered.warnings);
                rendered.value
            }
            None => Value::Null,
        };
        let (left, right) = (&left.value, &right);
        match self.op {
            Operator::Equals => equal(left, right),
            Operator::NotEquals => !equal(left, right),
            Operator::GreaterThan => order(left, right) == Some(Ordering::Greater),
            Operator::GreaterOrEqual => {
                matches!(
                    order(left, right),
                    Some(Ordering::Greater | Ordering::Equal)
                )
            }
            Operator::LessThan => order(left, right) == Some(Ordering::Less),
            Operator::LessOrEqual => {
                matches!(order(left, right), Some(Ordering::Less | Ordering::Equal))
            }
            Operator::Contains => contains(left, right),
            Operator::NotContains => !contains(left, right),
            Operator::StartsWith => text(left).starts_with(&text(right)),
            Operator::EndsWith => text(left).ends_with(&text(right)),
            Operator::Exists | Operator::NotExists | Operator::IsEmpty | Operator::IsNotEmpty => {
                false // answered above
            }
        }
    }
}

/// Both as numbers, when both are numbers or one is a number and the other a string that
/// reads as one.
fn numbers(left: &Value, right: &Value) -> Option<(f64, f64)> {
    let as_number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    };
    let one_is_a_number = left.is_number() || right.is_number();
    one_is_a_number
        .then(|| Some((as_number(left)?, as_number(right)?)))
        .flatten()
}

fn equal(left: &Value, right: &Value) -> bool {
    match numbers(left, right) {
        Some((l, r)) => l == r,
        None => left == right,
    }
}

fn order(left: &Value, right: &Value) -> Option<Ordering> {
    if let Some((l, r)) = numbers(left, right) {
        return l.partial_cmp(&r);
    }
    match (left, right) {
        (Value::String(l), Value::String(r)) => Some(l.as_bytes().cmp(r.as_bytes())),
        _ => None,
    }
}

fn contains(left: &Value, right: &Value) -> bool {
    match left {
        Value::String(text_left) => text_left.contains(&text(right)),
        Value::Array(items) => items.iter().any(|item| equal(item, right)),
        Value::Object(map) => map.contains_key(&text(right)),
        _ => false,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    fn check(condition: Value) -> bool {
        let condition: Condition = serde_json::from_value(condition).expect("a condition");
        let event = json!({
            "n": 3, "text": "3", "name": "Ada Lovelace", "none": null, "empty": "",
            "tags": ["a", "b", 7], "obj": {"k": 1}, "list": [],
        });
        let empty = Map::new();
        let ctx = Context::of_event(&event, &empty);
        condition.holds(&ctx, &mut Vec::new())
    }

    fn cmp(left: &str, op: &str, right: Value) -> bool {
        check(json!({"left": left, "op": op, "right": right}))
    }

    #[test]
    fn numbers_compare_as_numbers_even_from_text() {
        assert!(cmp("{{event.n}}", "equals", json!(3)));
        assert!(cmp("{{event.text}}", "equals", json!(3)), "\"3\" equals 3");
        assert!(cmp("{{event.n}}", "greater_than", json!(2.5)));
        assert!(cmp("{{event.n}}", "less_or_equal", json!("3")));
        assert!(!cmp("{{event.n}}", "greater_than", json!(10)));
        assert!(cmp("{{event.n}}", "not_equals", json!("three")));
    }

    #[test]
    fn strings_compare_as_strings_and_other_types_never_order() {
        assert!(cmp("{{event.name}}", "equals", json!("Ada Lovelace")));
        assert!(cmp("{{event.name}}", "greater_than", json!("Ada")));
        assert!(cmp("{{event.name}}", "starts_with", json!("Ada")));
        assert!(cmp("{{event.name}}", "ends_with", json!("lace")));
        assert!(!cmp("{{event.obj}}", "greater_than", json!(0)));
        assert!(!cmp("{{event.obj}}", "less_than", json!(0)));
        assert!(cmp("{{event.obj}}", "equals", json!({"k": 1})));
    }

    #[test]
    fn contains_reads_strings_lists_and_objects() {
        assert!(cmp("{{event.name}}", "contains", json!("Love")));
        assert!(cmp("{{event.tags}}", "contains", json!("b")));
        assert!(
            cmp("{{event.tags}}", "contains", json!("7")),
            "by the same equality"
        );
        assert!(cmp("{{event.obj}}", "contains", json!("k")));
        assert!(cmp("{{event.tags}}", "not_contains", json!("z")));
    }

    #[test]
    fn exists_and_is_empty_read_missing_values() {
        let one = |left: &str, op: &str| check(json!({"left": left, "op": op}));
        assert!(one("{{event.n}}", "exists"));
        assert!(!one("{{event.none}}", "exists"), "null does not exist");
        assert!(one("{{event.missing}}", "not_exists"));
        for empty in [
            "{{event.missing}}",
            "{{event.none}}",
            "{{event.empty}}",
            "{{event.list}}",
        ] {
            assert!(one(empty, "is_empty"), "{empty}");
        }
        assert!(one("{{event.tags}}", "is_not_empty"));
    }

    #[test]
    fn all_and_any_nest() {
        let yes = json!({"left": "{{event.n}}", "op": "equals", "right": 3});
        let no = json!({"left": "{{event.n}}", "op": "equals", "right": 4});
        assert!(check(json!({"all": [yes, {"any": [no, yes]}]})));
        assert!(!check(json!({"all": [yes, no]})));
        assert!(check(json!({"all": []})));
        assert!(!check(json!({"any": []})));
    }

    #[test]
    fn every_operator_name_parses() {
        for name in Operator::NAMES {
            let op = Operator::parse(name).expect("an operator");
            let written = serde_json::to_value(op).expect("serializes");
            assert_eq!(written, json!(name));
        }
        assert_eq!(Operator::parse("eq"), None);
    }
}
