//! Reading one workflow file into a [`Workflow`], reporting every problem
//! the file has on its own; what needs the other files (declared events, unique ids) is checked
//! by the loader.

use super::{
    action_step,
    condition::{Comparison, Condition, Operator},
    error::Problem,
    fields::{self, Fields, Report},
    integration::IntegrationType,
    model::{
        Answer, ApiCall, Delay, DelayStep, ForEachStep, HttpMethod, IfStep, Inputs,
        IntegrationPage, Notification, NotifyStep, OnError, ProviderEventTrigger, RequestStep,
        RequestTrigger, ResponseStep, Retry, ScheduleTrigger, SettingId, Step, StepId, StepKind,
        Trigger, Workflow, WorkflowId,
    },
    notification,
    schedule::ScheduleError,
    settings,
    template::Template,
    template_value::TemplateValue,
    variables::{self, Scope},
    yaml::{Node, Pos, Value},
};

const WORKFLOW_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "integration",
    "default_enabled",
    "trigger",
    "settings",
    "steps",
];
const TRIGGER_KEYS: &[&str] = &[
    "app_event",
    "request",
    "integration_enabled",
    "provider_event",
    "property",
    "schedule",
    "timezone",
];
const REQUEST_TRIGGER_KEYS: &[&str] = &["timeout"];
const REQUEST_STEP_KEYS: &[&str] = &["id", "request", "on_error", "retry"];
const REQUEST_KEYS: &[&str] = &["method", "path", "query", "headers", "body"];
/// The keys that say what a step is, built or not.
const KINDS: &[&str] = &[
    "action", "request", "if", "for_each", "delay", "response", "notify",
];
const IF_STEP_KEYS: &[&str] = &["id", "if", "then", "else"];
const FOR_EACH_KEYS: &[&str] = &["id", "for_each", "steps"];
const DELAY_KEYS: &[&str] = &["id", "delay"];
const RESPONSE_STEP_KEYS: &[&str] = &["id", "response"];
const RESPONSE_KEYS: &[&str] = &["status", "body"];
const NOTIFY_STEP_KEYS: &[&str] = &["id", "notify"];
const NOTIFY_KEYS: &[&str] = &["type", "data"];
const CONDITION_KEYS: &[&str] = &["left", "op", "right"];
/// The keys of a step that hold steps.
const NESTED: &[&str] = &["then", "else", "steps"];
/// The keys of a step whose steps, once it ran, later steps may read (a loop's are per
/// iteration: outside it, only the loop's own output is).
const BRANCHES: &[&str] = &["then", "else"];
/// Headers the platform sets on every call to the provider.
const PLATFORM_HEADERS: &[&str] = &["authorization", "host", "content-length"];

/// A workflow and the places the loader's cross-file checks point at.
#[derive(Debug)]
pub(crate) struct Read {
    pub workflow: Workflow,
    pub id_pos: Pos,
    pub trigger_pos: Pos,
    /// The type of each `notify:` step, at every depth, and where it is written.
    pub notify_types: Vec<(String, Pos)>,
}

