//! Reading one workflow file into a [`Workflow`], reporting every problem
//! the file has on its own; what needs the other files (declared events, unique ids) is checked
//! by the loader.

use super::{
    action::{Action, IntegrationType, OnConflict},
    error::Problem,
    fields::{self, Fields, Report},
    model::{Inputs, Step, StepId, Trigger, Workflow, WorkflowId},
    template::Template,
    variables,
    yaml::{Node, Pos, Value},
};

const WORKFLOW_KEYS: &[&str] = &[
    "id",
    "name",
    "integration",
    "default_enabled",
    "trigger",
    "steps",
];
const TRIGGER_KEYS: &[&str] = &["app_event"];
const STEP_KEYS: &[&str] = &["id", "action", "on_conflict", "input"];

/// A workflow and the places the loader's cross-file checks point at.
#[derive(Debug)]
pub(crate) struct Read {
    pub workflow: Workflow,
    pub id_pos: Pos,
    pub trigger_pos: Pos,
}

/// Reads the workflow; `None` when a required part is unusable (the report says why). A
/// `Some` may still come with reported problems.
pub(crate) fn read(root: &Node, report: &mut Report) -> Option<Read> {
    let fields = Fields::read(root, "the workflow", WORKFLOW_KEYS, report)?;
    let id = fields.text("id", report).and_then(|(id, pos)| {
        let parsed = WorkflowId::parse(&id).map(|id| (id, pos));
        if parsed.is_none() {
            let alphabet = WorkflowId::ALPHABET;
            let what = "workflow";
            report.at(pos, Problem::InvalidId { what, id, alphabet });
        }
        parsed
    });
    let name = fields.text("name", report);
    let integration = fields.text("integration", report).and_then(|(name, pos)| {
        let parsed = IntegrationType::parse(&name);
        if parsed.is_none() {
            report.at(pos, Problem::UnknownIntegration(name));
        }
        parsed
    });
    let default_enabled = match fields.optional("default_enabled") {
        Some(node) => fields::boolean(node, "default_enabled", report),
        None => Some(false),
    };
    let trigger = fields.required("trigger", report).and_then(|node| {
        let trigger = Fields::read(node, "the trigger", TRIGGER_KEYS, report)?;
        trigger.text("app_event", report)
    });
    let steps = fields
        .required("steps", report)
        .and_then(|node| read_steps(node, integration, report));
    let ((id, id_pos), (trigger, trigger_pos)) = (id?, trigger?);
    Some(Read {
        workflow: Workflow {
            id,
            name: name?.0,
            integration: integration?,
            default_enabled: default_enabled?,
            trigger: Trigger::AppEvent(trigger),
            steps: steps?,
        },
        id_pos,
        trigger_pos,
    })
}

fn read_steps(
    node: &Node,
    integration: Option<IntegrationType>,
    report: &mut Report,
) -> Option<Vec<Step>> {
    let Value::Seq(items) = &node.value else {
        let expected = "a list of steps";
        report.at(
            node.pos,
            Problem::WrongType {
                key: "steps",
                expected,
            },
        );
        return None;
    };
    if items.is_empty() {
        report.at(node.pos, Problem::NoSteps);
        return None;
    }
    // Ids first: a step's templates are checked against the steps before and after it.
    let mut ids: Vec<Option<StepId>> = Vec::with_capacity(items.len());
    let mut seen: Vec<(StepId, Pos)> = Vec::new();
    for item in items {
        let id = read_step_id(item, report);
        if let Some((id, pos)) = &id {
            match seen.iter().find(|(s, _)| s == id) {
                Some((_, first)) => report.at(
                    *pos,
                    Problem::DuplicateStep {
                        id: id.to_string(),
                        first_line: first.line,
                    },
                ),
                None => seen.push((id.clone(), *pos)),
            }
        }
        ids.push(id.map(|(id, _)| id));
    }
    let known: Vec<StepId> = ids.iter().flatten().cloned().collect();
    let mut steps = Vec::with_capacity(items.len());
    let mut before = 0;
    for (item, id) in items.iter().zip(ids) {
        let (earlier, later) = known.split_at(before);
        let step = read_step(item, integration, earlier, later, report);
        if id.is_some() {
            before += 1;
        }
        steps.push(id.zip(step).map(|(id, (action, on_conflict, input))| Step {
            id,
            action,
            on_conflict,
            input,
        }));
    }
    steps.into_iter().collect()
}

