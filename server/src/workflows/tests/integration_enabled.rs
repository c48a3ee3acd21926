//! Workflows started by a new connection (`trigger: integration_enabled: {}`): what deploys,
//! and each mistake with its line.

use super::*;

const FILE: &str = "workflows/welcome.yaml";

/// Lines: 5 the trigger, 10 the email.
const WELCOME: &str = "\
id: welcome
name: Welcome
integration: hubspot
trigger:
  integration_enabled: {}
steps:
  - id: create
    action: hubspot.create_contact
    input:
      email: \"welcome-{{connection.accountId}}@acme.test\"
";

fn with_change(from: &str, to: &str) -> Deploy {
    assert!(WELCOME.contains(from), "the base workflow has {from:?}");
    Deploy::empty().file(FILE, &WELCOME.replace(from, to))
}

#[test]
fn a_welcome_workflow_deploys_without_app_events_bare_or_with_braces() {
    for trigger in ["  integration_enabled: {}\n", "  integration_enabled:\n"] {
        let bundle = with_change("  integration_enabled: {}\n", trigger)
            .load()
            .expect("deploys");
        assert_eq!(bundle.workflows[0].trigger, Trigger::IntegrationEnabled);
    }
}

#[test]
fn it_takes_no_options_and_is_one_kind_of_trigger() {
    let options = with_change(
        "integration_enabled: {}",
        "integration_enabled: { when: first }",
    )
    .errors();
    assert_reported!(options, FILE, 5, Problem::UnknownKey { .. });
    let both = with_change(
        "  integration_enabled: {}\n",
        "  integration_enabled: {}\n  app_event: Contact Created\n",
    )
    .errors();
    assert_reported!(both, FILE, 5, Problem::TriggerKind);
}

#[test]
fn connection_variables_need_the_trigger_and_event_variables_an_app_event() {
    let errors = with_change("{{connection.accountId}}", "{{event.email}}").errors();
    assert_reported!(errors, FILE, 10, Problem::EventVariableInConnection { .. });
    let errors =
        Deploy::with_workflow_change("{{event.email}}", "{{connection.accountName}}").errors();
    assert_reported!(
        errors,
        "workflows/sync.yaml",
        10,
        Problem::ConnectionVariableOutside { .. }
    );
}

/// A HubSpot change workflow: line 5 the trigger.
const CHANGED: &str = "\
id: changed
name: Changed
integration: hubspot
trigger:
  provider_event: contact.propertyChange
  property: email
steps:
  - id: note
    action: hubspot.update_contact
    input:
      id: \"{{event.objectId}}\"
      lastname: \"{{event.propertyValue}}\"
";

fn changed(from: &str, to: &str) -> Deploy {
    assert!(CHANGED.contains(from), "the base workflow has {from:?}");
    Deploy::empty().file("workflows/changed.yaml", &CHANGED.replace(from, to))
}

#[test]
fn a_provider_event_workflow_reads_hubspots_event() {
    let bundle = changed("", "").load().expect("deploys");
    let Trigger::ProviderEvent(trigger) = &bundle.workflows[0].trigger else {
        panic!("a provider event: {:?}", bundle.workflows[0].trigger);
    };
    assert_eq!(trigger.key(), "contact.propertyChange:email");
}

#[test]
fn provider_events_are_hubspots_and_a_property_goes_with_a_property_change() {
    let unknown = changed("contact.propertyChange", "contact.teleported").errors();
    assert_reported!(
        unknown,
        "workflows/changed.yaml",
        5,
        Problem::UnknownProviderEvent(_)
    );
    let property = changed("contact.propertyChange", "contact.creation").errors();
    assert_reported!(
        property,
        "workflows/changed.yaml",
        6,
        Problem::PropertyWithoutProviderEvent
    );
    let alone = changed(
        "  provider_event: contact.propertyChange\n",
        "  app_event: Contact Created\n",
    )
    .errors();
    assert_reported!(
        alone,
        "workflows/changed.yaml",
        6,
        Problem::PropertyWithoutProviderEvent
    );
    let salesforce = Deploy::empty()
        .file(
            "workflows/changed.yaml",
            "id: changed\nname: Changed\nintegration: salesforce\ntrigger:\n  provider_event: contact.creation\nsteps:\n  - id: read\n    request:\n      method: GET\n      path: /sobjects/Contact\n",
        )
        .errors();
    assert_reported!(
        salesforce,
        "workflows/changed.yaml",
        5,
        Problem::ProviderEventsOf(_)
    );
}
