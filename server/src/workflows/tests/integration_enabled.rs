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
