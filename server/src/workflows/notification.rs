//! The project's own notification types: `notifications/*.yaml` declares each type a `notify:`
//! step may send to the app's webhook endpoints, and what its data looks like. A declared type
//! is the contract between the workflows and the app's backend, so a `notify:` of a type no file
//! declares (a typo) is a deploy error rather than a message no endpoint subscribed to.

use super::{
    error::Problem,
    fields::{Fields, Report},
    model::NotificationType,
    yaml::{Node, Pos, Value},
};
use crate::webhooks_out::event_types;

const NOTIFICATION_KEYS: &[&str] = &["type", "description", "example"];

/// A declaration and where its type is, for the loader's duplicate check.
#[derive(Debug)]
pub(crate) struct Read {
    pub notification: NotificationType,
    pub type_pos: Pos,
}

/// Whether `name` is a type a project may declare, by the rule endpoints subscribe with
/// ([`event_types::is_custom`]); the reason otherwise.
pub fn check_type(name: &str) -> Result<(), String> {
    if event_types::is_custom(name) {
        return Ok(());
    }
    if let Some(namespace) = event_types::RESERVED.iter().find(|p| name.starts_with(**p)) {
        return Err(format!(
            "`{name}` is in the platform's own `{namespace}*` namespace of webhook types; choose another first word"
        ));
    }
    Err(format!(
        "`{name}` is not a notification type: lowercase words joined by dots, such as `contact.changed` (a-z, 0-9, _; at most {} characters)",
        event_types::MAX_LEN
    ))
}

/// Reads the declaration; `None` when a required part is unusable (the report says why).
pub(crate) fn read(root: &Node, report: &mut Report) -> Option<Read> {
    let fields = Fields::read(root, "the notification type", NOTIFICATION_KEYS, report)?;
    let name = fields.text("type", report).and_then(|(name, pos)| {
        if let Err(why) = check_type(&name) {
            report.at(pos, Problem::NotificationType(why));
            return None;
        }
        Some((name, pos))
    });
    let description = fields.optional_text("description", report);
    let example = match fields.optional("example") {
        None => Some(None),
        Some(node) if matches!(node.value, Value::Map(_)) => Some(Some(node.to_json())),
        Some(node) => {
            let expected = "a mapping: an example of the notification's data";
            report.at(
                node.pos,
                Problem::WrongType {
                    key: "example",
                    expected,
                },
            );
            None
        }
    };
    let (name, type_pos) = name?;
    Some(Read {
        notification: NotificationType {
            name,
            description: description?,
            example: example?,
        },
        type_pos,
    })
}

#[cfg(test)]
mod tests {
    use super::check_type;

    #[test]
    fn types_are_dotted_lowercase_words_outside_the_platforms_namespaces() {
        for good in ["contact.changed", "deal.stage_changed", "crm.contact.v2"] {
            assert_eq!(check_type(good), Ok(()), "{good}");
        }
        for bad in [
            "contact",
            "Contact.changed",
            "contact..changed",
            "contact.changed.",
            "contact.chänged",
            "contact changed",
            "",
        ] {
            let why = check_type(bad).expect_err(bad);
            assert!(why.contains("lowercase words"), "{why}");
        }
        for reserved in ["run.failed", "connection.created", "event.custom"] {
            let why = check_type(reserved).expect_err(reserved);
            assert!(why.contains("namespace"), "{why}");
        }
        assert!(check_type(&format!("a.{}", "b".repeat(100))).is_err());
    }
}
