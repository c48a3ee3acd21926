//! The SOQL of `salesforce.find_records`, and of `salesforce.create_record`'s look-up on a
//! retry: `SELECT Id, Email FROM Contact WHERE Email = 'ada@example.com' AND … LIMIT n`.
//!
//! Nothing from a run's data reaches the query but inside a string literal. The object and
//! field names are [`ApiName`]s, checked at deploy (letters, digits, single underscores). Every
//! rendered value is a quoted string with Salesforce's escapes ("Quoted String Escape
//! Sequences", SOQL and SOSL Reference): the reserved `\` and `'` are escaped, and so are `"`,
//! new line, carriage return, tab, backspace and form feed, which have sequences of their own.
//! `_` and `%` are left as they are: their escapes are for `LIKE` only, and "if you use a
//! backslash character in any other context, an error occurs". Numbers, `true`, `false` and
//! `null` are written bare only when the workflow's YAML wrote them so, never from a template.

use serde_json::Value;

use super::api_name::ApiName;

/// The most records one find answers: its output is stored with the run, and a find looks
/// records up rather than exports them.
pub const MAX_LIMIT: u32 = 200;

/// A value on the right of `=` in a `WHERE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A string literal, quoted and escaped.
    Text(String),
    /// A number, as written in the YAML (`-12`, `3.5`).
    Number(String),
    /// `true` or `false`, written in the YAML.
    Boolean(bool),
    /// `null` (`~` in the YAML): the field has no value.
    Null,
}

impl Literal {
    /// A value the workflow's YAML wrote bare (not a template): a number, a boolean or `null`.
    /// `None` for anything else, and for a number SOQL would not read (`1e21`).
    pub fn written(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(Self::Null),
            Value::Bool(b) => Some(Self::Boolean(*b)),
            Value::Number(n) => {
                let text = n.to_string();
                is_decimal(&text).then_some(Self::Number(text))
            }
            Value::String(_) | Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// A template's rendered value, always a string literal: a number or a boolean from the
    /// run's data becomes its text, since only the workflow knows the field's type. `None` for
    /// nothing (`null`, `""`) and for lists and objects: a condition on nothing would match the
    /// records where the field is blank.
    pub fn rendered(value: &Value) -> Option<Self> {
        let text = match value {
            Value::String(text) if !text.is_empty() => text.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        Some(Self::Text(text))
    }

    fn push_to(&self, out: &mut String) {
        match self {
            Self::Text(text) => quote(text, out),
            Self::Number(text) => out.push_str(text),
            Self::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Null => out.push_str("null"),
        }
    }
}

/// `-12`, `3.5`: the numbers SOQL reads.
fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// `text` as a SOQL string literal.
fn quote(text: &str, out: &mut String) {
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out.push('\'');
}

/// `SELECT … FROM … WHERE … LIMIT …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    /// The object queried.
    pub object: &'a ApiName,
    /// The fields answered; `Id` alone when empty.
    pub select: &'a [ApiName],
    /// `field = value`, joined by `AND`.
    pub conditions: Vec<(&'a ApiName, Literal)>,
    /// At most this many records.
    pub limit: u32,
}

impl Query<'_> {
    /// The query's text.
    pub fn soql(&self) -> String {
        let mut out = String::from("SELECT ");
        if self.select.is_empty() {
            out.push_str("Id");
        }
        for (i, field) in self.select.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(field.as_str());
        }
        out.push_str(" FROM ");
        out.push_str(self.object.as_str());
        for (i, (field, value)) in self.conditions.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            out.push_str(field.as_str());
            out.push_str(" = ");
            value.push_to(&mut out);
        }
        out.push_str(" LIMIT ");
        out.push_str(&self.limit.to_string());
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn name(text: &str) -> ApiName {
        ApiName::parse(text).expect("an API name")
    }

