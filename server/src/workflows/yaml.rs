//! A YAML document as a small tree whose every node knows its line and column, built from
//! saphyr-parser's events. Deserializing straight into the definition types would stop at the
//! first error and lose positions; a tree lets the readers report every problem where it is.

use std::{
    collections::HashSet,
    panic::{self, AssertUnwindSafe},
};

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::error::Problem;

/// Deeper than any definition needs, shallow enough that the recursive walks over the tree (and
/// its drop) cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// A place in the file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The start of the file, for problems of the whole file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn of(span: Span) -> Self {
        Pos {
            line: span.start.line().max(1),
            column: span.start.col() + 1,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A scalar's text; `plain` scalars are resolved by the YAML 1.2 core schema (`true`, `12`,
/// `null`), quoted and block scalars (and `!!str`) are always text.
#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    pub text: String,
    pub plain: bool,
}

impl Scalar {
    /// `key:` with nothing after it, `~` or `null`.
    pub fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// A parsed file: its one document (`None` when the file holds none) and the problems that did
/// not stop the parse (duplicate keys).
#[derive(Debug)]
pub(crate) struct Parsed {
    pub root: Option<Node>,
    pub problems: Vec<(Pos, Problem)>,
}

/// Parses one YAML document. A syntax error stops the parse: nothing after it can be trusted.
pub(crate) fn parse(text: &str) -> Result<Parsed, (Pos, Problem)> {
    // saphyr-parser is fuzzed upstream but still has `unwrap`s inside; a deploy must answer
    // with an error, never take the process down, whatever the file holds.
    panic::catch_unwind(AssertUnwindSafe(|| build(text))).unwrap_or_else(|_| {
        Err((
            Pos::START,
            Problem::Syntax("the YAML parser failed on this file".into()),
        ))
    })
}

enum Open {
    Seq(Pos, Vec<Node>),
    Map(Pos, OpenMap),
}

#[derive(Default)]
struct OpenMap {
    entries: Vec<Entry>,
    /// Keys seen so far: a set, because a large payload example must not cost O(n²).
    keys: HashSet<String>,
    /// A key read, waiting for its value.
    pending: Option<(String, Pos)>,
}

fn build(text: &str) -> Result<Parsed, (Pos, Problem)> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut parsed = Parsed {
        root: None,
        problems: Vec::new(),
    };
    let mut documents = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let pos = Pos {
                line: e.marker().line().max(1),
                column: e.marker().col() + 1,
            };
            (pos, Problem::Syntax(e.info().to_owned()))
        })?;
        let pos = Pos::of(span);
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((pos, Problem::SeveralDocuments));
                }
                continue;
            }
            Event::Alias(_) => return Err((pos, Problem::Alias)),
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                return Err((pos, Problem::TooDeep(MAX_DEPTH)));
            }
            Event::SequenceStart(..) => {
                stack.push(Open::Seq(pos, Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Open::Map(pos, OpenMap::default()));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(pos, items)) => Node {
                    pos,
                    value: Value::Seq(items),
                },
                Some(Open::Map(pos, map)) => Node {
                    pos,
                    value: Value::Map(map.entries),
                },
                None => continue,
            },
            Event::Scalar(text, style, _, tag) => {
                let is_str_tag = tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                Node {
                    pos,
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain && !is_str_tag,
                    }),
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => continue,
        };
        attach(&mut stack, &mut parsed, node)?;
    }
    Ok(parsed)
}

/// Puts a finished node into its parent: a list item, a mapping key, or a mapping value.
fn attach(stack: &mut [Open], parsed: &mut Parsed, node: Node) -> Result<(), (Pos, Problem)> {
    match stack.last_mut() {
        None => parsed.root = Some(node),
        Some(Open::Seq(_, items)) => items.push(node),
        Some(Open::Map(_, map)) => match map.pending.take() {
            None => match node.value {
                Value::Scalar(key) => map.pending = Some((key.text, node.pos)),
                Value::Seq(_) | Value::Map(_) => return Err((node.pos, Problem::ComplexKey)),
            },
            Some((key, key_pos)) => {
                if !map.keys.insert(key.clone()) {
                    // The first one wins; the duplicate is reported and dropped.
                    parsed.problems.push((key_pos, Problem::DuplicateKey(key)));
                } else {
                    map.entries.push(Entry {
                        key,
                        key_pos,
                        value: node,
                    });
                }
            }
        },
    }
    Ok(())
}

impl Node {
    /// The node as JSON, scalars resolved by the YAML 1.2 core schema; for example payloads.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Scalar(scalar) if scalar.plain => resolve_plain(&scalar.text),
            Value::Scalar(scalar) => serde_json::Value::String(scalar.text.clone()),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| (e.key.clone(), e.value.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

/// The YAML 1.2 core schema's reading of a plain scalar. Values JSON cannot hold (`.inf`,
/// `.nan`, integers beyond 64 bits that are not floats either) stay text.
fn resolve_plain(text: &str) -> serde_json::Value {
    use serde_json::Value as Json;
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Json::Null,
        "true" | "True" | "TRUE" => return Json::Bool(true),
        "false" | "False" | "FALSE" => return Json::Bool(false),
        _ => {}
    }
    let radix = |prefix: &str, radix: u32| {
        text.strip_prefix(prefix)
            .filter(|digits| !digits.is_empty())
            .and_then(|digits| u64::from_str_radix(digits, radix).ok())
    };
    if let Some(n) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return n.into();
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return n.into();
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return n.into();
        }
    }
    if is_core_float(unsigned) {
        if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Json::Number(n);
        }
    }
    Json::String(text.to_owned())
}

/// `[0-9]+(.[0-9]*)?([eE][-+]?[0-9]+)?` or `.[0-9]+(...)`: Rust's float parser also accepts
/// `inf`, `nan` and `infinity`, which the schema reads as text.
fn is_core_float(unsigned: &str) -> bool {
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac),
        None => !mantissa.is_empty() && digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| !e.is_empty() && digits(e))
}
