//! Request-triggered workflows (`trigger: request`) and `response:` steps as a developer
//! writes them: what deploys, and each mistake with its line.

use super::*;

const FILE: &str = "workflows/answer.yaml";

/// A request-triggered workflow; tests change one line and expect the error on that line:
/// 5 `request: {}`, 7 step id, 10 email, 11 response step, 13 status, 14 body.
const ANSWER: &str = "\
id: answer
name: Answer
integration: hubspot
trigger:
  request: {}
steps:
  - id: create
    action: hubspot.create_contact
    input:
      email: \"{{request.body.email}}\"
  - id: reply
    response:
      status: 201
      body: { id: \"{{steps.create.output.id}}\", tag: \"{{request.query.tag}}\", via: \"{{request.headers.x-acme}}\" }
";

/// The workflow above with `from` replaced by `to`, alone in a deploy (no App Event needed).
fn with_change(from: &str, to: &str) -> Deploy {
    assert!(ANSWER.contains(from), "the base workflow has {from:?}");
    Deploy::empty().file(FILE, &ANSWER.replace(from, to))
}

fn request_example_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hubspot-request")
}

#[test]
fn a_request_triggered_workflow_deploys_without_app_events() {
    let bundle = with_change("", "").load().expect("deploys");
    let workflow = &bundle.workflows[0];
    let Trigger::Request(trigger) = &workflow.trigger else {
        panic!("a request trigger: {:?}", workflow.trigger);
    };
    assert_eq!(trigger.budget_ms(), RequestTrigger::DEFAULT_MS);
    let StepKind::Response(reply) = &workflow.steps[1].kind else {
        panic!("a response step: {:?}", workflow.steps[1]);
    };
    assert_eq!(reply.response.status, 201);
    // Stored as JSON and read back for every run.
    let stored = serde_json::to_string(&bundle).expect("serializes");
    assert!(stored.contains(r#""trigger":{"request":{}}"#), "{stored}");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn the_issue_example_deploys_as_shipped() {
    let bundle = load_dir(&request_example_dir()).expect("the example deploys");
    let workflow = bundle
        .workflow("sync-company-contacts")
        .expect("the example's workflow");
    assert!(matches!(workflow.trigger, Trigger::Request(_)));
    let kinds: Vec<&str> = workflow.steps.iter().map(|s| s.kind.name()).collect();
    assert_eq!(kinds, ["request", "if", "for_each", "delay", "response"]);
}

#[test]
fn a_timeout_sets_the_budget_and_a_bad_one_is_reported_at_its_line() {
    let bundle = with_change("  request: {}\n", "  request:\n    timeout: 5s\n")
        .load()
        .expect("deploys");
    let Trigger::Request(trigger) = &bundle.workflows[0].trigger else {
        panic!("a request trigger");
    };
    assert_eq!(trigger.budget_ms(), 5_000);
    for bad in ["0s", "121s", "3m", "soon"] {
        let errors = with_change(
            "  request: {}\n",
            &format!("  request:\n    timeout: {bad}\n"),
        )
        .errors();
        assert_reported!(errors, FILE, 6, Problem::BadTimeout(_));
    }
}

#[test]
fn a_trigger_has_exactly_one_kind() {
    let both = with_change(
        "  request: {}\n",
        "  request: {}\n  app_event: Contact Created\n",
    )
    .errors();
    assert_reported!(both, FILE, 5, Problem::TriggerKind);
    let unknown = with_change("  request: {}\n", "  every: daily\n").errors();
    assert_reported!(unknown, FILE, 5, Problem::UnknownKey { .. });
}

#[test]
fn request_variables_need_a_request_trigger_and_event_variables_an_app_event() {
    // `request.*` in an App Event workflow.
    let errors = Deploy::with_workflow_change("{{event.email}}", "{{request.body.email}}").errors();
    assert_reported!(
        errors,
        "workflows/sync.yaml",
        10,
        Problem::RequestVariableOutside { .. }
    );
    // `event.*` in a request-triggered one.
    let errors = with_change("{{request.body.email}}", "{{event.email}}").errors();
    assert_reported!(errors, FILE, 10, Problem::EventVariableInRequest { .. });
    // Only `body`, `query` and `headers`.
    let errors = with_change("{{request.body.email}}", "{{request.cookies.email}}").errors();
    assert_reported!(errors, FILE, 10, Problem::RequestPathShape { .. });
}

#[test]
fn a_response_step_needs_a_request_trigger() {
    let step = "  - id: reply\n    response:\n      body: {}\n";
    let last = "      email: \"{{event.email}}\"\n";
    let errors = Deploy::with_workflow_change(last, &[last, step].concat()).errors();
    assert_reported!(
        errors,
        "workflows/sync.yaml",
        11,
        Problem::ResponseOutsideRequest
    );
}

#[test]
fn a_response_step_cannot_be_in_a_loop() {
    let looped = "  - id: each\n    for_each: \"{{request.body.items}}\"\n    steps:\n      - id: reply\n        response: { status: 200 }\n";
    let errors = with_change(
        "  - id: reply\n    response:\n      status: 201\n",
        &format!("{looped}  - id: after\n    response:\n      status: 201\n"),
    )
    .errors();
    assert_reported!(errors, FILE, 14, Problem::ResponseInLoop);
}

#[test]
fn a_bad_status_or_key_of_a_response_is_reported_at_its_line() {
    for bad in ["99", "600", "ok", "2.5", "\"{{request.body.status}}\""] {
        let errors = with_change("      status: 201\n", &format!("      status: {bad}\n")).errors();
        assert_reported!(errors, FILE, 13, Problem::BadStatus(_));
    }
    for platform in ["401", "403"] {
        let errors = with_change(
            "      status: 201\n",
            &format!("      status: {platform}\n"),
        )
        .errors();
        assert_reported!(errors, FILE, 13, Problem::PlatformStatus(_));
    }
    let errors = with_change("      status: 201\n", "      headers: {}\n").errors();
    assert_reported!(errors, FILE, 13, Problem::UnknownKey { .. });
}

#[test]
fn a_response_body_is_checked_like_any_template() {
    let errors = with_change("{{steps.create.output.id}}", "{{steps.later.output.id}}").errors();
    assert_reported!(errors, FILE, 14, Problem::UnknownStep { .. });
}
