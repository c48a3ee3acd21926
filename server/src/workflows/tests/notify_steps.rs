//! `notify:` steps and the `notifications/` declarations they send: what deploys, and each
//! mistake with its line.

use super::*;

const FILE: &str = "workflows/changed.yaml";
const DECLARATION: &str = "notifications/contact-changed.yaml";

/// Lines: 9 the step's type, 11 the email.
const CHANGED: &str = "\
id: changed
name: Contacts changed in HubSpot reach Acme CRM
integration: hubspot
trigger:
  provider_event: contact.propertyChange
steps:
  - id: tell_the_app
    notify:
      type: contact.changed
      data:
        email: \"{{event.propertyValue}}\"
        hubspotId: \"{{event.objectId}}\"
";

/// Lines: 1 the type.
const CONTACT_CHANGED: &str = "\
type: contact.changed
description: A contact changed in the user's HubSpot.
example:
  email: ada@example.com
  hubspotId: \"512\"
";

fn with_change(from: &str, to: &str) -> Deploy {
    assert!(CHANGED.contains(from), "the base workflow has {from:?}");
    Deploy::empty()
        .file(DECLARATION, CONTACT_CHANGED)
        .file(FILE, &CHANGED.replace(from, to))
}

#[test]
fn a_declared_notification_deploys_with_its_data_templates() {
    let bundle = with_change("", "").load().expect("deploys");

    assert_eq!(bundle.notifications.len(), 1);
    assert_eq!(bundle.notifications[0].name, "contact.changed");
    assert_eq!(
        bundle.notifications[0]
            .example
            .as_ref()
            .expect("an example")["email"],
        "ada@example.com"
    );
    let StepKind::Notify(step) = &bundle.workflows[0].steps[0].kind else {
        panic!("a notify step");
    };
    assert_eq!(step.notify.kind, "contact.changed");
    assert!(step.notify.data.is_some());
}

#[test]
fn a_type_no_file_declares_is_an_error_at_the_step() {
    let errors = Deploy::empty().file(FILE, CHANGED).errors();
    assert_reported!(errors, FILE, 9, Problem::UndeclaredNotification(_));
    let typo = with_change("type: contact.changed", "type: contact.chaged").errors();
    assert_reported!(typo, FILE, 9, Problem::UndeclaredNotification(_));
}

#[test]
fn types_are_dotted_words_outside_the_platforms_own() {
    for bad in [
        "type: ContactChanged",
        "type: run.failed",
        "type: connection.created",
    ] {
        let errors = with_change("type: contact.changed", bad).errors();
        assert_reported!(errors, FILE, 9, Problem::NotificationType(_));
    }
    let declared = Deploy::empty()
        .file(
            DECLARATION,
            &CONTACT_CHANGED.replace("contact.changed", "run.done"),
        )
        .file(FILE, CHANGED)
        .errors();
    assert_reported!(declared, DECLARATION, 1, Problem::NotificationType(_));
}

#[test]
fn a_type_is_declared_once() {
    let errors = with_change("", "")
        .file("notifications/again.yaml", CONTACT_CHANGED)
        .errors();
    assert_reported!(
        errors,
        "notifications/contact-changed.yaml",
        1,
        Problem::DuplicateNotification { .. }
    );
}

#[test]
fn the_step_takes_only_type_and_data_and_checks_its_templates() {
    let unknown = with_change("      data:\n", "      to: everyone\n      data:\n").errors();
    assert_reported!(unknown, FILE, 10, Problem::UnknownKey { .. });
    let missing = with_change("{{event.objectId}}", "{{steps.nowhere.output}}").errors();
    assert!(!missing.is_empty(), "a template naming no step is an error");
}

#[test]
fn a_notify_inside_a_branch_is_checked_too() {
    // Line 12: the nested step's type.
    let nested = "\
id: changed
name: Changed
integration: hubspot
trigger:
  provider_event: contact.propertyChange
steps:
  - id: known
    if: { left: \"{{event.propertyName}}\", op: equals, right: email }
    then:
      - id: tell_the_app
        notify:
          type: contact.renamed
";
    let errors = Deploy::empty()
        .file(DECLARATION, CONTACT_CHANGED)
        .file(FILE, nested)
        .errors();
    assert_reported!(errors, FILE, 12, Problem::UndeclaredNotification(_));
}
