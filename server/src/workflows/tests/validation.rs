//! Each validation rule, reported with the file and the line of the offending value.

use super::*;

const FILE: &str = "workflows/sync.yaml";

fn errors_after(from: &str, to: &str) -> Vec<DeployError> {
    Deploy::with_workflow_change(from, to).errors()
}

#[test]
fn the_base_workflow_is_valid() {
    Deploy::with_workflow_change("", "")
        .load()
        .expect("the tests' base workflow deploys");
}

#[test]
fn a_yaml_syntax_error_names_its_line() {
    let errors = errors_after(
        "  app_event: Contact Created",
        "  app_event: [Contact Created",
    );

    assert_reported!(errors, FILE, 6, Problem::Syntax(_));
}

#[test]
fn an_unknown_key_is_reported_at_the_key() {
    let errors = errors_after("    input:", "    inputs:");

    assert_reported!(errors, FILE, 9, Problem::UnknownKey { .. });
    assert_reported!(errors, FILE, 7, Problem::MissingKey { key: "input", .. });
}

#[test]
fn unknown_keys_in_the_trigger_are_reported_too() {
    let errors = errors_after("  app_event:", "  app_evnt:");

    assert_reported!(errors, FILE, 5, Problem::UnknownKey { .. });
    // With two kinds of trigger, a trigger with neither says which it may have.
    assert_reported!(errors, FILE, 5, Problem::TriggerKind);
}

#[test]
fn a_missing_required_key_points_at_its_mapping() {
    let errors = errors_after("name: Sync\n", "");

    assert_reported!(errors, FILE, 1, Problem::MissingKey { key: "name", .. });
}

#[test]
fn a_duplicate_yaml_key_is_reported() {
    let errors = errors_after("name: Sync\n", "name: Sync\nname: Again\n");

    assert_reported!(errors, FILE, 3, Problem::DuplicateKey(_));
}

#[test]
fn an_unknown_action_is_reported() {
    let errors = errors_after("hubspot.create_contact", "hubspot.create_deal");

    assert_reported!(errors, FILE, 8, Problem::UnknownAction { .. });
}

#[test]
fn an_unknown_integration_is_reported() {
    let errors = errors_after("integration: hubspot", "integration: hubspott");

    assert_reported!(errors, FILE, 3, Problem::UnknownIntegration(_));
    assert!(
        errors[0].message().contains("list-providers"),
        "the error says where the names are: {}",
        errors[0]
    );
}

#[test]
fn a_trigger_event_must_be_declared() {
    let errors = errors_after("app_event: Contact Created", "app_event: Contact Deleted");

    assert_reported!(errors, FILE, 5, Problem::UndeclaredEvent(_));
}

#[test]
fn an_unknown_variable_root_is_reported() {
    let errors = errors_after("{{event.email}}", "{{ payload.email }}");

    assert_reported!(errors, FILE, 10, Problem::UnknownVariableRoot { .. });
}

#[test]
fn user_has_only_id_and_meta() {
    let errors = errors_after("{{event.email}}", "{{user.email}}");

    assert_reported!(errors, FILE, 10, Problem::UnknownUserVariable { .. });
}

#[test]
fn a_step_cannot_use_a_later_or_unknown_step() {
    let later = "      email: \"{{steps.tag.output.email}}\"\n  \
                 - id: tag\n    action: hubspot.update_contact\n    input:\n      \
                 id: \"{{steps.create_contact.output.id}}\"\n      \
                 lastname: \"{{steps.nowhere.output.name}}\"\n";

    let errors = errors_after("      email: \"{{event.email}}\"\n", later);

    assert_reported!(errors, FILE, 10, Problem::LaterStep { .. });
    assert_reported!(errors, FILE, 15, Problem::UnknownStep { .. });
    assert_eq!(errors.len(), 2, "{}", DeployErrors(errors.clone()));
}

#[test]
fn malformed_templates_are_reported() {
    for bad in ["{{event.email", "{{ }}", "{{event..email}}"] {
        let errors = errors_after("{{event.email}}", bad);

        assert_reported!(errors, FILE, 10, Problem::Template { .. });
    }
}

#[test]
fn on_conflict_only_applies_to_create_contact() {
    let upsert = "    action: hubspot.upsert_contact\n    on_conflict: update\n";
    let errors = errors_after("    action: hubspot.create_contact\n", upsert);
    let unknown = errors_after(
        "    action: hubspot.create_contact\n",
        "    action: hubspot.create_contact\n    on_conflict: merge\n",
    );

    assert_reported!(errors, FILE, 9, Problem::OnConflictNotAllowed(_));
    assert_reported!(unknown, FILE, 9, Problem::UnknownOnConflict(_));
}

#[test]
fn update_contact_needs_an_id() {
    let errors = errors_after("hubspot.create_contact", "hubspot.update_contact");

    assert_reported!(errors, FILE, 10, Problem::MissingInput { key: "id", .. });
}

