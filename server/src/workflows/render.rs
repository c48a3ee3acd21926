//! Rendering templates against a run's values: the event payload, the end user, and the outputs
//! of the steps that already ran.

use serde_json::{Map, Value};

use super::template::{Part, Template, VarPath};

/// What variables resolve against during one run.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The App Event's payload: `event.*` (`null` in a request-triggered run).
    pub event: &'a Value,
    /// A request trigger's `{body, query, headers}`: `request.*` (`None` in the other runs).
    pub request: Option<&'a Value>,
    /// A new connection's `{integration, accountId, accountName}`: `connection.*` (`None` in
    /// the other runs).
    pub connection: Option<&'a Value>,
    /// A schedule's tick, `{time}`: `schedule.*` (`None` in the other runs).
    pub schedule: Option<&'a Value>,
    /// The end user's id (the user token's `sub`): `user.id`.
    pub user_id: &'a str,
    /// The end user's metadata: `user.meta.*`.
    pub user_meta: &'a Map<String, Value>,
    /// The user's settings the workflow reads (saved or default): `settings.*`.
    pub settings: &'a Map<String, Value>,
    /// Step id to that step's output, for the steps that ran: `steps.<id>.output.*`.
    pub steps: &'a Map<String, Value>,
    /// Step id to the HTTP status its provider answered, for the `request:` steps that ran:
    /// `steps.<id>.status`.
    pub statuses: &'a Map<String, Value>,
    /// Inside a `for_each`: the list's item of this iteration (`item.*`) and its index
    /// (`index`, from 0).
    pub iteration: Option<Iteration<'a>>,
}

#[cfg(test)]
impl<'a> Context<'a> {
    /// For tests: the event `event`, user `u`, and nothing else (`empty` for every map).
    pub fn of_event(event: &'a Value, empty: &'a Map<String, Value>) -> Self {
        Self {
            event,
            request: None,
            connection: None,
            schedule: None,
            user_id: "u",
            user_meta: empty,
            settings: empty,
            steps: empty,
            statuses: empty,
            iteration: None,
        }
    }
}

/// One iteration of a `for_each`.
#[derive(Debug, Clone, Copy)]
pub struct Iteration<'a> {
    /// The list's item.
    pub item: &'a Value,
    /// Its index, from 0.
    pub index: usize,
}

/// A rendered value and what went missing on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The value: of the variable's own JSON type when the template is exactly one variable, a
    /// string otherwise.
    pub value: Value,
    /// One line per variable that had no value (each rendered as an empty string).
    pub warnings: Vec<String>,
}

impl Template {
    /// Renders against `ctx`. Never fails: a variable without a value renders as `""` and adds
    /// a warning, which the engine records on the run.
    pub fn render(&self, ctx: &Context<'_>) -> Rendered {
        let mut warnings = Vec::new();
        let mut missing = |path: &VarPath| {
            let warning = format!("`{path}` has no value; rendered as an empty string");
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        };
        if let [Part::Var(path)] = self.parts() {
            let value = match lookup(path, ctx) {
                Some(value) => value,
                None => {
                    missing(path);
                    Value::String(String::new())
                }
            };
            return Rendered { value, warnings };
        }
        let mut text = String::new();
        for part in self.parts() {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Var(path) => match lookup(path, ctx) {
                    Some(value) => push_scalar_text(&mut text, &value),
                    None => missing(path),
                },
            }
        }
        Rendered {
            value: Value::String(text),
            warnings,
        }
    }
}

/// How a value reads inside text: strings as they are, `null` as nothing, numbers and booleans
/// as in JSON, arrays and objects as compact JSON.
pub(crate) fn push_scalar_text(text: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(s) => text.push_str(s),
        other => text.push_str(&other.to_string()),
    }
}

/// A value as it reads inside text, on its own (a path, a query value, a header, an operand).
pub(crate) fn scalar_text(value: &Value) -> String {
    let mut text = String::new();
    push_scalar_text(&mut text, value);
    text
}

/// The value at `path`, or `None` when any segment is missing (or the root is not a variable
/// root: deploy validation refuses those, but a run must not trust it).
fn lookup(path: &VarPath, ctx: &Context<'_>) -> Option<Value> {
    match path.segments() {
        [root, rest @ ..] if root == "event" => walk(ctx.event, rest).cloned(),
        [root, rest @ ..] if root == "request" => walk(ctx.request?, rest).cloned(),
        [root, rest @ ..] if root == "connection" => walk(ctx.connection?, rest).cloned(),
        [root, rest @ ..] if root == "schedule" => walk(ctx.schedule?, rest).cloned(),
        [root, id, rest @ ..] if root == "settings" => walk(ctx.settings.get(id)?, rest).cloned(),
        [root, id] if root == "user" && id == "id" => Some(Value::String(ctx.user_id.to_owned())),
        [root, meta] if root == "user" && meta == "meta" => {
            Some(Value::Object(ctx.user_meta.clone()))
        }
        [root, meta, key, rest @ ..] if root == "user" && meta == "meta" => {
            walk(ctx.user_meta.get(key)?, rest).cloned()
        }
        [root, step, output, rest @ ..] if root == "steps" && output == "output" => {
            walk(ctx.steps.get(step)?, rest).cloned()
        }
        [root, step, status] if root == "steps" && status == "status" => {
            ctx.statuses.get(step).cloned()
        }
        [root, rest @ ..] if root == "item" => walk(ctx.iteration?.item, rest).cloned(),
        [root] if root == "index" => Some(ctx.iteration?.index.into()),
        _ => None,
    }
}

