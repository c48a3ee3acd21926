//! A run as the tree its workflow walked: each step with its attempts and output, an `if` with
//! the branch that ran and that branch's steps, a `for_each` with each iteration's item and
//! steps, a `delay` with its wake-up time. Built from the workflow's deployed version and the
//! run's records, which key a step inside a loop as `<loop>.<index>.<step>` (the runner's
//! keys, `engine::runner`).

use serde_json::{Map, Value, json};

use crate::{
    storage::Attempt,
    workflows::{Step, StepKind},
};

/// What a step's node is built from: the run's attempts and stored outputs.
#[derive(Debug)]
pub struct Records<'a> {
    /// Every attempt of the run.
    pub attempts: &'a [Attempt],
    /// Every stored output, by key (with the runner's `#items` and `#wake` entries).
    pub outputs: &'a Map<String, Value>,
}

/// The nodes of `steps`, their keys prefixed with `prefix` (`""` at the top).
pub fn nodes(steps: &[Step], prefix: &str, records: &Records<'_>) -> Vec<Value> {
    steps
        .iter()
        .map(|step| node(step, &[prefix, step.id.as_str()].concat(), records))
        .collect()
}

fn node(step: &Step, key: &str, records: &Records<'_>) -> Value {
    let attempts: Vec<Value> = records
        .attempts
        .iter()
        .filter(|a| a.step_id == key)
        .map(attempt_json)
        .collect();
    let output = records.outputs.get(key);
    let state = match (output, records.attempts.iter().rfind(|a| a.step_id == key)) {
        (Some(_), _) => "succeeded",
        (None, Some(last)) => last.outcome.as_str(),
        (None, None) => "not_run",
    };
    let mut node = json!({
        "stepId": step.id.as_str(), "key": key, "kind": step.kind.name(), "state": state,
        "attempts": attempts, "output": output,
    });
    match &step.kind {
        StepKind::If(branches) => {
            if let Some(output) = output {
                let (name, steps) = if output["branch"] == "then" {
                    ("then", &branches.then)
                } else {
                    ("else", &branches.otherwise)
                };
                let prefix = &key[..key.len() - step.id.as_str().len()];
                node["branch"] = name.into();
                node["steps"] = nodes(steps, prefix, records).into();
            }
        }
        StepKind::ForEach(each) => {
            let items = records.outputs.get(&[key, "#items"].concat());
            let items = items.and_then(Value::as_array).map(Vec::as_slice);
            let iterations: Vec<Value> = items
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let prefix = format!("{key}.{index}.");
                    json!({ "index": index, "item": item, "steps": nodes(&each.steps, &prefix, records) })
                })
                .collect();
            node["iterations"] = iterations.into();
        }
        StepKind::Delay(_) => {
            node["wakeAt"] = records
                .outputs
                .get(&[key, "#wake"].concat())
                .cloned()
                .unwrap_or(Value::Null);
        }
        StepKind::Action(_)
        | StepKind::Request(_)
        | StepKind::Response(_)
        | StepKind::Notify(_) => {}
    }
    node
}

/// One attempt as Task History shows it.
pub fn attempt_json(a: &Attempt) -> Value {
    json!({
        "stepId": a.step_id, "attempt": a.attempt, "outcome": a.outcome.as_str(), "error": a.error,
        "request": a.request, "response": a.response, "startedAt": a.started_ms, "finishedAt": a.finished_ms,
    })
}