#[test]
fn upsert_contact_needs_an_email_and_create_contact_does_not() {
    let upsert = Deploy::empty().file("events/contact.yaml", EVENT).file(
        FILE,
        &WORKFLOW
            .replace("hubspot.create_contact", "hubspot.upsert_contact")
            .replace("      email:", "      firstname:"),
    );
    let create = Deploy::with_workflow_change("      email:", "      firstname:");

    assert_reported!(
        upsert.errors(),
        FILE,
        10,
        Problem::MissingInput { key: "email", .. }
    );
    assert!(create.load().is_ok());
}

#[test]
fn input_keys_are_hubspot_property_names() {
    let camel = errors_after("      email:", "      firstName:");
    let id = errors_after("      email:", "      id:");

    assert_reported!(camel, FILE, 10, Problem::InvalidPropertyName(_));
    assert_reported!(id, FILE, 10, Problem::IdNotAllowed(_));
}

#[test]
fn input_values_must_be_text() {
    let errors = errors_after("\"{{event.email}}\"", "[a, b]");
    let empty = errors_after(" \"{{event.email}}\"", "");

    assert_reported!(errors, FILE, 10, Problem::InputNotText(_));
    assert_reported!(empty, FILE, 10, Problem::InputNotText(_));
}

#[test]
fn ids_must_use_their_alphabet() {
    let workflow = errors_after("id: sync", "id: Sync_1");
    let step = errors_after("id: create_contact", "id: create-contact");

    assert_reported!(
        workflow,
        FILE,
        1,
        Problem::InvalidId {
            what: "workflow",
            ..
        }
    );
    assert_reported!(step, FILE, 7, Problem::InvalidId { what: "step", .. });
}

#[test]
fn step_ids_are_unique_in_a_workflow() {
    let twice = "      email: \"{{event.email}}\"\n  - id: create_contact\n    \
                 action: hubspot.create_contact\n    input: {}\n";

    let errors = errors_after("      email: \"{{event.email}}\"\n", twice);

    assert_reported!(
        errors,
        FILE,
        11,
        Problem::DuplicateStep { first_line: 7, .. }
    );
}

#[test]
fn an_empty_step_list_is_refused() {
    let steps = WORKFLOW.find("steps:").expect("steps");
    let text = format!("{}steps: []\n", &WORKFLOW[..steps]);

    let errors = Deploy::empty()
        .file("events/contact.yaml", EVENT)
        .file(FILE, &text)
        .errors();

    assert_reported!(errors, FILE, 6, Problem::NoSteps);
}

#[test]
fn workflow_ids_are_unique_across_files() {
    let errors = Deploy::with_workflow_change("", "")
        .file("workflows/again.yaml", WORKFLOW)
        .errors();

    assert_reported!(errors, FILE, 1, Problem::DuplicateWorkflow { .. });
    assert_eq!(errors.len(), 1, "the first file keeps the id");
}

#[test]
fn event_names_are_unique_across_files() {
    let errors = Deploy::with_workflow_change("", "")
        .file("events/contact-again.yaml", EVENT)
        .errors();

    assert_reported!(
        errors,
        "events/contact.yaml",
        1,
        Problem::DuplicateEvent { .. }
    );
}

#[test]
fn an_event_needs_a_name_and_a_mapping_example() {
    let errors = Deploy::with_workflow_change("", "")
        .file(
            "events/contact.yaml",
            "name: Contact Created\nexample: 12\nschema: {}\n",
        )
        .errors();

    assert_reported!(
        errors,
        "events/contact.yaml",
        2,
        Problem::WrongType { key: "example", .. }
    );
    assert_reported!(errors, "events/contact.yaml", 3, Problem::UnknownKey { .. });
}

#[test]
fn files_that_are_empty_multi_document_or_aliased_are_refused() {
    let errors = Deploy::with_workflow_change("", "")
        .file("workflows/empty.yaml", "# nothing yet\n")
        .file("workflows/two.yaml", "id: a\n---\nid: b\n")
        .file("workflows/alias.yaml", "base: &b {x: 1}\nother: *b\n")
        .errors();

    assert_reported!(errors, "workflows/empty.yaml", 1, Problem::Empty);
    assert_reported!(errors, "workflows/two.yaml", 2, Problem::SeveralDocuments);
    assert_reported!(errors, "workflows/alias.yaml", 2, Problem::Alias);
}

#[test]
fn default_enabled_must_be_a_boolean() {
    let errors = errors_after(
        "integration: hubspot\n",
        "integration: hubspot\ndefault_enabled: yes\n",
    );

    assert_reported!(
        errors,
        FILE,
        4,
        Problem::WrongType {
            key: "default_enabled",
            ..
        }
    );
}

#[test]
fn an_unquoted_template_is_explained() {
    let errors = errors_after("\"{{event.email}}\"", "{{event.email}}");

    assert_reported!(errors, FILE, 10, Problem::ComplexKey);
    assert!(errors[0].to_string().contains("quote it"));
}