    /// `soql` as Salesforce's lexer reads it: the text outside string literals, each literal
    /// replaced by `?`, and the literals' values, their escapes decoded.
    fn lex(soql: &str) -> (String, Vec<String>) {
        let (mut outside, mut literals) = (String::new(), Vec::new());
        let mut chars = soql.chars();
        while let Some(c) = chars.next() {
            if c != '\'' {
                outside.push(c);
                continue;
            }
            let mut literal = String::new();
            loop {
                match chars.next() {
                    None => panic!("unterminated literal in {soql}"),
                    Some('\'') => break,
                    Some('\\') => literal.push(match chars.next() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some(other) => other,
                        None => panic!("dangling escape in {soql}"),
                    }),
                    Some(other) => literal.push(other),
                }
            }
            outside.push('?');
            literals.push(literal);
        }
        (outside, literals)
    }

    #[test]
    fn the_guides_lookup_is_one_condition_and_a_limit() {
        let (object, select) = (name("Contact"), [name("Id"), name("Email")]);
        let query = Query {
            object: &object,
            select: &select,
            conditions: vec![(&select[1], Literal::Text("ada@example.com".into()))],
            limit: 1,
        };

        assert_eq!(
            query.soql(),
            "SELECT Id, Email FROM Contact WHERE Email = 'ada@example.com' LIMIT 1"
        );
    }

    #[test]
    fn values_cannot_leave_their_literal() {
        // Unescaped, the first value's trailing backslash would swallow the closing quote and the
        // second value would run as SOQL: `… WHERE Email = 'x\' AND LastName = ' OR Id != null
        // OR LastName = '' LIMIT 1` selects every contact.
        let (object, email, last) = (name("Contact"), name("Email"), name("LastName"));
        let attacks = [
            ("x\\", " OR Id != null OR LastName = "),
            ("x' OR Name != '", "O'Brien"),
            (
                "a\\' OR Id != null OR Email = \\'",
                "\"quoted\"\nnew line\ttab",
            ),
        ];
        for (first, second) in attacks {
            let query = Query {
                object: &object,
                select: &[],
                conditions: vec![
                    (&email, Literal::Text(first.into())),
                    (&last, Literal::Text(second.into())),
                ],
                limit: 1,
            };

            let (outside, literals) = lex(&query.soql());

            assert_eq!(
                outside,
                "SELECT Id FROM Contact WHERE Email = ? AND LastName = ? LIMIT 1"
            );
            assert_eq!(literals, [first, second]);
        }
    }

    #[test]
    fn like_wildcards_are_left_alone_since_their_escapes_are_for_like_only() {
        let (object, field) = (name("Lead"), name("Company"));
        let query = Query {
            object: &object,
            select: &[],
            conditions: vec![(&field, Literal::Text("100%_sure".into()))],
            limit: 5,
        };

        assert_eq!(
            query.soql(),
            "SELECT Id FROM Lead WHERE Company = '100%_sure' LIMIT 5"
        );
    }

    #[test]
    fn only_the_yaml_writes_bare_numbers_booleans_and_null() {
        let (object, score, active, phone) = (
            name("Contact"),
            name("Score__c"),
            name("Active__c"),
            name("Phone"),
        );
        let query = Query {
            object: &object,
            select: &[],
            conditions: vec![
                (&score, Literal::written(&json!(-12.5)).expect("a number")),
                (&active, Literal::written(&json!(true)).expect("a boolean")),
                (&phone, Literal::written(&Value::Null).expect("null")),
            ],
            limit: 200,
        };

        assert_eq!(
            query.soql(),
            "SELECT Id FROM Contact WHERE Score__c = -12.5 AND Active__c = true AND Phone = null LIMIT 200"
        );
        assert_eq!(Literal::written(&json!(1e300)), None);
        assert_eq!(Literal::written(&json!("text")), None);
    }

    #[test]
    fn rendered_values_are_text_and_nothing_is_no_condition() {
        assert_eq!(
            Literal::rendered(&json!(42)),
            Some(Literal::Text("42".into()))
        );
        assert_eq!(
            Literal::rendered(&json!(false)),
            Some(Literal::Text("false".into()))
        );
        for nothing in [json!(null), json!(""), json!(["a"]), json!({"a": 1})] {
            assert_eq!(Literal::rendered(&nothing), None, "{nothing}");
        }
    }
}
