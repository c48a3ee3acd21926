//! Reading `appearance.yaml`, the optional file at the root of a deploy directory: how the
//! Connect Portal looks for the project's users (accent colour, light/dark/auto, font, corner
//! radius). The values end up in a stylesheet the platform generates (`/ui/theme.css`), so each
//! is checked here to be what CSS reads it as and nothing more: a font list cannot carry a
//! `url()`, a `;` or a brace into the stylesheet.

use serde::{Deserialize, Serialize};

use super::{
    error::Problem,
    fields::{self, Fields, Report},
    yaml::{Node, Value},
};
use crate::color::Rgb;

const KEYS: &[&str] = &["accent", "theme", "font", "radius"];
/// The corner radius the portal takes, in CSS pixels; beyond 24 its buttons are round.
pub const MAX_RADIUS: u8 = 24;
/// Longer than any real font list; keeps the stylesheet small.
const MAX_FONT_CHARS: usize = 200;

/// How the portal looks for one project. Every field is optional; the portal's own look fills
/// in what the project leaves out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Appearance {
    /// The project's colour for the portal's main button, switches, links and focus ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<Rgb>,
    /// Light, dark, or the user's system setting; an app can ask for another per portal.
    #[serde(default)]
    pub theme: ThemeMode,
    /// A CSS font-family list; the fonts must be installed on the user's device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<FontFamily>,
    /// The corner radius of the portal's controls, 0 to [`MAX_RADIUS`] pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<u8>,
}

/// Light, dark, or whichever the user's system prefers (`prefers-color-scheme`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeMode {
    /// The default.
    #[default]
    Light,
    /// Dark.
    Dark,
    /// The user's system setting.
    Auto,
}

impl ThemeMode {
    /// The words a file or a URL writes.
    pub const NAMES: &str = "light, dark or auto";

    /// `light`, `dark` or `auto`, exactly.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }
}

/// A CSS `font-family` list that is safe to write into a stylesheet: comma-separated families,
/// each either quoted (`"Segoe UI"`) or words that start with a letter (`system-ui`), of letters,
/// digits, spaces and hyphens only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FontFamily(String);

impl FontFamily {
    /// The list, trimmed; or what is wrong with it, in words for the file's author.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.chars().count() > MAX_FONT_CHARS {
            return Err(format!("use at most {MAX_FONT_CHARS} characters"));
        }
        if let Some(c) = text.chars().find(|c| !allowed(*c)) {
            return Err(format!(
                "`{}` is not allowed: a font list holds letters, digits, spaces, commas, hyphens and quotes only",
                c.escape_debug()
            ));
        }
        for family in text.split(',').map(str::trim) {
            check_family(family)?;
        }
        Ok(Self(text.to_owned()))
    }

    /// The list as CSS reads it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | ',' | '-' | '"' | '\'')
}

/// One family of the list: quoted, or words CSS reads as a name.
fn check_family(family: &str) -> Result<(), String> {
    if family.is_empty() {
        return Err("a family is missing between two commas (or at an end)".into());
    }
    for quote in ['"', '\''] {
        if let Some(inner) = family.strip_prefix(quote) {
            return match inner.strip_suffix(quote) {
                Some(name) if !name.trim().is_empty() && !name.contains(['"', '\'']) => Ok(()),
                _ => Err(format!(
                    "`{family}`: a quoted family is one name between two {quote} quotes"
                )),
            };
        }
    }
    if family.contains(['"', '\'']) {
        return Err(format!(
            "`{family}`: quote a family name as a whole (\"Segoe UI\")"
        ));
    }
    if let Some(word) = family.split_whitespace().find(|w| !starts_a_name(w)) {
        return Err(format!(
            "`{word}` in `{family}`: an unquoted name starts with a letter; quote the family (\"{family}\")"
        ));
    }
    // These mean something else in CSS (and `initial` would empty the whole list).
    if [
        "inherit",
        "initial",
        "unset",
        "default",
        "revert",
        "revert-layer",
    ]
    .contains(&family.to_ascii_lowercase().as_str())
    {
        return Err(format!(
            "`{family}` is a CSS keyword, not a font: quote it if it is one"
        ));
    }
    Ok(())
}

fn starts_a_name(word: &str) -> bool {
    let mut chars = word.chars();
    match chars.next() {
        Some('-') => chars.next().is_some_and(char::is_alphabetic),
        Some(c) => c.is_alphabetic(),
        None => false,
    }
}

