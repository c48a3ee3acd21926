//! `request:` steps as a developer writes them: what deploys, and each mistake with its line.

use serde_json::json;

use super::*;

const FILE: &str = "workflows/sync.yaml";
const LAST_LINE: &str = "      email: \"{{event.email}}\"\n";

/// The base workflow with `step` appended as its second step (from line 11 on).
fn with_step(step: &str) -> Deploy {
    Deploy::with_workflow_change(LAST_LINE, &[LAST_LINE, step].concat())
}

// Not a `\` continuation: it would eat the first line's indentation.
const SEARCH: &str = "  - id: search
    request:
      method: POST
      path: /crm/v3/objects/contacts/search
      query:
        archived: \"false\"
      headers:
        X-Request-Source: \"paragon {{user.id}}\"
      body:
        filterGroups:
          - filters:
              - { propertyName: email, operator: EQ, value: \"{{steps.create_contact.output.properties.email}}\" }
        limit: 10
    on_error: continue
    retry: always
  - id: note
    action: hubspot.update_contact
    input:
      id: \"{{steps.create_contact.output.id}}\"
      jobtitle: \"search answered {{steps.search.status}}\"
";

#[test]
fn a_request_step_deploys_with_its_templates_and_types() {
    let bundle = with_step(SEARCH).load().expect("deploys");
    let steps = &bundle.workflows[0].steps;
    let StepKind::Request(search) = &steps[1].kind else {
        panic!("a request step: {:?}", steps[1]);
    };
    assert_eq!(search.request.method, HttpMethod::Post);
    assert_eq!(
        search.request.path.source(),
        "/crm/v3/objects/contacts/search"
    );
    assert_eq!(search.on_error, OnError::Continue);
    assert_eq!(search.retry, Retry::Always);
    let body = search.request.body.as_ref().expect("a body").to_json();
    assert_eq!(body["limit"], json!(10), "a plain number stays a number");
    assert_eq!(
        body["filterGroups"][0]["filters"][0]["value"],
        "{{steps.create_contact.output.properties.email}}"
    );
    // The bundle is stored as JSON and read back for every run.
    let stored = serde_json::to_string(&bundle).expect("serializes");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn a_step_stored_before_there_were_kinds_reads_as_an_action() {
    let stored = json!({
        "id": "create_contact",
        "action": "hubspot.create_contact",
        "on_conflict": "update",
        "input": {"email": "{{event.email}}"},
    });
    let step: Step = serde_json::from_value(stored).expect("an old step");
    assert!(matches!(
        step.kind,
        StepKind::Action(ActionStep {
            action: Action::CreateContact,
            on_conflict: OnConflict::Update,
            ..
        })
    ));
}

#[test]
fn a_step_needs_exactly_one_kind() {
    let two =
        with_step("  - id: both\n    action: hubspot.create_contact\n    request: {}\n").errors();
    assert_reported!(two, FILE, 11, Problem::StepKind { .. });
    let none = with_step("  - id: neither\n    input: {}\n").errors();
    assert_reported!(none, FILE, 11, Problem::StepKind { .. });
}

#[test]
fn each_mistake_in_a_request_is_reported_at_its_line() {
    let step = |method: &str, path: &str, extra: &str| {
        format!("  - id: call\n    request:\n      method: {method}\n      path: {path}\n{extra}")
    };
    let method = with_step(&step("FETCH", "/x", "")).errors();
    assert_reported!(method, FILE, 13, Problem::UnknownMethod(_));
    let relative = with_step(&step("GET", "crm/v3", "")).errors();
    assert_reported!(relative, FILE, 14, Problem::RequestPath);
    let header = with_step(&step(
        "GET",
        "/x",
        "      headers:\n        Authorization: Bearer x\n",
    ))
    .errors();
    assert_reported!(header, FILE, 16, Problem::PlatformHeader(_));
    let template = with_step(&step("GET", "/x", "      body: { a: \"{{event.\" }\n")).errors();
    assert_reported!(template, FILE, 15, Problem::Template { .. });
    let on_error = with_step(&step("GET", "/x", "    on_error: ignore\n")).errors();
    assert_reported!(on_error, FILE, 15, Problem::UnknownOnError(_));
    let retry = with_step(&step("GET", "/x", "    retry: never\n")).errors();
    assert_reported!(retry, FILE, 15, Problem::UnknownRetry(_));
    let key = with_step(&step("GET", "/x", "      form: {}\n")).errors();
    assert_reported!(key, FILE, 15, Problem::UnknownKey { .. });
}

#[test]
fn only_earlier_request_steps_have_a_status() {
    let action_status = with_step(
        "  - id: call\n    request:\n      method: GET\n      path: \"/x/{{steps.create_contact.status}}\"\n",
    )
    .errors();
    assert_reported!(action_status, FILE, 14, Problem::StatusOfAction { .. });
    let own = with_step(
        "  - id: call\n    request:\n      method: GET\n      path: \"/x/{{steps.call.status}}\"\n",
    )
    .errors();
    assert_reported!(own, FILE, 14, Problem::LaterStep { .. });
}
