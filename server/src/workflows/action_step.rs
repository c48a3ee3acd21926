//! Reading an `action:` step: the keys its action takes ([`Action::step_keys`]: a key of another
//! action is a mistake, not an option), HubSpot's properties and `on_conflict`, and Salesforce's
//! `object`, fields, `record_id`, `match_on` and a find's `where`, `select` and `limit`. Every
//! problem is reported at its line.
//!
//! Salesforce's names (object, fields) are written in the step rather than in a template: they
//! go into URL paths and SOQL, so they are checked here as API names, once, and the values a run
//! renders only ever fill a field or a quoted literal (`soql`).

use super::{
    action::{Action, OnConflict},
    api_name::ApiName,
    error::Problem,
    fields::{self, Fields, Report},
    integration::IntegrationType,
    model::{ActionStep, ApplyMapping, Inputs},
    soql::{Literal, MAX_LIMIT},
    template::Template,
    template_value::TemplateValue,
    variables::{self, Scope},
    workflow::checked_template,
    yaml::{Node, Pos, Value},
};

const ACTION_KEYS: &[&str] = &[
    "id",
    "action",
    "on_conflict",
    "input",
    "field_mapping",
    "object",
    "record_id",
    "match_on",
    "where",
    "select",
    "limit",
];
const MAPPING_KEYS: &[&str] = &["setting", "from"];

/// An `action:` step of a workflow whose integration is `integration`.
pub(super) fn read_action(
    item: &Node,
    integration: Option<IntegrationType>,
    scope: Scope<'_>,
    report: &mut Report,
) -> Option<ActionStep> {
    let fields = Fields::read(item, "the step", ACTION_KEYS, report)?;
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
    if let Some(action) = action {
        check_keys(&fields, action, report);
    }
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
    let input = match fields.optional("input") {
        None => Some(Inputs::default()),
        Some(node) => read_input(node, action, scope, report),
    };
    let field_mapping = match fields.optional("field_mapping") {
        None => Some(None),
        Some(node) => read_mapping(node, scope, report).map(Some),
    };
    let object = match fields.optional("object") {
        None => Some(None),
        Some(node) => read_name(node, "object", "object", report).map(Some),
    };
    let record_id = match fields.optional("record_id") {
        None => Some(None),
        Some(node) => fields::text(node, "record_id", report)
            .and_then(|(text, pos)| checked_template(&text, "record_id", pos, scope, report))
            .map(Some),
    };
    let match_on = match fields.optional("match_on") {
        None => Some(None),
        Some(node) => read_name(node, "match_on", "field", report).map(Some),
    };
    if let (Some(Some(field)), Some(input), Some(node)) =
        (&match_on, &input, fields.optional("match_on"))
    {
        if !input.iter().any(|(key, _)| field.is(key)) {
            report.at(node.pos, Problem::MatchOnNotInInput(field.to_string()));
        }
    }
    let conditions = match fields.optional("where") {
        None => Some(Vec::new()),
        Some(node) => read_conditions(node, scope, report),
    };
    let select = match fields.optional("select") {
        None => Some(Vec::new()),
        Some(node) => read_select(node, report),
    };
    let limit = match fields.optional("limit") {
        None => Some(None),
        Some(node) => read_limit(node, report).map(Some),
    };
    Some(ActionStep {
        action: action?,
        on_conflict: on_conflict?,
        input: input?,
        field_mapping: field_mapping?,
        object: object?,
        record_id: record_id?,
        match_on: match_on?,
        conditions: conditions?,
        select: select?,
        limit: limit?,
    })
}

/// Reports the keys `action` needs and lacks, and those it does not take. `on_conflict` has a
/// problem of its own, reported where it is read.
fn check_keys(fields: &Fields<'_>, action: Action, report: &mut Report) {
    let (required, optional) = action.step_keys();
    for &key in ACTION_KEYS {
        if ["id", "action", "on_conflict"].contains(&key) {
            continue;
        }
        if required.contains(&key) {
            fields.required(key, report);
        } else if let (false, Some(pos)) = (optional.contains(&key), fields.key_pos(key)) {
            let takes = required
                .iter()
                .chain(optional)
                .map(|k| ["`", k, "`"].concat())
                .collect::<Vec<_>>()
                .join(", ");
            let action = action.as_str();
            report.at(pos, Problem::KeyNotForAction { key, action, takes });
        }
    }
}

/// A Salesforce object or field name written at `key`.
fn read_name(
    node: &Node,
    key: &'static str,
    what: &'static str,
    report: &mut Report,
) -> Option<ApiName> {
    let (name, pos) = fields::text(node, key, report)?;
    let parsed = ApiName::parse(&name);
    if parsed.is_none() {
        report.at(pos, Problem::InvalidApiName { what, name });
    }
    parsed
}

/// An action's `field_mapping: {setting, from}`: a field mapping setting the workflow reads,
/// and the data whose fields it maps.
fn read_mapping(node: &Node, scope: Scope<'_>, report: &mut Report) -> Option<ApplyMapping> {
    let fields = Fields::read(node, "`field_mapping`", MAPPING_KEYS, report)?;
    let setting = fields.text("setting", report).and_then(|(id, pos)| {
        let found = scope.mappings.iter().find(|m| m.as_str() == id).cloned();
        if found.is_none() {
            report.at(pos, Problem::NotAFieldMapping(id));
        }
        found
    });
    let from = fields
        .text("from", report)
        .and_then(|(text, pos)| checked_template(&text, "field_mapping.from", pos, scope, report));
    Some(ApplyMapping {
        setting: setting?,
        from: from?,
    })
}

