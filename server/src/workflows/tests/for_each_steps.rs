//! `for_each:` steps as a developer writes them: what deploys, what an iteration may read, and
//! each mistake with its line.

use super::*;

const FILE: &str = "workflows/sync.yaml";
const LAST_LINE: &str = "      email: \"{{event.email}}\"\n";

/// The base workflow with `steps` appended after its first step (from line 11 on).
fn with_steps(steps: &str) -> Deploy {
    Deploy::with_workflow_change(LAST_LINE, &[LAST_LINE, steps].concat())
}

// Lines: 11 `- id: each`, 12 `for_each`, 13 `steps:`, 14 `- id: upsert`, 17 `email`, 18
// `jobtitle`, 19 `- id: after`, 23 `jobtitle`.
const LOOP: &str = "  - id: each
    for_each: \"{{event.contacts}}\"
    steps:
      - id: upsert
        action: hubspot.upsert_contact
        input:
          email: \"{{item.email}}\"
          jobtitle: INNER
  - id: after
    action: hubspot.upsert_contact
    input:
      email: \"{{event.email}}\"
      jobtitle: OUTER
";

fn looped(inner: &str, outer: &str) -> Deploy {
    with_steps(&LOOP.replace("INNER", inner).replace("OUTER", outer))
}

#[test]
fn a_for_each_deploys_and_its_steps_read_item_index_and_earlier_steps() {
    let bundle = looped(
        "\"#{{index}} of {{steps.create_contact.output.id}}\"",
        "\"{{steps.each.output.0.id}}\"",
    )
    .load()
    .expect("deploys");
    let StepKind::ForEach(each) = &bundle.workflows[0].steps[1].kind else {
        panic!("a for_each step");
    };
    assert_eq!(each.items.source(), "{{event.contacts}}");
    assert_eq!(each.steps[0].id.as_str(), "upsert");
    let stored = serde_json::to_string(&bundle).expect("serializes");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn item_and_index_exist_only_inside_and_inner_steps_only_within_an_iteration() {
    let outside = looped("\"x\"", "\"{{item.email}} {{index}}\"").errors();
    assert_reported!(outside, FILE, 23, Problem::LoopVariableOutside { .. });
    let inner_step = looped("\"x\"", "\"{{steps.upsert.output.id}}\"").errors();
    assert_reported!(inner_step, FILE, 23, Problem::LaterStep { .. });
    let list = with_steps("  - id: each\n    for_each: \"{{item}}\"\n    steps:\n      - id: inner\n        action: hubspot.upsert_contact\n        input:\n          email: x\n").errors();
    assert_reported!(list, FILE, 12, Problem::LoopVariableOutside { .. });
}

#[test]
fn a_for_each_needs_steps() {
    let none = with_steps("  - id: each\n    for_each: \"{{event.contacts}}\"\n").errors();
    assert_reported!(none, FILE, 11, Problem::MissingKey { key: "steps", .. });
    let empty =
        with_steps("  - id: each\n    for_each: \"{{event.contacts}}\"\n    steps: []\n").errors();
    assert_reported!(empty, FILE, 13, Problem::NoSteps);
}
