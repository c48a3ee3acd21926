//! User settings as a developer declares them: what deploys, and each mistake with its line.

use super::*;

const FILE: &str = "workflows/sync.yaml";

/// The base workflow with `settings` (a YAML list, indented by two) before its steps.
fn with_settings(settings: &str) -> Deploy {
    Deploy::with_workflow_change("steps:\n", &["settings:\n", settings, "steps:\n"].concat())
}

#[test]
fn every_type_of_setting_deploys() {
    let bundle = with_settings(
        "  - { id: team, title: Team, type: text, required: true }
  - { id: seats, title: Seats, type: number, default: 3 }
  - { id: vip, title: VIP, type: boolean }
  - { id: stage, title: Stage, type: dropdown, options: [lead, { value: customer, label: Customer }], default: lead }
  - { id: owner, title: Owner, type: dynamic_dropdown, source: owners }
  - { id: extras, title: More, type: field_mapping, object: contacts, fields: [phone, { id: town, label: Town }] }
",
    )
    .load()
    .expect("deploys");
    let settings = &bundle.workflows[0].settings;
    assert_eq!(settings.len(), 6);
    assert!(settings[0].needs_a_value());
    assert_eq!(settings[1].default, Some(serde_json::json!(3)));
    let stored = serde_json::to_string(&bundle).expect("serializes");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn each_mistake_in_a_setting_is_reported_at_its_line() {
    // Line 7: the first setting (after `settings:` on line 6).
    for (setting, expected) in [
        ("{ id: a, title: A, type: colour }", "UnknownSettingType"),
        (
            "{ id: a, title: A, type: dynamic_dropdown, source: deals }",
            "UnknownSource",
        ),
        (
            "{ id: a, title: A, type: dropdown, options: [x, x] }",
            "DuplicateChoice",
        ),
        (
            "{ id: a, title: A, type: dropdown, options: [x], default: y }",
            "BadSettingDefault",
        ),
        (
            "{ id: a, title: A, type: number, default: many }",
            "BadSettingDefault",
        ),
        (
            "{ id: a, title: A, type: text, options: [x] }",
            "SettingKeyNotForType",
        ),
        (
            "{ id: a, title: A, type: field_mapping, object: deals, fields: [x] }",
            "UnknownMappedObject",
        ),
        ("{ id: A, title: A, type: text }", "InvalidId"),
    ] {
        let errors = with_settings(&format!("  - {setting}\n")).errors();
        assert!(
            errors
                .iter()
                .any(|e| e.line == 7 && format!("{:?}", e.problem).starts_with(expected)),
            "{setting}: expected {expected} at line 7, got {}",
            DeployErrors(errors.clone())
        );
    }
}

#[test]
fn a_required_setting_cannot_be_default_enabled_and_settings_must_exist() {
    let errors = Deploy::with_workflow_change(
        "steps:\n",
        "default_enabled: true\nsettings:\n  - { id: team, title: Team, type: text, required: true }\nsteps:\n",
    )
    .errors();
    assert_reported!(errors, FILE, 6, Problem::RequiredSettingDefaultEnabled(_));
    let errors = Deploy::with_workflow_change("{{event.email}}", "{{settings.nope}}").errors();
    assert_reported!(errors, FILE, 10, Problem::UnknownSetting { .. });
}

#[test]
fn a_field_mapping_step_names_a_field_mapping_setting() {
    const SETTINGS: &str = "settings:
  - { id: extras, title: More, type: field_mapping, object: contacts, fields: [phone] }
  - { id: team, title: Team, type: text }
steps:
";
    // The mapping is the action's last key, on line 14.
    let step = |setting: &str| {
        let text = [
            &WORKFLOW.replace("steps:\n", SETTINGS),
            "    field_mapping: { setting: ",
            setting,
            ", from: \"{{event}}\" }\n",
        ]
        .concat();
        Deploy::empty()
            .file("events/contact.yaml", EVENT)
            .file(FILE, &text)
    };
    let bundle = step("extras").load().expect("deploys");
    let StepKind::Action(action) = &bundle.workflows[0].steps[0].kind else {
        panic!("an action");
    };
    let mapping = action.field_mapping.as_ref().map(|m| m.setting.as_str());
    assert_eq!(mapping, Some("extras"));
    let errors = step("team").errors();
    assert_reported!(errors, FILE, 14, Problem::NotAFieldMapping(_));
}

#[test]
fn an_integration_page_declares_shared_settings_that_a_workflow_may_not_repeat() {
    let page = "integration: hubspot\ndescription: One line.\nsettings:\n  - { id: owner, title: Owner, type: dynamic_dropdown, source: owners }\n";
    let bundle = Deploy::with_workflow_change("{{event.email}}", "{{settings.owner}}")
        .file("integrations/hubspot.yaml", page)
        .load()
        .expect("a workflow reads its integration's settings");
    assert_eq!(bundle.integrations[0].settings[0].id.as_str(), "owner");
    let errors = with_settings("  - { id: owner, title: Mine, type: text }\n")
        .file("integrations/hubspot.yaml", page)
        .errors();
    assert_reported!(errors, FILE, 7, Problem::SettingShadowsShared(_));
    let errors = Deploy::with_workflow_change("", "")
        .file("integrations/hubspot.yaml", page)
        .file("integrations/again.yaml", page)
        .errors();
    assert_reported!(
        errors,
        "integrations/hubspot.yaml",
        1,
        Problem::DuplicateIntegrationPage { .. }
    );
}