/// `input:`, names to text templates: HubSpot's property names, or Salesforce's field names.
fn read_input(
    node: &Node,
    action: Option<Action>,
    scope: Scope<'_>,
    report: &mut Report,
) -> Option<Inputs> {
    let Value::Map(entries) = &node.value else {
        report.at(node.pos, Problem::NotAMapping { what: "`input`" });
        return None;
    };
    let mut inputs = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = entry.key.clone();
        if let Some(action) = action {
            check_input_key(action, &key, entry.key_pos, report);
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
                    if let Err(problem) = variables::check(path, &key, scope) {
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

/// An input's name as `action`'s provider spells its properties or fields.
fn check_input_key(action: Action, key: &str, pos: Pos, report: &mut Report) {
    if action.integration() == IntegrationType::SALESFORCE {
        match ApiName::parse(key) {
            None => report.at(
                pos,
                Problem::InvalidApiName {
                    what: "field",
                    name: key.to_owned(),
                },
            ),
            Some(name) if name.is("Id") => report.at(pos, Problem::IdNotWritable(key.to_owned())),
            Some(_) => {}
        }
    } else if key == "id" {
        if action != Action::UpdateContact {
            report.at(pos, Problem::IdNotAllowed(action.as_str()));
        }
    } else if !is_property_name(key) {
        report.at(pos, Problem::InvalidPropertyName(key.to_owned()));
    }
}

/// HubSpot's internal property names (custom ones included) are lowercase, so `firstName` is a
/// typo of `firstname` that HubSpot would only refuse at run time.
fn is_property_name(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `where:`, field names to one value each: a template (text, quoted in the SOQL), or a
/// number, `true`, `false` or `null` written bare.
fn read_conditions(
    node: &Node,
    scope: Scope<'_>,
    report: &mut Report,
) -> Option<Vec<(ApiName, TemplateValue)>> {
    let Value::Map(entries) = &node.value else {
        report.at(node.pos, Problem::NotAMapping { what: "`where`" });
        return None;
    };
    if entries.is_empty() {
        report.at(node.pos, Problem::NoConditions);
        return None;
    }
    let mut conditions = Vec::with_capacity(entries.len());
    let mut complete = true;
    for entry in entries {
        let name = ApiName::parse(&entry.key);
        if name.is_none() {
            let name = entry.key.clone();
            report.at(
                entry.key_pos,
                Problem::InvalidApiName {
                    what: "field",
                    name,
                },
            );
        }
        let key = ["where.", &entry.key].concat();
        let pos = entry.value.pos;
        let value = match written(&entry.value) {
            Some(Written::Template(text)) => {
                checked_template(&text, &key, pos, scope, report).map(TemplateValue::Text)
            }
            Some(Written::Bare(value)) => Some(TemplateValue::Literal(value)),
            None => {
                report.at(pos, Problem::BadCondition(entry.key.clone()));
                None
            }
        };
        match name.zip(value) {
            Some(condition) => conditions.push(condition),
            None => complete = false,
        }
    }
    complete.then_some(conditions)
}

/// How a condition's value is written.
enum Written {
    /// Text: a template, quoted in the SOQL.
    Template(String),
    /// A number, a boolean or `null`, as the YAML core schema reads a plain scalar.
    Bare(serde_json::Value),
}

/// A condition's value, `None` when it is not one value SOQL can compare with: nothing at all
/// (`Email:`), a list, a mapping, or a number SOQL would not read.
fn written(node: &Node) -> Option<Written> {
    match &node.value {
        Value::Scalar(scalar) if scalar.text.is_empty() => None,
        Value::Scalar(scalar) if scalar.plain => match node.to_json() {
            serde_json::Value::String(text) => Some(Written::Template(text)),
            bare => Literal::written(&bare).map(|_| Written::Bare(bare)),
        },
        Value::Scalar(scalar) => Some(Written::Template(scalar.text.clone())),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// `select:`, a list of field names, each once.
fn read_select(node: &Node, report: &mut Report) -> Option<Vec<ApiName>> {
    let items = match &node.value {
        Value::Seq(items) if !items.is_empty() => items,
        _ => {
            let expected = "a list of at least one field name";
            report.at(
                node.pos,
                Problem::WrongType {
                    key: "select",
                    expected,
                },
            );
            return None;
        }
    };
    let mut select: Vec<ApiName> = Vec::with_capacity(items.len());
    let mut complete = true;
    for item in items {
        match read_name(item, "select", "field", report) {
            Some(name) if select.iter().any(|s| s.is(name.as_str())) => {
                report.at(item.pos, Problem::DuplicateField(name.to_string()));
                complete = false;
            }
            Some(name) => select.push(name),
            None => complete = false,
        }
    }
    complete.then_some(select)
}

/// `limit:`, a bare whole number from 1 to [`MAX_LIMIT`].
fn read_limit(node: &Node, report: &mut Report) -> Option<u32> {
    let (found, limit) = match &node.value {
        Value::Scalar(scalar) if scalar.plain => (
            scalar.text.clone(),
            scalar
                .text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n)),
        ),
        Value::Scalar(scalar) => (format!("the text {:?}", scalar.text), None),
        Value::Seq(_) => ("a list".to_owned(), None),
        Value::Map(_) => ("a mapping".to_owned(), None),
    };
    if limit.is_none() {
        let max = MAX_LIMIT;
        report.at(node.pos, Problem::BadLimit { found, max });
    }
    limit
}
