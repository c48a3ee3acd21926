//! Salesforce's actions as a developer writes them: the guide's example deploys, and each
//! mistake is reported at its line.

use serde_json::json;

use super::*;

const FILE: &str = "workflows/sync.yaml";

/// A valid Salesforce workflow; tests change one line and expect the error on that line:
/// 3 integration, 8 action, 9 object, 10 match_on, 11 input, 12 LastName, 13 Email.
const SALESFORCE: &str = "\
id: sync
name: Sync
integration: salesforce
trigger:
  app_event: Contact Created
steps:
  - id: create_contact
    action: salesforce.create_record
    object: Contact
    match_on: Email
    input:
      LastName: \"{{event.email}}\"
      Email: \"{{event.email}}\"
";

/// A find, whose lines are 7 to 14: 8 action, 9 object, 10 where, 11 Email, 12 Active__c,
/// 13 select, 14 limit.
const FIND: &str = "  - id: find
    action: salesforce.find_records
    object: Contact
    where:
      Email: \"{{event.email}}\"
      Active__c: true
    select: [Id, Email]
    limit: 5
";

fn salesforce(from: &str, to: &str) -> Deploy {
    assert!(SALESFORCE.contains(from), "the base workflow has {from:?}");
    Deploy::empty()
        .file("events/contact.yaml", EVENT)
        .file(FILE, &SALESFORCE.replace(from, to))
}

/// The base workflow whose one step is the find, changed by replacing `from` with `to`.
fn find(from: &str, to: &str) -> Deploy {
    assert!(FIND.contains(from), "the find has {from:?}");
    let steps = SALESFORCE.split("  - id:").next().unwrap_or_default();
    Deploy::empty()
        .file("events/contact.yaml", EVENT)
        .file(FILE, &[steps, &FIND.replace(from, to)].concat())
}

#[test]
fn the_salesforce_guide_deploys_and_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/salesforce-guide");

    let bundle = load_dir(&dir).expect("the Salesforce guide deploys");

    assert_eq!(bundle.workflows.len(), 2);
    assert!(
        bundle
            .workflows
            .iter()
            .all(|w| w.integration == IntegrationType::SALESFORCE)
    );
    let stored = serde_json::to_string(&bundle).expect("serializes");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn a_find_keeps_its_object_conditions_fields_and_limit() {
    let bundle = find("", "").load().expect("deploys");

    let StepKind::Action(step) = &bundle.workflows[0].steps[0].kind else {
        panic!("an action step");
    };
    assert_eq!(step.action, Action::FindRecords);
    assert_eq!(step.object.as_ref().map(ApiName::as_str), Some("Contact"));
    let conditions: Vec<(&str, serde_json::Value)> = step
        .conditions
        .iter()
        .map(|(field, value)| (field.as_str(), value.to_json()))
        .collect();
    assert_eq!(
        conditions,
        [
            ("Email", json!("{{event.email}}")),
            ("Active__c", json!(true))
        ]
    );
    let select: Vec<&str> = step.select.iter().map(ApiName::as_str).collect();
    assert_eq!(select, ["Id", "Email"]);
    assert_eq!(step.limit, Some(5));
}

#[test]
fn any_provider_of_the_catalogue_is_an_integration() {
    let zendesk = Deploy::with_workflow_change("integration: hubspot\n", "integration: zendesk\n")
        .file(
            "integrations/zendesk.yaml",
            "integration: zendesk\nsettings:\n  - { id: team, title: Team, type: text }\n",
        );
    let errors = zendesk.errors();

    // The workflow is a Zendesk one; only its HubSpot action is wrong.
    assert_reported!(errors, FILE, 8, Problem::ForeignAction { .. });
    assert_eq!(errors.len(), 1, "{}", DeployErrors(errors.clone()));
}

#[test]
fn an_action_belongs_to_its_workflows_integration() {
    let hubspot_action = salesforce(
        "    action: salesforce.create_record\n    object: Contact\n    match_on: Email\n",
        "    action: hubspot.create_contact\n",
    );
    let salesforce_action = Deploy::with_workflow_change(
        "    action: hubspot.create_contact\n    input:\n      email:",
        "    action: salesforce.create_record\n    object: Contact\n    input:\n      Email:",
    );

    assert_reported!(
        hubspot_action.errors(),
        FILE,
        8,
        Problem::ForeignAction { .. }
    );
    assert_reported!(
        salesforce_action.errors(),
        FILE,
        8,
        Problem::ForeignAction { .. }
    );
}

#[test]
fn each_action_needs_its_keys() {
    let no_object = salesforce("    object: Contact\n", "");
    let update = salesforce(
        "    action: salesforce.create_record\n    object: Contact\n    match_on: Email\n",
        "    action: salesforce.update_record\n    object: Contact\n",
    );
    let no_where = find(
        "    where:\n      Email: \"{{event.email}}\"\n      Active__c: true\n",
        "",
    );

    assert_reported!(
        no_object.errors(),
        FILE,
        7,
        Problem::MissingKey { key: "object", .. }
    );
    assert_reported!(
        update.errors(),
        FILE,
        7,
        Problem::MissingKey {
            key: "record_id",
            ..
        }
    );
    assert_reported!(
        no_where.errors(),
        FILE,
        7,
        Problem::MissingKey { key: "where", .. }
    );
}