/// Reads the workflow, whose templates may read the settings of its integration's page in
/// `pages`; `None` when a required part is unusable (the report says why). A `Some` may still
/// come with reported problems.
pub(crate) fn read(root: &Node, pages: &[IntegrationPage], report: &mut Report) -> Option<Read> {
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
    let description = fields.optional_text("description", report);
    let default_enabled = match fields.optional("default_enabled") {
        Some(node) => fields::boolean(node, "default_enabled", report),
        None => Some(false),
    };
    let shared: Vec<_> = pages
        .iter()
        .filter(|p| Some(p.integration) == integration)
        .flat_map(|p| p.settings.iter())
        .collect();
    let shared_ids: Vec<SettingId> = shared.iter().map(|s| s.id.clone()).collect();
    let own_settings = match fields.optional("settings") {
        None => Some(Vec::new()),
        Some(node) => settings::read_list(node, &shared_ids, integration, report),
    };
    // A setting no default fills keeps the workflow off until the user fills it in.
    if let (Some(true), Some(own)) = (default_enabled, &own_settings) {
        let needed: Vec<&str> = shared
            .iter()
            .copied()
            .chain(own)
            .filter(|s| s.needs_a_value())
            .map(|s| s.id.as_str())
            .collect();
        if let (false, Some(node)) = (needed.is_empty(), fields.optional("default_enabled")) {
            report.at(
                node.pos,
                Problem::RequiredSettingDefaultEnabled(needed.join(", ")),
            );
        }
    }
    let readable: Vec<SettingId> = shared_ids
        .iter()
        .cloned()
        .chain(own_settings.iter().flatten().map(|s| s.id.clone()))
        .collect();
    let mappings: Vec<SettingId> = shared
        .iter()
        .copied()
        .chain(own_settings.iter().flatten())
        .filter(|s| matches!(s.input, settings::Input::FieldMapping { .. }))
        .map(|s| s.id.clone())
        .collect();
    let trigger = fields
        .required("trigger", report)
        .and_then(|node| read_trigger(node, integration, report));
    let by_request = matches!(trigger, Some((Trigger::Request(_), _)));
    let by_connection = matches!(trigger, Some((Trigger::IntegrationEnabled, _)));
    let by_schedule = matches!(trigger, Some((Trigger::Schedule(_), _)));
    let steps = fields.required("steps", report).and_then(|node| {
        let settings = (&readable[..], &mappings[..]);
        read_steps(
            node,
            integration,
            (by_request, by_connection, by_schedule),
            settings,
            report,
        )
    });
    let mut notify_types = Vec::new();
    if let Some(Value::Seq(items)) = fields.optional("steps").map(|node| &node.value) {
        collect_notify_types(items, &mut notify_types);
    }
    let ((id, id_pos), (trigger, trigger_pos)) = (id?, trigger?);
    Some(Read {
        workflow: Workflow {
            id,
            name: name?.0,
            description: description?,
            integration: integration?,
            default_enabled: default_enabled?,
            trigger,
            settings: own_settings?,
            steps: steps?,
        },
        id_pos,
        trigger_pos,
        notify_types,
    })
}

/// `trigger:`: exactly one of `app_event: <name>`, `request: {timeout}`,
/// `integration_enabled: {}`, `provider_event: <type>` and `schedule: "<cron>"`; the position
/// the loader points at for an undeclared event.
fn read_trigger(
    node: &Node,
    integration: Option<IntegrationType>,
    report: &mut Report,
) -> Option<(Trigger, Pos)> {
    let trigger = Fields::read(node, "the trigger", TRIGGER_KEYS, report)?;
    if trigger.optional("schedule").is_some() {
        let others = [
            "app_event",
            "request",
            "integration_enabled",
            "provider_event",
            "property",
        ];
        if others.iter().any(|k| trigger.optional(k).is_some()) {
            report.at(node.pos, Problem::TriggerKind);
            return None;
        }
        return read_schedule(&trigger, report);
    }
    if let Some(timezone) = trigger.optional("timezone") {
        report.at(timezone.pos, Problem::TimezoneWithoutSchedule);
        return None;
    }
    if trigger.optional("provider_event").is_some() {
        let others = ["app_event", "request", "integration_enabled"];
        if others.iter().any(|k| trigger.optional(k).is_some()) {
            report.at(node.pos, Problem::TriggerKind);
            return None;
        }
        return read_provider_event(&trigger, integration, report);
    }
    if let Some(property) = trigger.optional("property") {
        report.at(property.pos, Problem::PropertyWithoutProviderEvent);
        return None;
    }
    match (
        trigger.optional("app_event"),
        trigger.optional("request"),
        trigger.optional("integration_enabled"),
    ) {
        (None, None, Some(enabled)) => {
            // `integration_enabled: {}` and a bare `integration_enabled:` alike: it takes no
            // options.
            match &enabled.value {
                Value::Scalar(s) if s.is_null() => {}
                _ => {
                    Fields::read(enabled, "`integration_enabled`", &[], report)?;
                }
            }
            Some((Trigger::IntegrationEnabled, enabled.pos))
        }
        (Some(_), None, None) => {
            let (name, pos) = trigger.text("app_event", report)?;
            Some((Trigger::AppEvent(name), pos))
        }
        (None, Some(request), None) => {
            // `request: {}` and a bare `request:` alike.
            let timeout = match &request.value {
                Value::Scalar(s) if s.is_null() => None,
                _ => Fields::read(request, "`request`", REQUEST_TRIGGER_KEYS, report)?
                    .optional("timeout"),
            };
            let timeout = match timeout {
                None => None,
                Some(node) => {
                    let (text, pos) = fields::text(node, "timeout", report)?;
                    let budget = Delay::parse(&text)
                        .filter(|d| (1_000..=RequestTrigger::MAX_MS).contains(&d.ms()));
                    if budget.is_none() {
                        report.at(pos, Problem::BadTimeout(text));
                        return None;
                    }
                    budget
                }
            };
            Some((Trigger::Request(RequestTrigger { timeout }), request.pos))
        }
        _ => {
            report.at(node.pos, Problem::TriggerKind);
            None
        }
    }
}