impl TryFrom<String> for FontFamily {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<FontFamily> for String {
    fn from(font: FontFamily) -> Self {
        font.0
    }
}

/// Reads the file; `None` when a value is unusable (the report says why and where).
pub(crate) fn read(root: &Node, report: &mut Report) -> Option<Appearance> {
    let fields = Fields::read(root, "appearance.yaml", KEYS, report)?;
    let accent = optional(&fields, "accent", accent, report);
    let theme = optional(&fields, "theme", theme, report);
    let font = optional(&fields, "font", font, report);
    let radius = optional(&fields, "radius", radius, report);
    Some(Appearance {
        accent: accent?,
        theme: theme?.unwrap_or_default(),
        font: font?,
        radius: radius?,
    })
}

/// `Some(None)` when `key` is absent, `None` when its value is unusable (reported).
fn optional<T>(
    fields: &Fields,
    key: &str,
    read: fn(&Node, &mut Report) -> Option<T>,
    report: &mut Report,
) -> Option<Option<T>> {
    match fields.optional(key) {
        None => Some(None),
        Some(node) => read(node, report).map(Some),
    }
}

fn accent(node: &Node, report: &mut Report) -> Option<Rgb> {
    let found = match &node.value {
        // `accent: #4A154B` unquoted is a YAML comment: the value reads as empty.
        Value::Scalar(s) if s.is_null() => "nothing".to_owned(),
        Value::Scalar(s) => match Rgb::parse(s.text.trim()) {
            Some(colour) => return Some(colour),
            None => format!("`{}`", s.text),
        },
        _ => format!("`{}`", node.to_json()),
    };
    report.at(node.pos, Problem::BadAccent(found));
    None
}

fn theme(node: &Node, report: &mut Report) -> Option<ThemeMode> {
    let (text, pos) = fields::text(node, "theme", report)?;
    let parsed = ThemeMode::parse(&text);
    if parsed.is_none() {
        report.at(pos, Problem::UnknownTheme(text));
    }
    parsed
}

fn font(node: &Node, report: &mut Report) -> Option<FontFamily> {
    let (text, pos) = fields::text(node, "font", report)?;
    FontFamily::parse(&text)
        .map_err(|reason| report.at(pos, Problem::BadFont(reason)))
        .ok()
}

fn radius(node: &Node, report: &mut Report) -> Option<u8> {
    let parsed = match &node.value {
        Value::Scalar(s) if s.plain => s.text.parse::<u8>().ok().filter(|r| *r <= MAX_RADIUS),
        _ => None,
    };
    if parsed.is_none() {
        report.at(node.pos, Problem::BadRadius(node.to_json().to_string()));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_lists_as_css_writes_them_are_accepted() {
        for list in [
            "Inter, system-ui, sans-serif",
            "\"Segoe UI\", Roboto, -apple-system, sans-serif",
            "'IBM Plex Sans', Helvetica Neue",
            "Noto Sans JP",
            "  Inter  ",
        ] {
            let font = FontFamily::parse(list).unwrap_or_else(|e| panic!("{list}: {e}"));
            assert_eq!(font.as_str(), list.trim());
        }
    }

    #[test]
    fn a_font_list_that_could_leave_its_declaration_is_refused_with_the_reason() {
        for (list, reason) in [
            ("Inter; color: red", "`;` is not allowed"),
            ("url(https://evil.test/x.woff)", "`(` is not allowed"),
            ("Inter} body{", "`}` is not allowed"),
            ("a\\62 c", "`\\\\` is not allowed"),
            ("\"Inter, sans-serif", "between two \" quotes"),
            ("Inter\", sans-serif", "quote a family name as a whole"),
            ("Inter,, serif", "a family is missing"),
            ("Inter,", "a family is missing"),
            (
                "3M Sans",
                "`3M` in `3M Sans`: an unquoted name starts with a letter",
            ),
            ("inherit", "is a CSS keyword"),
            ("\"\"", "between two \" quotes"),
        ] {
            let error = FontFamily::parse(list).expect_err(list);
            assert!(error.contains(reason), "{list:?}: {error}");
        }
        assert!(FontFamily::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn a_stored_font_is_checked_again_when_read() {
        let stored = serde_json::json!({ "font": "x;}" });
        assert!(serde_json::from_value::<Appearance>(stored).is_err());
    }

    #[test]
    fn themes_are_the_three_lower_case_words() {
        assert_eq!(ThemeMode::parse("dark"), Some(ThemeMode::Dark));
        assert_eq!(ThemeMode::parse("auto"), Some(ThemeMode::Auto));
        assert_eq!(ThemeMode::parse("Dark"), None);
        assert_eq!(ThemeMode::parse(""), None);
        assert_eq!(ThemeMode::default(), ThemeMode::Light);
    }
}