fn read_step_id(item: &Node, report: &mut Report) -> Option<(StepId, Pos)> {
    let Value::Map(entries) = &item.value else {
        return None; // reported by `read_step`
    };
    let Some(entry) = entries.iter().find(|e| e.key == "id") else {
        let (key, what) = ("id", "the step");
        report.at(item.pos, Problem::MissingKey { key, what });
        return None;
    };
    let (id, pos) = fields::text(&entry.value, "id", report)?;
    let parsed = StepId::parse(&id).map(|s| (s, pos));
    if parsed.is_none() {
        let (what, alphabet) = ("step", StepId::ALPHABET);
        report.at(pos, Problem::InvalidId { what, id, alphabet });
    }
    parsed
}

fn read_step(
    item: &Node,
    integration: Option<IntegrationType>,
    earlier: &[StepId],
    later: &[StepId],
    report: &mut Report,
) -> Option<(Action, OnConflict, Inputs)> {
    let fields = Fields::read(item, "the step", STEP_KEYS, report)?;
    let action = fields.text("action", report).and_then(|(name, pos)| {
        let Some(action) = Action::parse(&name) else {
            let known = Action::NAMES;
            report.at(pos, Problem::UnknownAction { name, known });
            return None;
        };
        if let Some(workflow) = integration.filter(|i| *i != action.integration()) {
            report.at(
                pos,
                Problem::ForeignAction {
                    action: action.as_str(),
                    action_integration: action.integration().as_str(),
                    workflow_integration: workflow.as_str(),
                },
            );
        }
        Some(action)
    });
    let on_conflict = match fields.optional("on_conflict") {
        None => Some(OnConflict::Fail),
        Some(node) => fields::text(node, "on_conflict", report).and_then(|(name, pos)| {
            let parsed = OnConflict::parse(&name);
            if parsed.is_none() {
                report.at(pos, Problem::UnknownOnConflict(name));
            } else if let Some(other) = action.filter(|a| *a != Action::CreateContact) {
                report.at(pos, Problem::OnConflictNotAllowed(other.as_str()));
            }
            parsed
        }),
    };
    let input = fields
        .required("input", report)
        .and_then(|node| read_input(node, action, earlier, later, report));
    Some((action?, on_conflict?, input?))
}

fn read_input(
    node: &Node,
    action: Option<Action>,
    earlier: &[StepId],
    later: &[StepId],
    report: &mut Report,
) -> Option<Inputs> {
    let Value::Map(entries) = &node.value else {
        report.at(node.pos, Problem::NotAMapping { what: "`input`" });
        return None;
    };
    let mut inputs = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = entry.key.clone();
        if key == "id" {
            if let Some(other) = action.filter(|a| *a != Action::UpdateContact) {
                report.at(entry.key_pos, Problem::IdNotAllowed(other.as_str()));
            }
        } else if !is_property_name(&key) {
            report.at(entry.key_pos, Problem::InvalidPropertyName(key.clone()));
        }
        let Value::Scalar(scalar) = &entry.value.value else {
            report.at(entry.value.pos, Problem::InputNotText(key));
            continue;
        };
        if scalar.is_null() {
            report.at(entry.value.pos, Problem::InputNotText(key));
            continue;
        }
        match Template::parse(&scalar.text) {
            Err(source) => report.at(entry.value.pos, Problem::Template { key, source }),
            Ok(template) => {
                for path in template.variables() {
                    if let Err(problem) = variables::check(path, &key, earlier, later) {
                        report.at(entry.value.pos, problem);
                    }
                }
                inputs.push((key, template));
            }
        }
    }
    for key in action.map(Action::required_inputs).unwrap_or_default() {
        if !entries.iter().any(|e| e.key == *key) {
            let action = action.map(Action::as_str).unwrap_or_default();
            report.at(node.pos, Problem::MissingInput { action, key });
        }
    }
    Some(Inputs(inputs))
}

/// HubSpot's internal property names (custom ones included) are lowercase, so `firstName` is a
/// typo of `firstname` that HubSpot would only refuse at run time.
fn is_property_name(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