/// `schedule: "<cron>"` and its optional `timezone:`: a bad expression is reported at the
/// schedule's line, an unknown zone at the zone's.
fn read_schedule(trigger: &Fields<'_>, report: &mut Report) -> Option<(Trigger, Pos)> {
    let (cron, pos) = trigger.text("schedule", report)?;
    let timezone = match trigger.optional("timezone") {
        None => None,
        Some(node) => Some(fields::text(node, "timezone", report)?),
    };
    let spec = ScheduleTrigger {
        cron,
        timezone: timezone.as_ref().map(|(zone, _)| zone.clone()),
    };
    let problem = match spec.schedule() {
        // From the epoch: the calendar repeats, so a pattern with no slot after it has none at
        // all, and the check does not depend on the day of the deploy.
        Ok(schedule) if schedule.next_after(0).is_some() => {
            return Some((Trigger::Schedule(spec), pos));
        }
        Ok(_) => ScheduleError::Never(spec.cron),
        Err(error) => error,
    };
    let at = match (&problem, &timezone) {
        (ScheduleError::Zone(_), Some((_, zone_pos))) => *zone_pos,
        _ => pos,
    };
    report.at(at, Problem::BadSchedule(problem));
    None
}

/// `provider_event: <type>` and its optional `property:`. Webhooks are received from HubSpot
/// so far: its CRM subscription types, `property` only for a `*.propertyChange`.
fn read_provider_event(
    trigger: &Fields<'_>,
    integration: Option<IntegrationType>,
    report: &mut Report,
) -> Option<(Trigger, Pos)> {
    let (event, pos) = trigger.text("provider_event", report)?;
    if integration.is_some_and(|i| i.as_str() != "hubspot") {
        report.at(
            pos,
            Problem::ProviderEventsOf(
                integration
                    .map(|i| i.as_str().to_owned())
                    .unwrap_or_default(),
            ),
        );
        return None;
    }
    if !is_hubspot_subscription(&event) {
        report.at(pos, Problem::UnknownProviderEvent(event));
        return None;
    }
    let property = match trigger.optional("property") {
        None => None,
        Some(node) => {
            let (property, property_pos) = fields::text(node, "property", report)?;
            if !event.ends_with(".propertyChange") {
                report.at(property_pos, Problem::PropertyWithoutProviderEvent);
                return None;
            }
            Some(property)
        }
    };
    Some((
        Trigger::ProviderEvent(ProviderEventTrigger { event, property }),
        pos,
    ))
}

/// HubSpot's CRM webhook subscription types (its Node client's enum).
fn is_hubspot_subscription(event: &str) -> bool {
    const OBJECTS: &[&str] = &[
        "contact",
        "company",
        "deal",
        "ticket",
        "product",
        "line_item",
    ];
    const CHANGES: &[&str] = &[
        "creation",
        "deletion",
        "propertyChange",
        "merge",
        "restore",
        "associationChange",
    ];
    event == "contact.privacyDeletion"
        || event
            .split_once('.')
            .is_some_and(|(object, change)| OBJECTS.contains(&object) && CHANGES.contains(&change))
}

