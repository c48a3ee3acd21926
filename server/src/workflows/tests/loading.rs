//! Loading whole directories: the guide's example, what a bundle holds, how errors read.

use serde_json::{Map, Value, json};

use super::*;

#[test]
fn the_guide_example_loads_as_the_design_describes() {
    let bundle = load_dir(&guide_dir()).expect("the example deploys");

    assert_eq!(bundle.events.len(), 1);
    assert_eq!(bundle.events[0].name, "Contact Created");
    assert_eq!(bundle.events[0].example["title"], json!("Engineer"));
    let workflow = bundle
        .workflow("sync-contact-to-hubspot")
        .expect("the guide's workflow");
    assert_eq!(workflow.integration, IntegrationType::HUBSPOT);
    assert!(!workflow.default_enabled);
    assert_eq!(
        workflow.trigger,
        Trigger::AppEvent("Contact Created".into())
    );
    assert_eq!(bundle.triggered_by("Contact Created").count(), 1);
    let StepKind::Action(step) = &workflow.steps[0].kind else {
        panic!("an action step");
    };
    assert_eq!(step.action, Action::CreateContact);
    assert_eq!(step.on_conflict, OnConflict::Update);
    let keys: Vec<&str> = step.input.iter().map(|(key, _)| key).collect();
    assert_eq!(
        keys,
        [
            "email",
            "firstname",
            "lastname",
            "company",
            "jobtitle",
            "lifecyclestage",
            "hubspot_owner_id"
        ]
    );
    let settings: Vec<&str> = bundle
        .settings_of(workflow)
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(settings, ["owner", "more_fields", "lifecycle_stage"]);
}

#[test]
fn the_guide_example_payload_becomes_the_five_hubspot_properties_and_the_default_stage() {
    let bundle = load_dir(&guide_dir()).expect("the example deploys");
    let (event, step) = (&bundle.events[0], &bundle.workflows[0].steps[0]);
    let StepKind::Action(step) = &step.kind else {
        panic!("an action step");
    };
    let (meta, outputs, statuses) = (Map::new(), Map::new(), Map::new());
    // A user who chose nothing: the stage's default, no owner.
    let id = crate::ids::WorkflowId::parse("w").expect("an id");
    let settings = crate::user_settings::values_for(
        &bundle,
        &bundle.workflows[0],
        &id,
        &crate::user_settings::Saved::default(),
    );
    let ctx = Context {
        event: &event.example,
        request: None,
        connection: None,
        schedule: None,
        user_id: "user-1",
        user_meta: &meta,
        settings: &settings,
        steps: &outputs,
        statuses: &statuses,
        iteration: None,
    };

    let (input, warnings) = render_inputs(&step.input, "input", &ctx);
    let request = ContactRequest::new(step.action, &input).expect("complete");

    assert!(warnings.is_empty(), "{warnings:?}");
    let properties: Vec<(&str, &str)> = request
        .properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        properties,
        [
            ("company", "Analytical Engines"),
            ("email", "ada@example.com"),
            ("firstname", "Ada"),
            ("jobtitle", "Engineer"),
            ("lastname", "Lovelace"),
            ("lifecyclestage", "lead"),
        ]
    );
}

#[test]
fn a_bundle_round_trips_through_json() {
    let deploy = Deploy::empty().file("events/contact.yaml", EVENT).file(
        "workflows/two-steps.yaml",
        "id: two-steps\nname: Two steps\nintegration: hubspot\ndefault_enabled: true\n\
             trigger: {app_event: Contact Created}\nsteps:\n\
             - {id: upsert, action: hubspot.upsert_contact, input: {email: '{{event.email}}'}}\n\
             - id: tag\n  action: hubspot.update_contact\n  input:\n    \
             id: '{{steps.upsert.output.id}}'\n    lifecyclestage: customer\n",
    );
    let bundle = deploy.load().expect("valid");

    let text = serde_json::to_string(&bundle).expect("serializes");
    let back: Bundle = serde_json::from_str(&text).expect("deserializes");

    assert_eq!(back, bundle);
    let stored: Value = serde_json::from_str(&text).expect("JSON");
    let step = &stored["workflows"][0]["steps"][1];
    assert_eq!(step["action"], json!("hubspot.update_contact"));
    assert_eq!(step["input"]["id"], json!("{{steps.upsert.output.id}}"));
    assert_eq!(
        stored["workflows"][0]["trigger"]["app_event"],
        json!("Contact Created")
    );
}

