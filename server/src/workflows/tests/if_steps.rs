//! `if:` steps as a developer writes them: conditions, branches, what each branch may read,
//! and each mistake with its line.

use super::*;

const FILE: &str = "workflows/sync.yaml";
const LAST_LINE: &str = "      email: \"{{event.email}}\"\n";

/// The base workflow with `steps` appended after its first step (from line 11 on).
fn with_steps(steps: &str) -> Deploy {
    Deploy::with_workflow_change(LAST_LINE, &[LAST_LINE, steps].concat())
}

// Lines: 11 `- id: known`, 12 `if:`, 13 `all:`, 14 the comparison, 15 `then:`, 16 `- id:
// touch`, 19 `id:` input, 20 `jobtitle`, 21 `else:`, 22 `- id: make`, 26 `jobtitle`,
// 27 `- id: after`, 31 `jobtitle`.
const BRANCHES: &str = "  - id: known
    if:
      all:
        - { left: \"{{steps.create_contact.output.id}}\", op: exists }
    then:
      - id: touch
        action: hubspot.update_contact
        input:
          id: \"{{steps.create_contact.output.id}}\"
          jobtitle: THEN_TITLE
    else:
      - id: make
        action: hubspot.create_contact
        input:
          email: \"{{event.email}}\"
          jobtitle: ELSE_TITLE
  - id: after
    action: hubspot.upsert_contact
    input:
      email: \"{{event.email}}\"
      jobtitle: \"{{steps.touch.output.id}}{{steps.make.output.id}} {{steps.known.output.branch}}\"
";

fn branches(then_title: &str, else_title: &str) -> Deploy {
    with_steps(
        &BRANCHES
            .replace("THEN_TITLE", then_title)
            .replace("ELSE_TITLE", else_title),
    )
}

#[test]
fn an_if_deploys_with_its_condition_and_branches() {
    let bundle = branches("then", "else").load().expect("deploys");
    let steps = &bundle.workflows[0].steps;
    let StepKind::If(known) = &steps[1].kind else {
        panic!("an if step: {:?}", steps[1]);
    };
    let Condition::All { all } = &known.condition else {
        panic!("all: {:?}", known.condition);
    };
    assert!(
        matches!(&all[0], Condition::Compare(c) if c.op == Operator::Exists && c.right.is_none())
    );
    assert_eq!(known.then[0].id.as_str(), "touch");
    assert_eq!(known.otherwise[0].id.as_str(), "make");
    let stored = serde_json::to_string(&bundle).expect("serializes");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn a_branch_cannot_read_the_other_branch_and_ids_are_unique_across_branches() {
    let errors = branches(
        "\"{{steps.make.output.id}}\"",
        "\"{{steps.touch.output.id}}\"",
    )
    .errors();
    assert_reported!(errors, FILE, 20, Problem::LaterStep { .. });
    assert_reported!(errors, FILE, 26, Problem::LaterStep { .. });
    let twice = with_steps(
        &BRANCHES
            .replace("- id: make", "- id: touch")
            .replace("THEN_TITLE", "t")
            .replace("ELSE_TITLE", "e"),
    )
    .errors();
    assert_reported!(
        twice,
        FILE,
        22,
        Problem::DuplicateStep { first_line: 16, .. }
    );
}

#[test]
fn each_mistake_in_a_condition_is_reported_at_its_line() {
    let condition = |text: &str| {
        with_steps(&format!("  - id: check\n    if: {text}\n    then:\n      - id: inner\n        action: hubspot.upsert_contact\n        input:\n          email: \"{{{{event.email}}}}\"\n")).errors()
    };
    let op = condition("{ left: \"{{event.email}}\", op: equals_to, right: x }");
    assert_reported!(op, FILE, 12, Problem::UnknownOperator(_));
    let right = condition("{ left: \"{{event.email}}\", op: equals }");
    assert_reported!(right, FILE, 12, Problem::MissingRight("equals"));
    let extra = condition("{ left: \"{{event.email}}\", op: exists, right: 1 }");
    assert_reported!(extra, FILE, 12, Problem::RightNotAllowed("exists"));
    let key = condition("{ left: \"{{event.email}}\", operator: exists }");
    assert_reported!(key, FILE, 12, Problem::UnknownKey { .. });
    let variable = condition(
        "{ left: \"{{event.email}}\", op: equals, right: \"{{steps.inner.output.id}}\" }",
    );
    assert_reported!(variable, FILE, 12, Problem::LaterStep { .. });
    let not_a_list =
        with_steps("  - id: check\n    if: { left: x, op: exists }\n    then: nope\n").errors();
    assert_reported!(not_a_list, FILE, 13, Problem::WrongType { key: "then", .. });
}