fn read_steps(
    node: &Node,
    integration: Option<IntegrationType>,
    (by_request, by_connection, by_schedule): (bool, bool, bool),
    (settings, mappings): (&[SettingId], &[SettingId]),
    report: &mut Report,
) -> Option<Vec<Step>> {
    let items = step_list(node, "steps", report)?;
    if items.is_empty() {
        report.at(node.pos, Problem::NoSteps);
        return None;
    }
    // Ids first, of the steps at every depth: they are unique in the workflow, and a step's
    // templates are checked against the steps that can have run before it.
    let mut seen: Vec<(StepId, Pos)> = Vec::new();
    let mut requests = Vec::new();
    collect_ids(items, &mut seen, &mut requests, report);
    let all: Vec<StepId> = seen.into_iter().map(|(id, _)| id).collect();
    let reader = StepReader {
        integration,
        all: &all,
        requests: &requests,
        in_loop: false,
        by_request,
        by_connection,
        by_schedule,
        settings,
        mappings,
    };
    reader.list(items, &mut Vec::new(), report)
}

/// `node` as a list of steps, or the problem that it is not one.
fn step_list<'n>(node: &'n Node, key: &'static str, report: &mut Report) -> Option<&'n [Node]> {
    let Value::Seq(items) = &node.value else {
        let expected = "a list of steps";
        report.at(node.pos, Problem::WrongType { key, expected });
        return None;
    };
    Some(items)
}

/// The lists of steps nested in a step under `keys`.
fn nested<'n>(item: &'n Node, keys: &'static [&'static str]) -> impl Iterator<Item = &'n [Node]> {
    let entries = match &item.value {
        Value::Map(entries) => entries.as_slice(),
        _ => &[],
    };
    entries
        .iter()
        .filter(move |e| keys.contains(&e.key.as_str()))
        .filter_map(|e| match &e.value.value {
            Value::Seq(items) => Some(items.as_slice()),
            _ => None,
        })
}

/// Every step id at any depth, in document order (duplicates reported), and which are
/// `request` steps.
fn collect_ids(
    items: &[Node],
    seen: &mut Vec<(StepId, Pos)>,
    requests: &mut Vec<StepId>,
    report: &mut Report,
) {
    for item in items {
        if let Some((id, pos)) = read_step_id(item, report) {
            match seen.iter().find(|(s, _)| *s == id) {
                Some((_, first)) => report.at(
                    pos,
                    Problem::DuplicateStep {
                        id: id.to_string(),
                        first_line: first.line,
                    },
                ),
                None => {
                    if has_key(item, "request") {
                        requests.push(id.clone());
                    }
                    seen.push((id, pos));
                }
            }
        }
        for list in nested(item, NESTED) {
            collect_ids(list, seen, requests, report);
        }
    }
}

/// The `type` of every `notify:` step in `items` and the lists nested in them, with its place
/// (the loader checks each is declared in notifications/).
fn collect_notify_types(items: &[Node], out: &mut Vec<(String, Pos)>) {
    for item in items {
        let Value::Map(entries) = &item.value else {
            continue;
        };
        let notify = entries.iter().find(|e| e.key == "notify");
        if let Some(Value::Map(fields)) = notify.map(|e| &e.value.value) {
            let kind = fields.iter().find(|f| f.key == "type");
            if let Some((Value::Scalar(scalar), pos)) = kind.map(|f| (&f.value.value, f.value.pos))
            {
                out.push((scalar.text.clone(), pos));
            }
        }
        for list in nested(item, NESTED) {
            collect_notify_types(list, out);
        }
    }
}

/// The id of a step, already reported if it has none or a bad one.
fn quiet_id(item: &Node) -> Option<StepId> {
    let Value::Map(entries) = &item.value else {
        return None;
    };
    let entry = entries.iter().find(|e| e.key == "id")?;
    match &entry.value.value {
        Value::Scalar(scalar) => StepId::parse(&scalar.text),
        _ => None,
    }
}

/// The step ids in `item`'s branches, at any depth, that later steps may read.
fn nested_ids(item: &Node, out: &mut Vec<StepId>) {
    for list in nested(item, BRANCHES) {
        for inner in list {
            out.extend(quiet_id(inner));
            nested_ids(inner, out);
        }
    }
}