#[test]
fn stored_json_with_a_bad_id_or_template_does_not_deserialize() {
    let bundle = load_dir(&guide_dir()).expect("the example deploys");
    let text = serde_json::to_string(&bundle).expect("serializes");

    let bad_id = text.replace("sync-contact-to-hubspot", "Not An Id");
    let bad_template = text.replace("{{event.email}}", "{{event.email");

    assert!(serde_json::from_str::<Bundle>(&bad_id).is_err());
    assert!(serde_json::from_str::<Bundle>(&bad_template).is_err());
}

#[test]
fn example_payloads_keep_yaml_types() {
    let event = parse_event(
        "events/e.yaml",
        "name: E\nexample:\n  n: 12\n  f: 1.5\n  b: true\n  s: '12'\n  z: ~\n  l: [a, 2]\n  hex: 0x1F\n",
    )
    .expect("valid");

    assert_eq!(
        event.example,
        json!({"n": 12, "f": 1.5, "b": true, "s": "12", "z": null, "l": ["a", 2], "hex": 31})
    );
}

#[test]
fn every_problem_of_a_deploy_is_reported_in_file_order() {
    let deploy = Deploy::empty()
        .file("events/a.yaml", "name: A\nexample: [not, a, mapping]\n")
        .file(
            "workflows/b.yaml",
            &WORKFLOW.replace("name: Sync", "nme: Sync"),
        )
        .file(
            "workflows/a.yaml",
            &WORKFLOW
                .replace("hubspot.create_contact", "hubspot.delete_contact")
                .replace("{{event.email}}", "{{evnt.email}}"),
        );

    let errors = deploy.errors();
    let located: Vec<(String, usize)> = errors
        .iter()
        .map(|e| (e.file.display().to_string(), e.line))
        .collect();

    assert_eq!(
        located,
        [
            ("events/a.yaml".into(), 2),
            ("workflows/a.yaml".into(), 8),
            ("workflows/a.yaml".into(), 10),
            ("workflows/b.yaml".into(), 1),
            ("workflows/b.yaml".into(), 2),
        ],
        "{}",
        DeployErrors(errors.clone())
    );
}

#[test]
fn errors_read_like_a_compilers() {
    let errors = Deploy::with_workflow_change("hubspot.create_contact", "hubspot.delete").errors();

    let column = errors[0].column;
    let text = DeployErrors(errors).to_string();

    assert!(
        text.starts_with("workflows/sync.yaml:8: unknown action `hubspot.delete`"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1);
    assert_eq!(column, Some(13), "the column of the value");
}

#[test]
fn errors_serialize_as_file_line_column_and_message() {
    let errors = Deploy::with_workflow_change("hubspot.create_contact", "hubspot.delete").errors();

    let json = serde_json::to_value(&errors[0]).expect("serializes");

    assert_eq!(json["file"], json!("workflows/sync.yaml"));
    assert_eq!(json["line"], json!(8));
    assert_eq!(json["column"], json!(13));
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("unknown action"))
    );
}

#[test]
fn files_other_than_yaml_are_ignored_and_yml_is_read() {
    let deploy = Deploy::empty()
        .file("events/contact.yml", EVENT)
        .file("events/README.md", "not yaml: [")
        .file("workflows/sync.yaml", WORKFLOW);

    let bundle = deploy.load().expect("valid");

    assert_eq!(bundle.events.len(), 1);
}

#[test]
fn a_directory_without_workflows_is_refused() {
    let deploy = Deploy::empty().file("events/contact.yaml", EVENT);

    assert_reported!(deploy.errors(), "workflows", 1, Problem::NoWorkflows);
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let deploy = Deploy::empty();
    let missing = deploy.dir.path().join("nope");

    let errors = load_dir(&missing).expect_err("no such directory");

    assert!(matches!(errors.0[0].problem, Problem::Read(_)));
}

#[test]
fn the_branch_and_loop_example_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hubspot-company-sync");
    let bundle = load_dir(&dir).expect("the example deploys");
    let workflow = bundle
        .workflow("sync-company-contacts")
        .expect("the example's workflow");
    let kinds: Vec<&str> = workflow.steps.iter().map(|s| s.kind.name()).collect();
    assert_eq!(kinds, ["request", "if", "for_each", "delay", "action"]);
}
