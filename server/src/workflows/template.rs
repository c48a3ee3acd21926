//! Templates: text with `{{ path }}` variables, parsed once at deploy so
//! that a run only looks values up.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest variable path accepted, in bytes: paths are written by hand.
const MAX_PATH_BYTES: usize = 256;

/// Why a template does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // each variant's `#[error]` text is its documentation
pub enum TemplateError {
    #[error("`{{{{` without a closing `}}}}` (write `\\{{{{` for a literal `{{{{`)")]
    Unclosed,
    #[error("empty variable `{{{{ }}}}`")]
    Empty,
    #[error(
        "invalid variable `{0}`: a path is names separated by dots, each of letters, digits, `_` or `-` (e.g. `event.address.city`)"
    )]
    BadPath(String),
}

/// A dotted path such as `event.items.0.sku`: at least one segment, none empty. A segment made
/// of digits indexes an array (and is an ordinary key in an object).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarPath(Vec<String>);

impl VarPath {
    fn parse(text: &str) -> Result<Self, TemplateError> {
        let bad = || TemplateError::BadPath(text.to_owned());
        if text.len() > MAX_PATH_BYTES {
            return Err(bad());
        }
        let segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        let valid = |s: &String| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        if segments.iter().all(valid) {
            Ok(Self(segments))
        } else {
            Err(bad())
        }
    }

    /// The segments, e.g. `["event", "email"]`; never empty.
    pub fn segments(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for VarPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Text(String),
    Var(VarPath),
}

/// A parsed template. It serializes as its source text, so a stored definition reads as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

impl Template {
    /// Parses `{{ path }}` variables (spaces inside the braces are optional) in literal text;
    /// `\{{` is a literal `{{`, and any other `\` or a lone `}}` is literal text.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            let (before, after) = (&rest[..open], &rest[open + 2..]);
            if let Some(escaped) = before.strip_suffix('\\') {
                text.push_str(escaped);
                text.push_str("{{");
                rest = after;
                continue;
            }
            text.push_str(before);
            let close = after.find("}}").ok_or(TemplateError::Unclosed)?;
            let inner = after[..close].trim();
            if inner.is_empty() {
                return Err(TemplateError::Empty);
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Var(VarPath::parse(inner)?));
            rest = &after[close + 2..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every variable, in order of appearance (repeats included).
    pub fn variables(&self) -> impl Iterator<Item = &VarPath> {
        self.parts.iter().filter_map(|part| match part {
            Part::Var(path) => Some(path),
            Part::Text(_) => None,
        })
    }

    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }
}

impl TryFrom<String> for Template {
    type Error = TemplateError;

    fn try_from(source: String) -> Result<Self, Self::Error> {
        Self::parse(&source)
    }
}

impl From<Template> for String {
    fn from(template: Template) -> Self {
        template.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(source: &str) -> Vec<String> {
        Template::parse(source)
            .expect("parses")
            .variables()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn variables_are_found_with_or_without_spaces() {
        assert_eq!(
            vars("{{event.email}} and {{ user.meta.Email }}"),
            ["event.email", "user.meta.Email"]
        );
        assert_eq!(vars("{{\tevent.items.0.sku  }}"), ["event.items.0.sku"]);
    }

    #[test]
    fn text_without_braces_is_one_literal() {
        let template = Template::parse("plain } text }} here").expect("parses");

        assert_eq!(
            template.parts(),
            [Part::Text("plain } text }} here".into())]
        );
    }

    #[test]
    fn a_backslash_escapes_the_opening_braces() {
        let template = Template::parse(r"\{{event.email}} is {{event.email}}").expect("parses");

        assert_eq!(
            template.parts()[0],
            Part::Text("{{event.email}} is ".into())
        );
        assert_eq!(vars(r"\{{x}}"), Vec::<String>::new());
    }

    #[test]
    fn malformed_templates_are_refused() {
        assert_eq!(
            Template::parse("{{event.email"),
            Err(TemplateError::Unclosed)
        );
        assert_eq!(Template::parse("a {{ }} b"), Err(TemplateError::Empty));
        assert_eq!(Template::parse("{{}}"), Err(TemplateError::Empty));
        for bad in [
            "{{event..email}}",
            "{{.event}}",
            "{{event.}}",
            "{{event email}}",
            "{{event.e-mail!}}",
            "{{ {{event}} }}",
            "{{event[0]}}",
        ] {
            assert!(
                matches!(Template::parse(bad), Err(TemplateError::BadPath(_))),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn a_template_serializes_as_its_source() {
        let template = Template::parse("Hi {{ event.first_name }}").expect("parses");

        let json = serde_json::to_string(&template).expect("serializes");
        let back: Template = serde_json::from_str(&json).expect("deserializes");

        assert_eq!(json, r#""Hi {{ event.first_name }}""#);
        assert_eq!(back, template);
        assert!(serde_json::from_str::<Template>(r#""{{oops""#).is_err());
    }
}