/// What reading the steps of one workflow needs at every depth.
struct StepReader<'a> {
    integration: Option<IntegrationType>,
    /// Every step id of the workflow.
    all: &'a [StepId],
    /// The ids of its `request` steps.
    requests: &'a [StepId],
    /// Whether the steps read are inside a `for_each`.
    in_loop: bool,
    /// Whether the workflow is request-triggered (`request.*`, `response` steps).
    by_request: bool,
    /// Whether it is triggered by a new connection (`connection.*`, no `event.*`).
    by_connection: bool,
    /// Whether it is triggered by its schedule (`schedule.time`, no `event.*`).
    by_schedule: bool,
    /// The settings the workflow reads (`settings.<id>`).
    settings: &'a [SettingId],
    /// Those that are field mappings.
    mappings: &'a [SettingId],
}

impl StepReader<'_> {
    /// A list of steps, run in order after the steps `visible` names (those that can have run
    /// before; the list adds its own as it goes).
    fn list(
        &self,
        items: &[Node],
        visible: &mut Vec<StepId>,
        report: &mut Report,
    ) -> Option<Vec<Step>> {
        let mut steps = Vec::with_capacity(items.len());
        for item in items {
            let id = quiet_id(item);
            let kind = self.step(item, visible, report);
            // After a step: it, and every step nested in it (whichever branch ran).
            visible.extend(id.clone());
            nested_ids(item, visible);
            steps.push(id.zip(kind).map(|(id, kind)| Step { id, kind }));
        }
        steps.into_iter().collect()
    }

    /// A step: exactly one of the kind keys, then that kind's own keys.
    fn step(&self, item: &Node, visible: &[StepId], report: &mut Report) -> Option<StepKind> {
        let Value::Map(entries) = &item.value else {
            report.at(item.pos, Problem::NotAMapping { what: "a step" });
            return None;
        };
        let later: Vec<StepId> = self
            .all
            .iter()
            .filter(|id| !visible.contains(id))
            .cloned()
            .collect();
        let scope = Scope {
            earlier: visible,
            later: &later,
            requests: self.requests,
            in_loop: self.in_loop,
            by_request: self.by_request,
            by_connection: self.by_connection,
            by_schedule: self.by_schedule,
            settings: self.settings,
            mappings: self.mappings,
        };
        let kinds: Vec<&'static str> = KINDS
            .iter()
            .copied()
            .filter(|kind| entries.iter().any(|e| e.key == *kind))
            .collect();
        match kinds.as_slice() {
            ["action"] => action_step::read_action(item, self.integration, scope, report)
                .map(StepKind::Action),
            ["request"] => read_request_step(item, scope, report).map(StepKind::Request),
            ["if"] => self.read_if(item, visible, scope, report).map(StepKind::If),
            ["delay"] => read_delay(item, report).map(StepKind::Delay),
            ["for_each"] => self
                .read_for_each(item, visible, scope, report)
                .map(StepKind::ForEach),
            ["response"] => read_response(item, scope, report).map(StepKind::Response),
            ["notify"] => read_notify(item, scope, report).map(StepKind::Notify),
            found => {
                let found = if found.is_empty() {
                    "none".to_owned()
                } else {
                    found
                        .iter()
                        .map(|k| ["`", k, "`"].concat())
                        .collect::<Vec<_>>()
                        .join(" and ")
                };
                report.at(item.pos, Problem::StepKind { found });
                None
            }
        }
    }

    /// An `if:` step: the condition, and the branches, each seeing the steps before the `if`
    /// (and not the other branch's).
    fn read_if(
        &self,
        item: &Node,
        visible: &[StepId],
        scope: Scope<'_>,
        report: &mut Report,
    ) -> Option<IfStep> {
        let fields = Fields::read(item, "the step", IF_STEP_KEYS, report)?;
        let condition = fields
            .required("if", report)
            .and_then(|node| read_condition(node, scope, report));
        let mut branch = |key: &'static str| match fields.optional(key) {
            None => Some(Vec::new()),
            Some(node) => {
                let items = step_list(node, key, report)?;
                self.list(items, &mut visible.to_vec(), report)
            }
        };
        let then = branch("then");
        let otherwise = branch("else");
        Some(IfStep {
            condition: condition?,
            then: then?,
            otherwise: otherwise?,
        })
    }
}