fn walk<'v>(mut value: &'v Value, segments: &[String]) -> Option<&'v Value> {
    for segment in segments {
        value = match value {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    struct Values {
        event: Value,
        meta: Map<String, Value>,
        steps: Map<String, Value>,
        statuses: Map<String, Value>,
        request: Value,
        settings: Map<String, Value>,
    }

    impl Values {
        fn new() -> Self {
            let object = |v: Value| v.as_object().cloned().unwrap_or_default();
            Self {
                event: json!({
                    "email": "ada@example.com", "age": 36, "vip": true, "company": null,
                    "address": {"city": "London"}, "items": [{"sku": "A1"}, {"sku": "B2"}],
                }),
                meta: object(json!({"Email": "owner@app.example", "plan": {"tier": 2}})),
                steps: object(json!({"create_contact": {"id": "501", "properties": {}}})),
                statuses: object(json!({"search": 404})),
                request: json!({
                    "body": {"owner": "o@acme.test", "contacts": [{"email": "a@acme.test"}]},
                    "query": {"tag": "vip"},
                    "headers": {"x-acme": "1"},
                }),
                settings: object(json!({"stage": "lead", "owner": "17"})),
            }
        }

        fn ctx(&self) -> Context<'_> {
            Context {
                event: &self.event,
                request: Some(&self.request),
                connection: None,
                schedule: None,
                user_id: "user-42",
                user_meta: &self.meta,
                settings: &self.settings,
                steps: &self.steps,
                statuses: &self.statuses,
                iteration: None,
            }
        }
    }

    fn render(source: &str) -> Rendered {
        let values = Values::new();
        Template::parse(source)
            .expect("parses")
            .render(&values.ctx())
    }

    #[test]
    fn a_single_variable_keeps_its_json_type() {
        assert_eq!(render("{{event.age}}").value, json!(36));
        assert_eq!(render("{{ event.vip }}").value, json!(true));
        assert_eq!(render("{{event.address}}").value, json!({"city": "London"}));
        assert_eq!(render("{{event.company}}").value, Value::Null);
        assert!(render("{{event.age}}").warnings.is_empty());
    }

    #[test]
    fn a_mixed_template_makes_a_string() {
        let rendered = render("{{event.age}} y/o, vip={{event.vip}}, {{event.address}}");

        assert_eq!(
            rendered.value,
            json!(r#"36 y/o, vip=true, {"city":"London"}"#)
        );
        assert_eq!(render("[{{event.company}}]").value, json!("[]"));
        assert_eq!(render("no variables").value, json!("no variables"));
    }

    #[test]
    fn a_missing_value_is_empty_with_a_warning_naming_it() {
        let single = render("{{event.phone}}");
        let mixed = render("tel: {{event.phone}}, {{ event.phone }}");

        assert_eq!(single.value, json!(""));
        assert_eq!(single.warnings.len(), 1);
        assert!(single.warnings[0].contains("event.phone"));
        assert_eq!(mixed.value, json!("tel: , "));
        assert_eq!(mixed.warnings.len(), 1, "one warning per variable");
    }

    #[test]
    fn nested_paths_and_array_indexes_resolve() {
        assert_eq!(render("{{event.address.city}}").value, json!("London"));
        assert_eq!(render("{{event.items.1.sku}}").value, json!("B2"));
        assert_eq!(render("{{event.items.9.sku}}").value, json!(""));
        assert_eq!(render("{{event.email.domain}}").value, json!(""));
    }

    #[test]
    fn user_variables_resolve() {
        assert_eq!(render("{{user.id}}").value, json!("user-42"));
        assert_eq!(
            render("{{user.meta.Email}}").value,
            json!("owner@app.example")
        );
        assert_eq!(render("{{user.meta.plan.tier}}").value, json!(2));
        assert_eq!(render("{{user.meta.Missing}}").warnings.len(), 1);
    }

    #[test]
    fn earlier_step_outputs_resolve() {
        assert_eq!(
            render("{{steps.create_contact.output.id}}").value,
            json!("501")
        );
        assert_eq!(
            render("{{steps.create_contact.output}}").value,
            json!({"id": "501", "properties": {}})
        );
        assert_eq!(render("{{steps.later.output.id}}").warnings.len(), 1);
        assert_eq!(render("{{steps.search.status}}").value, json!(404));
        assert_eq!(render("{{steps.create_contact.status}}").warnings.len(), 1);
    }

    #[test]
    fn request_variables_resolve() {
        assert_eq!(render("{{request.body.owner}}").value, json!("o@acme.test"));
        assert_eq!(
            render("{{request.body.contacts}}").value,
            json!([{"email": "a@acme.test"}])
        );
        assert_eq!(render("{{request.query.tag}}").value, json!("vip"));
        assert_eq!(render("{{request.headers.x-acme}}").value, json!("1"));
        assert_eq!(render("{{request.body.missing}}").warnings.len(), 1);
    }

    #[test]
    fn settings_variables_resolve() {
        assert_eq!(render("{{settings.stage}}").value, json!("lead"));
        assert_eq!(render("owner {{settings.owner}}").value, json!("owner 17"));
        assert_eq!(render("{{settings.unset}}").warnings.len(), 1);
    }

    #[test]
    fn unknown_roots_render_empty_instead_of_failing() {
        let rendered = render("{{secrets.key}}{{user}}{{steps.create_contact.id}}");

        assert_eq!(rendered.value, json!(""));
        assert_eq!(rendered.warnings.len(), 3);
    }
}
