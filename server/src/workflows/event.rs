//! Reading one App Event declaration: its name, an optional description, and the example
//! payload that the guide calls the "Event Schema".

use super::{
    error::Problem,
    fields::{Fields, Report},
    model::AppEvent,
    yaml::{Node, Pos, Value},
};

const EVENT_KEYS: &[&str] = &["name", "description", "example"];

/// An App Event and where its name is, for the loader's duplicate check.
#[derive(Debug)]
pub(crate) struct Read {
    pub event: AppEvent,
    pub name_pos: Pos,
}

/// Reads the declaration; `None` when a required part is unusable (the report says why).
pub(crate) fn read(root: &Node, report: &mut Report) -> Option<Read> {
    let fields = Fields::read(root, "the App Event", EVENT_KEYS, report)?;
    let name = fields.text("name", report);
    let description = fields.optional_text("description", report);
    let example = fields.required("example", report).and_then(|node| {
        if matches!(node.value, Value::Map(_)) {
            Some(node.to_json())
        } else {
            let expected = "a mapping: an example payload of the event";
            report.at(
                node.pos,
                Problem::WrongType {
                    key: "example",
                    expected,
                },
            );
            None
        }
    });
    let (name, name_pos) = name?;
    Some(Read {
        event: AppEvent {
            name,
            description: description?,
            example: example?,
        },
        name_pos,
    })
}