impl StepReader<'_> {
    /// A `for_each:` step: the list, and the steps of an iteration, which see the steps before
    /// the loop, `item` and `index`.
    fn read_for_each(
        &self,
        item: &Node,
        visible: &[StepId],
        scope: Scope<'_>,
        report: &mut Report,
    ) -> Option<ForEachStep> {
        let fields = Fields::read(item, "the step", FOR_EACH_KEYS, report)?;
        let items = fields
            .text("for_each", report)
            .and_then(|(text, pos)| checked_template(&text, "for_each", pos, scope, report));
        let steps = fields.required("steps", report).and_then(|node| {
            let items = step_list(node, "steps", report)?;
            if items.is_empty() {
                report.at(node.pos, Problem::NoSteps);
                return None;
            }
            let inner = StepReader {
                in_loop: true,
                ..*self
            };
            inner.list(items, &mut visible.to_vec(), report)
        });
        Some(ForEachStep {
            items: items?,
            steps: steps?,
        })
    }
}

/// A `delay:` step.
fn read_delay(item: &Node, report: &mut Report) -> Option<DelayStep> {
    let fields = Fields::read(item, "the step", DELAY_KEYS, report)?;
    let (text, pos) = fields.text("delay", report)?;
    let delay = Delay::parse(&text);
    if delay.is_none() {
        report.at(pos, Problem::BadDelay(text));
    }
    Some(DelayStep { delay: delay? })
}

/// A `response:` step: only in a request-triggered workflow, and not in a loop (a request has
/// one answer).
fn read_response(item: &Node, scope: Scope<'_>, report: &mut Report) -> Option<ResponseStep> {
    let fields = Fields::read(item, "the step", RESPONSE_STEP_KEYS, report)?;
    let node = fields.required("response", report)?;
    if !scope.by_request {
        report.at(item.pos, Problem::ResponseOutsideRequest);
        return None;
    }
    if scope.in_loop {
        report.at(item.pos, Problem::ResponseInLoop);
        return None;
    }
    let answer = Fields::read(node, "`response`", RESPONSE_KEYS, report)?;
    let status = match answer.optional("status") {
        None => Some(200),
        Some(node) => match &node.value {
            Value::Scalar(s) if s.plain => s
                .text
                .parse::<u16>()
                .ok()
                .filter(|status| (200..=599).contains(status)),
            _ => None,
        }
        .or_else(|| {
            report.at(node.pos, Problem::BadStatus(node.to_json().to_string()));
            None
        })
        .and_then(|status| {
            // Clients read these as refusals of the user token: the platform's SDK renews the
            // token and sends the request again (a second run), Paragon's logs the user out.
            if matches!(status, 401 | 403) {
                report.at(node.pos, Problem::PlatformStatus(status));
                return None;
            }
            Some(status)
        }),
    };
    let body = match answer.optional("body") {
        None => Some(None),
        Some(node) => read_template_value(node, "response.body", scope, report).map(Some),
    };
    Some(ResponseStep {
        response: Answer {
            status: status?,
            body: body?,
        },
    })
}

/// A `notify:` step: its `type` well formed (the loader checks it is declared) and its `data`
/// a template value, checked as every template is.
fn read_notify(item: &Node, scope: Scope<'_>, report: &mut Report) -> Option<NotifyStep> {
    let fields = Fields::read(item, "the step", NOTIFY_STEP_KEYS, report)?;
    let node = fields.required("notify", report)?;
    let notify = Fields::read(node, "`notify`", NOTIFY_KEYS, report)?;
    let kind =
        notify
            .text("type", report)
            .and_then(|(kind, pos)| match notification::check_type(&kind) {
                Ok(()) => Some(kind),
                Err(why) => {
                    report.at(pos, Problem::NotificationType(why));
                    None
                }
            });
    let data = match notify.optional("data") {
        None => Some(None),
        Some(node) => read_template_value(node, "notify.data", scope, report).map(Some),
    };
    Some(NotifyStep {
        notify: Notification {
            kind: kind?,
            data: data?,
        },
    })
}