#[test]
fn a_key_of_another_action_is_refused_where_it_is_written() {
    let where_on_create = salesforce(
        "    match_on: Email\n",
        "    match_on: Email\n    where: { Email: x }\n",
    );
    let match_on_on_update = salesforce(
        "    action: salesforce.create_record\n    object: Contact\n",
        "    action: salesforce.update_record\n    object: Contact\n    record_id: \"{{event.id}}\"\n",
    );
    let input_on_find = find("    limit: 5\n", "    limit: 5\n    input: { Email: x }\n");
    let on_conflict = salesforce("    match_on: Email\n", "    on_conflict: update\n");
    let object_on_hubspot =
        Deploy::with_workflow_change("    input:\n", "    object: Contact\n    input:\n");

    assert_reported!(
        where_on_create.errors(),
        FILE,
        11,
        Problem::KeyNotForAction { key: "where", .. }
    );
    assert_reported!(
        match_on_on_update.errors(),
        FILE,
        11,
        Problem::KeyNotForAction {
            key: "match_on",
            ..
        }
    );
    assert_reported!(
        input_on_find.errors(),
        FILE,
        15,
        Problem::KeyNotForAction { key: "input", .. }
    );
    assert_reported!(
        on_conflict.errors(),
        FILE,
        10,
        Problem::OnConflictNotAllowed(_)
    );
    assert_reported!(
        object_on_hubspot.errors(),
        FILE,
        9,
        Problem::KeyNotForAction { key: "object", .. }
    );
}

#[test]
fn object_and_field_names_are_api_names() {
    let object = salesforce("object: Contact", "object: Contact/003");
    let field = salesforce("      LastName:", "      Last Name:");
    let id = salesforce("      LastName:", "      ID:");
    let select = find("[Id, Email]", "[Id, \"Email FROM User\"]");
    let condition = find("      Active__c: true", "      \"Email' OR\": true");

    assert_reported!(
        object.errors(),
        FILE,
        9,
        Problem::InvalidApiName { what: "object", .. }
    );
    assert_reported!(
        field.errors(),
        FILE,
        12,
        Problem::InvalidApiName { what: "field", .. }
    );
    assert_reported!(id.errors(), FILE, 12, Problem::IdNotWritable(_));
    assert_reported!(
        select.errors(),
        FILE,
        13,
        Problem::InvalidApiName { what: "field", .. }
    );
    assert_reported!(
        condition.errors(),
        FILE,
        12,
        Problem::InvalidApiName { what: "field", .. }
    );
}

#[test]
fn match_on_names_a_field_the_step_writes() {
    let other = salesforce("match_on: Email", "match_on: Phone");
    let any_case = salesforce("match_on: Email", "match_on: email");

    assert_reported!(other.errors(), FILE, 10, Problem::MatchOnNotInInput(_));
    assert!(any_case.load().is_ok(), "Salesforce's names ignore case");
}

#[test]
fn conditions_are_single_values() {
    let none = find(
        "    where:\n      Email: \"{{event.email}}\"\n      Active__c: true\n",
        "    where: {}\n",
    );
    let list = find("      Active__c: true", "      Active__c: [true]");
    let empty = find("      Active__c: true", "      Active__c:");
    let unknown_variable = find("{{event.email}}", "{{payload.email}}");

    assert_reported!(none.errors(), FILE, 10, Problem::NoConditions);
    assert_reported!(list.errors(), FILE, 12, Problem::BadCondition(_));
    assert_reported!(empty.errors(), FILE, 12, Problem::BadCondition(_));
    assert_reported!(
        unknown_variable.errors(),
        FILE,
        11,
        Problem::UnknownVariableRoot { .. }
    );
}

#[test]
fn select_and_limit_are_checked() {
    let twice = find("[Id, Email]", "[Id, Email, email]");
    let empty = find("[Id, Email]", "[]");

    assert_reported!(twice.errors(), FILE, 13, Problem::DuplicateField(_));
    assert_reported!(
        empty.errors(),
        FILE,
        13,
        Problem::WrongType { key: "select", .. }
    );
    for limit in ["0", "201", "ten", "-1", "[5]", "\"5\""] {
        let errors = find("limit: 5", &["limit: ", limit].concat()).errors();
        assert_reported!(errors, FILE, 14, Problem::BadLimit { .. });
    }
}

#[test]
fn a_record_id_is_a_template_of_earlier_steps() {
    let update = salesforce(
        "    action: salesforce.create_record\n    object: Contact\n    match_on: Email\n",
        "    action: salesforce.update_record\n    object: Contact\n    record_id: \"{{steps.later.output.id}}\"\n",
    );

    assert_reported!(update.errors(), FILE, 10, Problem::UnknownStep { .. });
}

#[test]
fn hubspots_lists_are_refused_in_another_integrations_settings() {
    let page = |setting: &str| {
        salesforce("", "").file(
            "integrations/salesforce.yaml",
            &["integration: salesforce\nsettings:\n  - ", setting, "\n"].concat(),
        )
    };
    let owners = page("{ id: owner, title: Owner, type: dynamic_dropdown, source: owners }");
    let mapping =
        page("{ id: extra, title: More, type: field_mapping, object: contacts, fields: [phone] }");
    let own = salesforce(
        "steps:\n",
        "settings:\n  - { id: owner, title: Owner, type: dynamic_dropdown, source: owners }\nsteps:\n",
    );
    let dropdown = page("{ id: department, title: Department, type: dropdown, options: [Sales] }");

    let page_file = "integrations/salesforce.yaml";
    assert_reported!(
        owners.errors(),
        page_file,
        3,
        Problem::HubSpotOnlySetting {
            kind: "dynamic_dropdown",
            ..
        }
    );
    assert_reported!(
        mapping.errors(),
        page_file,
        3,
        Problem::HubSpotOnlySetting {
            kind: "field_mapping",
            ..
        }
    );
    assert_reported!(own.errors(), FILE, 7, Problem::HubSpotOnlySetting { .. });
    assert!(dropdown.load().is_ok());
}
