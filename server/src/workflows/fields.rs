//! Reading the YAML tree into definitions: a report that collects every problem of a file, and
//! a reader for mappings that refuses unknown keys (a typo must not pass silently). The readers
//! report through [`Reporter`], so that the provider definitions (`crate::providers`) read their
//! files with the same rules and words as a deploy.

use std::path::{Path, PathBuf};

use super::{
    error::{DeployError, Problem},
    yaml::{Entry, Node, Pos, Value},
};

/// The problems found in one file so far.
#[derive(Debug)]
pub(crate) struct Report {
    file: PathBuf,
    pub errors: Vec<DeployError>,
}

impl Report {
    pub fn new(file: &Path) -> Self {
        Self {
            file: file.to_owned(),
            errors: Vec::new(),
        }
    }

    pub fn at(&mut self, pos: Pos, problem: Problem) {
        self.errors.push(DeployError::at(&self.file, pos, problem));
    }
}

/// Where a reader puts what it finds wrong, at the place it found it.
pub(crate) trait Reporter {
    fn problem(&mut self, pos: Pos, problem: Problem);
}

impl Reporter for Report {
    fn problem(&mut self, pos: Pos, problem: Problem) {
        self.at(pos, problem);
    }
}

/// A mapping whose keys were checked against the allowed ones.
pub(crate) struct Fields<'a> {
    pos: Pos,
    what: &'static str,
    entries: &'a [Entry],
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping of `allowed` keys, reporting each unknown key at its line.
    pub fn read(
        node: &'a Node,
        what: &'static str,
        allowed: &'static [&'static str],
        report: &mut impl Reporter,
    ) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            report.problem(node.pos, Problem::NotAMapping { what });
            return None;
        };
        for entry in entries {
            if !allowed.contains(&entry.key.as_str()) {
                let key = entry.key.clone();
                report.problem(entry.key_pos, Problem::UnknownKey { key, what, allowed });
            }
        }
        Some(Self {
            pos: node.pos,
            what,
            entries,
        })
    }

    /// The value of `key`, or a report that it is missing (at the mapping's first line).
    pub fn required(&self, key: &'static str, report: &mut impl Reporter) -> Option<&'a Node> {
        let value = self.optional(key);
        if value.is_none() {
            let what = self.what;
            report.problem(self.pos, Problem::MissingKey { key, what });
        }
        value
    }

    /// The value of `key`, if given.
    pub fn optional(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// Where `key` is written, if it is: a key that is not allowed here is reported there.
    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.key_pos)
    }

    /// Non-empty text at `key` (required), with its position.
    pub fn text(&self, key: &'static str, report: &mut impl Reporter) -> Option<(String, Pos)> {
        text(self.required(key, report)?, key, report)
    }

    /// Non-empty text at `key` if given (a `description:`): `Some(None)` when absent, `None`
    /// when given but not text (reported).
    pub fn optional_text(
        &self,
        key: &'static str,
        report: &mut impl Reporter,
    ) -> Option<Option<String>> {
        match self.optional(key) {
            None => Some(None),
            Some(node) => text(node, key, report).map(|(text, _)| Some(text)),
        }
    }
}

/// Non-empty text. Plain scalars count as their text (`name: 2024 sync`); `null`, lists and
/// mappings do not.
pub(crate) fn text(
    node: &Node,
    key: &'static str,
    report: &mut impl Reporter,
) -> Option<(String, Pos)> {
    match &node.value {
        Value::Scalar(s) if !s.is_null() && !s.text.trim().is_empty() => {
            Some((s.text.clone(), node.pos))
        }
        _ => {
            let expected = "non-empty text";
            report.problem(node.pos, Problem::WrongType { key, expected });
            None
        }
    }
}

/// `true` or `false`, unquoted.
pub(crate) fn boolean(node: &Node, key: &'static str, report: &mut impl Reporter) -> Option<bool> {
    match &node.value {
        Value::Scalar(s) if s.plain && s.text == "true" => Some(true),
        Value::Scalar(s) if s.plain && s.text == "false" => Some(false),
        _ => {
            let expected = "`true` or `false`";
            report.problem(node.pos, Problem::WrongType { key, expected });
            None
        }
    }
}