/// An `if:`'s condition: `all:` or `any:` of conditions, or one comparison.
fn read_condition(node: &Node, scope: Scope<'_>, report: &mut Report) -> Option<Condition> {
    // Each combinator with the only key its mapping may have.
    const COMBINATORS: [(&str, &[&str]); 2] = [("all", &["all"]), ("any", &["any"])];
    for (key, keys) in COMBINATORS {
        if !has_key(node, key) {
            continue;
        }
        let fields = Fields::read(node, "the condition", keys, report)?;
        let list = fields.required(keys[0], report)?;
        let Value::Seq(items) = &list.value else {
            let expected = "a list of conditions";
            report.at(
                list.pos,
                Problem::WrongType {
                    key: keys[0],
                    expected,
                },
            );
            return None;
        };
        let read: Vec<Option<Condition>> = items
            .iter()
            .map(|c| read_condition(c, scope, report))
            .collect();
        let conditions = read.into_iter().collect::<Option<Vec<_>>>()?;
        return Some(match key {
            "all" => Condition::All { all: conditions },
            _ => Condition::Any { any: conditions },
        });
    }
    let fields = Fields::read(node, "the condition", CONDITION_KEYS, report)?;
    let left = fields
        .required("left", report)
        .and_then(|node| read_template_value(node, "if.left", scope, report));
    let op = fields.text("op", report).and_then(|(name, pos)| {
        let parsed = Operator::parse(&name);
        if parsed.is_none() {
            report.at(pos, Problem::UnknownOperator(name));
        }
        parsed
    });
    let right = match fields.optional("right") {
        None => Some(None),
        Some(node) => read_template_value(node, "if.right", scope, report).map(Some),
    };
    let (left, op, right) = (left?, op?, right?);
    match (op.is_binary(), &right) {
        (true, None) => {
            report.at(node.pos, Problem::MissingRight(op.as_str()));
            None
        }
        (false, Some(_)) => {
            report.at(node.pos, Problem::RightNotAllowed(op.as_str()));
            None
        }
        _ => Some(Condition::Compare(Comparison { left, op, right })),
    }
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

fn has_key(item: &Node, key: &str) -> bool {
    matches!(&item.value, Value::Map(entries) if entries.iter().any(|e| e.key == key))
}

/// A `request:` step: the call, then `on_error` and `retry`.
fn read_request_step(item: &Node, scope: Scope<'_>, report: &mut Report) -> Option<RequestStep> {
    let fields = Fields::read(item, "the step", REQUEST_STEP_KEYS, report)?;
    let request = fields
        .required("request", report)
        .and_then(|node| read_request(node, scope, report));
    let on_error = match fields.optional("on_error") {
        None => Some(OnError::Fail),
        Some(node) => fields::text(node, "on_error", report).and_then(|(name, pos)| {
            let parsed = match name.as_str() {
                "fail" => Some(OnError::Fail),
                "continue" => Some(OnError::Continue),
                _ => None,
            };
            if parsed.is_none() {
                report.at(pos, Problem::UnknownOnError(name));
            }
            parsed
        }),
    };
    let retry = match fields.optional("retry") {
        None => Some(Retry::Safe),
        Some(node) => fields::text(node, "retry", report).and_then(|(name, pos)| {
            let parsed = match name.as_str() {
                "safe" => Some(Retry::Safe),
                "always" => Some(Retry::Always),
                _ => None,
            };
            if parsed.is_none() {
                report.at(pos, Problem::UnknownRetry(name));
            }
            parsed
        }),
    };
    Some(RequestStep {
        request: request?,
        on_error: on_error?,
        retry: retry?,
    })
}

/// `request:`'s `method`, `path`, `query`, `headers` and `body`.
fn read_request(node: &Node, scope: Scope<'_>, report: &mut Report) -> Option<ApiCall> {
    let fields = Fields::read(node, "`request`", REQUEST_KEYS, report)?;
    let method = fields.text("method", report).and_then(|(name, pos)| {
        let parsed = HttpMethod::parse(&name);
        if parsed.is_none() {
            report.at(pos, Problem::UnknownMethod(name));
        }
        parsed
    });
    let path = fields.text("path", report).and_then(|(text, pos)| {
        let template = checked_template(&text, "request.path", pos, scope, report)?;
        if !text.starts_with('/') {
            report.at(pos, Problem::RequestPath);
            return None;
        }
        Some(template)
    });
    let query = match fields.optional("query") {
        None => Some(Inputs::default()),
        Some(node) => read_templates(node, "request.query", scope, report),
    };
    let headers = match fields.optional("headers") {
        None => Some(Inputs::default()),
        Some(node) => read_templates(node, "request.headers", scope, report).and_then(|h| {
            let platform = h
                .iter()
                .find(|(name, _)| PLATFORM_HEADERS.contains(&name.to_ascii_lowercase().as_str()));
            if let Some((name, _)) = platform {
                report.at(node.pos, Problem::PlatformHeader(name.to_owned()));
                return None;
            }
            Some(h)
        }),
    };
    let body = match fields.optional("body") {
        None => Some(None),
        Some(node) => read_template_value(node, "request.body", scope, report).map(Some),
    };
    Some(ApiCall {
        method: method?,
        path: path?,
        query: query?,
        headers: headers?,
        body: body?,
    })
}

/// A mapping of names to text templates (`query`, `headers`).
fn read_templates(
    node: &Node,
    what: &'static str,
    scope: Scope<'_>,
    report: &mut Report,
) -> Option<Inputs> {
    let Value::Map(entries) = &node.value else {
        report.at(node.pos, Problem::NotAMapping { what });
        return None;
    };
    let mut out = Vec::with_capacity(entries.len());
    let mut complete = true;
    for entry in entries {
        let key = [what, ".", &entry.key].concat();
        let text = match &entry.value.value {
            Value::Scalar(scalar) if !scalar.is_null() => scalar.text.clone(),
            _ => {
                report.at(entry.value.pos, Problem::InputNotText(key));
                complete = false;
                continue;
            }
        };
        match checked_template(&text, &key, entry.value.pos, scope, report) {
            Some(template) => out.push((entry.key.clone(), template)),
            None => complete = false,
        }
    }
    complete.then_some(Inputs(out))
}

/// A request's `body`, a condition's side: any YAML value; its strings are templates (checked
/// under the name `key`), the rest JSON as the YAML core schema reads it.
pub(super) fn read_template_value(
    node: &Node,
    key: &str,
    scope: Scope<'_>,
    report: &mut Report,
) -> Option<TemplateValue> {
    Some(match &node.value {
        Value::Scalar(scalar) if scalar.plain => match node.to_json() {
            serde_json::Value::String(text) => TemplateValue::Text(checked_template(
                &text,
                "request.body",
                node.pos,
                scope,
                report,
            )?),
            literal => TemplateValue::Literal(literal),
        },
        Value::Scalar(scalar) => TemplateValue::Text(checked_template(
            &scalar.text,
            key,
            node.pos,
            scope,
            report,
        )?),
        Value::Seq(items) => {
            let read: Vec<Option<TemplateValue>> = items
                .iter()
                .map(|i| read_template_value(i, key, scope, report))
                .collect();
            TemplateValue::List(read.into_iter().collect::<Option<_>>()?)
        }
        Value::Map(entries) => {
            let read: Vec<Option<(String, TemplateValue)>> = entries
                .iter()
                .map(|e| {
                    Some((
                        e.key.clone(),
                        read_template_value(&e.value, key, scope, report)?,
                    ))
                })
                .collect();
            TemplateValue::Object(read.into_iter().collect::<Option<_>>()?)
        }
    })
}

/// `text` parsed as a template whose variables the step may use; the problems reported at
/// `pos` under the name `key`.
pub(super) fn checked_template(
    text: &str,
    key: &str,
    pos: Pos,
    scope: Scope<'_>,
    report: &mut Report,
) -> Option<Template> {
    match Template::parse(text) {
        Err(source) => {
            let key = key.to_owned();
            report.at(pos, Problem::Template { key, source });
            None
        }
        Ok(template) => {
            let mut valid = true;
            for path in template.variables() {
                if let Err(problem) = variables::check(path, key, scope) {
                    report.at(pos, problem);
                    valid = false;
                }
            }
            valid.then_some(template)
        }
    }
}
