//! Reading the small values of a definition (lists of text, a closed set of words, numbers, the
//! `docs` and `unverified` of each section), each reporting where it is wrong.

use super::{
    problem::{FileReport, ProviderProblem},
    template,
};
use crate::workflows::{
    Problem,
    fields::{self, Fields},
    yaml::{Node, Pos, Value},
};

/// A list of non-empty texts, each with its place.
pub(crate) fn texts(
    node: &Node,
    key: &'static str,
    report: &mut FileReport,
) -> Option<Vec<(String, Pos)>> {
    let Value::Seq(items) = &node.value else {
        let expected = "a list";
        report.at(node.pos, Problem::WrongType { key, expected });
        return None;
    };
    let read: Vec<_> = items
        .iter()
        .map(|item| fields::text(item, key, report))
        .collect();
    read.into_iter().collect()
}

/// One of `allowed`, as written.
pub(crate) fn one_of(
    fields: &Fields<'_>,
    key: &'static str,
    allowed: &'static [&'static str],
    report: &mut FileReport,
) -> Option<&'static str> {
    let (value, pos) = fields.text(key, report)?;
    let found = allowed.iter().copied().find(|a| *a == value);
    if found.is_none() {
        report.at(
            pos,
            ProviderProblem::NotOneOf {
                key,
                value,
                allowed,
            },
        );
    }
    found
}

/// A whole number from 1 to `max`.
pub(crate) fn number(
    fields: &Fields<'_>,
    key: &'static str,
    max: u32,
    report: &mut FileReport,
) -> Option<u32> {
    let (value, pos) = fields.text(key, report)?;
    match value.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Some(n),
        _ => {
            report.at(pos, ProviderProblem::OutOfRange { key, value, max });
            None
        }
    }
}

/// An optional non-empty text.
pub(crate) fn optional_text(
    fields: &Fields<'_>,
    key: &'static str,
    report: &mut FileReport,
) -> Option<Option<String>> {
    match fields.optional(key) {
        None => Some(None),
        Some(node) => fields::text(node, key, report).map(|(text, _)| Some(text)),
    }
}

/// A section's `docs` (required: the pages its values were taken from) and `unverified` (the
/// keys of the section whose values those pages did not confirm). Neither is kept: they are for
/// the reviewer, and the test makes sure they are there.
pub(crate) fn sources(fields: &Fields<'_>, keys: &'static [&'static str], report: &mut FileReport) {
    if let Some(docs) = fields.required("docs", report) {
        match texts(docs, "docs", report) {
            Some(links) if links.is_empty() => {
                let expected = "a list of at least one documentation link";
                report.at(
                    docs.pos,
                    Problem::WrongType {
                        key: "docs",
                        expected,
                    },
                );
            }
            Some(links) => {
                for (link, pos) in links {
                    template::check_link("docs", &link, pos, report);
                }
            }
            None => {}
        }
    }
    let Some(unverified) = fields.optional("unverified") else {
        return;
    };
    for (key, pos) in texts(unverified, "unverified", report).unwrap_or_default() {
        if !keys.contains(&key.as_str()) || matches!(key.as_str(), "docs" | "unverified") {
            report.at(pos, ProviderProblem::UnverifiedNotAKey(key));
        }
    }
}

/// 1 to 64 lowercase letters, digits and `separator`, starting with a letter: provider names
/// (`-`) and field ids (`_`).
pub(crate) fn is_identifier(text: &str, separator: u8) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == separator)
}
