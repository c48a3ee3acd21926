//! The definitions a deploy holds, as checked values. They serialize to one JSON document, which
//! the engine stores as a deployed version and reads back for every run.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    action::{Action, OnConflict},
    api_name::ApiName,
    appearance::Appearance,
    condition::Condition,
    integration::IntegrationType,
    settings::Setting,
    template::Template,
    template_value::TemplateValue,
};

/// Everything one deploy directory defines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The App Events, in file order.
    pub events: Vec<AppEvent>,
    /// The workflows, in file order.
    pub workflows: Vec<Workflow>,
    /// What the Connect Portal shows of each integration, and its shared user settings
    /// (`integrations/*.yaml`); absent from versions deployed before there were any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub integrations: Vec<IntegrationPage>,
    /// How the Connect Portal looks (`appearance.yaml`); absent when the deploy has no such
    /// file, and from versions deployed before there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<Appearance>,
    /// The project's own notification types (`notifications/*.yaml`), which `notify:` steps
    /// send to the app's webhook endpoints; absent from versions deployed before there were any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<NotificationType>,
}

impl Bundle {
    /// The workflow with this id.
    pub fn workflow(&self, id: &str) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.id.as_str() == id)
    }

    /// The portal page of `integration`, if the deploy wrote one.
    pub fn integration(&self, integration: IntegrationType) -> Option<&IntegrationPage> {
        self.integrations
            .iter()
            .find(|i| i.integration == integration)
    }

    /// The settings `workflow` reads: its integration's (shared), then its own.
    pub fn settings_of<'a>(&'a self, workflow: &'a Workflow) -> impl Iterator<Item = &'a Setting> {
        let shared = self.integration(workflow.integration);
        shared
            .into_iter()
            .flat_map(|page| page.settings.iter())
            .chain(workflow.settings.iter())
    }

    /// The App Event with this name.
    pub fn event(&self, name: &str) -> Option<&AppEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// The workflows an App Event named `event_name` starts.
    pub fn triggered_by<'a>(&'a self, event_name: &'a str) -> impl Iterator<Item = &'a Workflow> {
        self.workflows
            .iter()
            .filter(move |w| w.trigger.app_event() == Some(event_name))
    }
}

/// What the Connect Portal shows of an integration (`integrations/<type>.yaml`), and the user
/// settings its workflows share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationPage {
    /// The integration.
    pub integration: IntegrationType,
    /// One line under the integration's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What it does, in Markdown (the portal renders a safe subset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
    /// The settings every workflow of the integration reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
}

/// An App Event the app sends (`paragon.event(name, payload)`), with the guide's "Event Schema":
/// an example payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppEvent {
    /// The name the app sends, e.g. `Contact Created`.
    pub name: String,
    /// What the event means, for the app's developers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An example payload (a JSON object).
    pub example: serde_json::Value,
}

/// A notification type the project declares for its `notify:` steps, e.g. `contact.changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationType {
    /// The type the app's webhook endpoints subscribe to and receive.
    #[serde(rename = "type")]
    pub name: String,
    /// What it means, for the app's developers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An example of its `data` (a JSON object), when the declaration gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
}

/// A workflow: one trigger, then its steps in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Unique in the deploy; stays the same across versions, so users' choices (enabled or
    /// not) follow it.
    pub id: WorkflowId,
    /// The name shown in the Connect Portal.
    pub name: String,
    /// What it does, shown under its name in the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The integration the user must have connected.
    pub integration: IntegrationType,
    /// Whether the workflow runs for users who never toggled it.
    pub default_enabled: bool,
    /// What starts a run.
    pub trigger: Trigger,
    /// The user settings only this workflow reads, shown when it is on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    /// At least one.
    pub steps: Vec<Step>,
}

/// What starts a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// An App Event with this name (declared in the same deploy).
    AppEvent(String),
    /// A request from the app (`paragon.workflow()`, `POST /sdk/triggers/{id}`), which waits
    /// for the run's answer up to a time budget.
    Request(RequestTrigger),
    /// The user connected the workflow's integration (`integration_enabled: {}`): once per new
    /// connection, its values as `connection.*`.
    IntegrationEnabled,
    /// A change in the user's account that the provider reports by webhook (`provider_event:
    /// contact.creation`, HubSpot's subscription types), its event as `event.*`.
    ProviderEvent(ProviderEventTrigger),
    /// A time rule (`schedule: "0 */6 * * *"`, optional `timezone:`): each tick runs once for
    /// every user who has the workflow enabled, the tick's time as `schedule.time`.
    Schedule(ScheduleTrigger),
}

/// `trigger: schedule: "<cron>"` and the optional `timezone:` beside it, as written (checked
/// at deploy with [`super::schedule::Schedule::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleTrigger {
    /// Five cron fields: minute hour day-of-month month day-of-week.
    pub cron: String,
    /// The IANA zone the fields are read in; UTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl ScheduleTrigger {
    /// The parsed rule.
    pub fn schedule(&self) -> Result<super::schedule::Schedule, super::schedule::ScheduleError> {
        super::schedule::Schedule::parse(&self.cron, self.timezone.as_deref())
    }
}

/// `trigger: provider_event: <subscription type>` and, for a `*.propertyChange`, the optional
/// `property:` it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEventTrigger {
    /// The provider's subscription type, `contact.propertyChange`.
    pub event: String,
    /// Only changes of this property (`email`), for a `*.propertyChange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
}

impl ProviderEventTrigger {
    /// What the stored workflow is found by: the type, and `:<property>` when it has one.
    pub fn key(&self) -> String {
        match &self.property {
            Some(property) => format!("{}:{property}", self.event),
            None => self.event.clone(),
        }
    }
}

impl Trigger {
    /// The App Event's name, for an App Event trigger.
    pub fn app_event(&self) -> Option<&str> {
        match self {
            Self::AppEvent(name) => Some(name),
            Self::Request(_)
            | Self::IntegrationEnabled
            | Self::ProviderEvent(_)
            | Self::Schedule(_) => None,
        }
    }
}

/// `trigger: request: {timeout}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RequestTrigger {
    /// How long the caller waits for the answer before it gets `202 {executionId}`; the
    /// default budget when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Delay>,
}

impl RequestTrigger {
    /// The budget when the workflow does not say.
    pub const DEFAULT_MS: u64 = 30_000;
    /// The longest budget: an HTTP request held longer meets proxies' idle timeouts (often 60
    /// to 120 s); a longer workflow answers 202 and is followed in Task History.
    pub const MAX_MS: u64 = 120_000;

    /// How long the caller waits for the answer.
    pub fn budget_ms(&self) -> u64 {
        self.timeout.as_ref().map_or(Self::DEFAULT_MS, Delay::ms)
    }
}

/// One step of a workflow: its id and what it does. Stored as one JSON object (the id beside the
/// kind's own keys), so the versions deployed before there were other kinds read as actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Unique in the workflow; later steps read its output as `steps.<id>.output`.
    pub id: StepId,
    /// What the step does.
    #[serde(flatten)]
    pub kind: StepKind,
}

/// What a step does: the key beside its `id` says which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StepKind {
    /// `action:`, one of the provider's actions.
    Action(ActionStep),
    /// `request:`, any endpoint of the integration's API.
    Request(RequestStep),
    /// `if:`, steps run only when a condition holds (`then`) or does not (`else`).
    If(IfStep),
    /// `for_each:`, steps run once per item of a list.
    ForEach(ForEachStep),
    /// `delay:`, the run waits, parked in the queue.
    Delay(DelayStep),
    /// `response:`, the answer to the request that started the run.
    Response(ResponseStep),
    /// `notify:`, a notification to the app's webhook endpoints.
    Notify(NotifyStep),
}

impl StepKind {
    /// The key that says what the step is (`action`, `request`, `if`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Action(_) => "action",
            Self::Request(_) => "request",
            Self::If(_) => "if",
            Self::ForEach(_) => "for_each",
            Self::Delay(_) => "delay",
            Self::Response(_) => "response",
            Self::Notify(_) => "notify",
        }
    }
}

/// A `notify:` step: a message of a declared type, with its `data` rendered, stored for the
/// project's webhook endpoints subscribed to that type and delivered to them (signed, retried)
/// after the step. Its output is `{"id", "type"}`, the message's id the app receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyStep {
    /// What is sent.
    pub notify: Notification,
}

/// The message of a `notify:` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// A type declared in `notifications/`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The message's `data`; `null` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<TemplateValue>,
}

/// A `response:` step of a request-triggered workflow: the waiting caller gets `status` and
/// the rendered `body` at once, and the steps after it go on in the background. Its output is
/// `{"status", "body"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseStep {
    /// The answer.
    pub response: Answer,
}

/// The answer of a `response:` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The HTTP status, 200 to 599.
    pub status: u16,
    /// The JSON body; `null` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<TemplateValue>,
}

/// A `delay:` step. The run is parked in the queue until the wake-up time (no worker waits),
/// which survives restarts and is seen by every replica; its output is `{"wakeAt": <Unix
/// seconds>}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayStep {
    /// How long.
    pub delay: Delay,
}

/// A delay as written: a whole number and a unit, `s`, `m`, `h` or `d`, at most 30 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Delay {
    text: String,
    ms: u64,
}

impl Delay {
    /// The longest delay.
    pub const MAX_MS: u64 = 30 * 24 * 3600 * 1000;

    /// `30s`, `5m`, `2h`, `1d`; nothing else, and not over 30 days.
    pub fn parse(text: &str) -> Option<Self> {
        let unit_ms: u64 = match text.chars().last()? {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => return None,
        };
        let number = &text[..text.len() - 1];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let ms = number.parse::<u64>().ok()?.checked_mul(unit_ms)?;
        (ms <= Self::MAX_MS).then(|| Self {
            text: text.to_owned(),
            ms,
        })
    }

    /// In milliseconds.
    pub fn ms(&self) -> u64 {
        self.ms
    }
}

impl TryFrom<String> for Delay {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| format!("invalid delay {text:?}"))
    }
}

impl From<Delay> for String {
    fn from(delay: Delay) -> String {
        delay.text
    }
}

/// A `for_each:` step: its `steps` run for each item of the list, in order, with `item` and
/// `index`. Its output is the list of each iteration's last step output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForEachStep {
    /// The list: a template that renders one.
    #[serde(rename = "for_each")]
    pub items: Template,
    /// The steps of an iteration (at least one).
    pub steps: Vec<Step>,
}

/// An `if:` step. Its output is `{"branch": "then" | "else"}`; the steps of the branch that ran
/// keep their own ids, so later steps read them as `steps.<id>.output` (those of the other
/// branch read as missing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IfStep {
    /// The condition.
    #[serde(rename = "if")]
    pub condition: Condition,
    /// The steps run when it holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub then: Vec<Step>,
    /// The steps run when it does not.
    #[serde(default, rename = "else", skip_serializing_if = "Vec::is_empty")]
    pub otherwise: Vec<Step>,
}

/// An `action:` step. Which keys an action takes is [`Action::step_keys`], checked at deploy;
/// the others keep their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionStep {
    /// What the step does.
    pub action: Action,
    /// Only for `hubspot.create_contact`; `fail` elsewhere.
    #[serde(default)]
    pub on_conflict: OnConflict,
    /// The action's inputs, in the order written: HubSpot properties, or the Salesforce record's
    /// fields. Empty for `salesforce.find_records`.
    #[serde(default)]
    pub input: Inputs,
    /// A field mapping setting whose user's choices add properties to the inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_mapping: Option<ApplyMapping>,
    /// The Salesforce object the `salesforce.*` actions act on (`Contact`, `Lead`, `Plan__c`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ApiName>,
    /// The record `salesforce.update_record` changes: a template that renders its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Template>,
    /// The field of `input` by which a retried `salesforce.create_record` looks for the record
    /// its earlier try may have created (`Email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_on: Option<ApiName>,
    /// `salesforce.find_records`' conditions, `field = value`, all of which must hold: text is a
    /// template (a quoted SOQL string), a bare number, boolean or `null` is that literal.
    #[serde(default, rename = "where", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<(ApiName, TemplateValue)>,
    /// The fields `salesforce.find_records` answers; `Id` alone when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select: Vec<ApiName>,
    /// At most this many records found, 1 to [`super::soql::MAX_LIMIT`] (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `field_mapping:` of an `action:` step: each app field the user mapped in the setting
/// becomes an input of the property they chose, its value the field's in `from`. The step's
/// own `input` wins for a property it sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyMapping {
    /// The field mapping setting.
    pub setting: SettingId,
    /// The data whose fields are mapped (e.g. `{{event}}`): a template that renders an object.
    pub from: Template,
}

/// A `request:` step: one call to the integration's API with the user's credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestStep {
    /// The call.
    pub request: ApiCall,
    /// What an error answer of the provider does to the run.
    #[serde(default)]
    pub on_error: OnError,
    /// When a failed call is tried again.
    #[serde(default)]
    pub retry: Retry,
}

/// The call of a `request:` step; every part but the method is templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiCall {
    /// The method.
    pub method: HttpMethod,
    /// The path under the integration's API base, from `/`.
    pub path: Template,
    /// Query parameters, in the order written.
    #[serde(default)]
    pub query: Inputs,
    /// Headers beside the platform's (`Authorization` is the platform's).
    #[serde(default)]
    pub headers: Inputs,
    /// The JSON body, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<TemplateValue>,
}

/// The methods a `request:` step may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl HttpMethod {
    /// Every method, as written.
    pub const NAMES: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// The method named `name` (upper case, as HTTP writes it).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => return None,
        })
    }

    /// As HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice does what sending it once does (RFC 9110 §9.2.2),
    /// so that a try whose answer was lost may be repeated.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Self::Get | Self::Put | Self::Delete)
    }
}

/// `on_error:` of a `request:` step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// An error answer fails the run with the provider's message.
    #[default]
    Fail,
    /// An error answer is the step's output; later steps read `steps.<id>.status`.
    Continue,
}

/// `retry:` of a `request:` step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// 429 always; 5xx and no answer only for idempotent methods (GET, PUT, DELETE): a POST or
    /// PATCH whose answer was lost may have acted.
    #[default]
    Safe,
    /// 429, 5xx and no answer for every method: the step says a repeat is harmless.
    Always,
}

/// A step's inputs: names to templates, in the order written. Serialized as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs(pub Vec<(String, Template)>);

impl Inputs {
    /// The template of input `name`.
    pub fn get(&self, name: &str) -> Option<&Template> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Every input, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Template)> {
        self.0.iter().map(|(n, t)| (n.as_str(), t))
    }
}

impl Serialize for Inputs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(n, t)| (n, t)))
    }
}

impl<'de> Deserialize<'de> for Inputs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Inputs;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of input names to templates")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Inputs, A::Error> {
                let mut inputs = Vec::new();
                while let Some(entry) = map.next_entry::<String, Template>()? {
                    inputs.push(entry);
                }
                Ok(Inputs(inputs))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// Declares an id newtype: checked on the way in (parsing and deserializing alike).
macro_rules! checked_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $extra:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The characters allowed besides `a-z` and `0-9`, for messages.
            pub(crate) const ALPHABET: &'static str = concat!("a-z, 0-9 and `", $extra, "`");

            /// 1 to 64 characters of `a-z`, `0-9` and the one separator.
            pub fn parse(value: &str) -> Option<Self> {
                let ok = (1..=64).contains(&value.len())
                    && value.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == $extra.as_bytes()[0]
                    });
                ok.then(|| Self(value.to_owned()))
            }

            /// The id.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value)
                    .ok_or_else(|| format!("invalid {} id {value:?}", $what))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == &other.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_id!(
    /// A workflow's id: 1 to 64 characters of `a-z`, `0-9` and `-` (it appears in URLs).
    WorkflowId,
    "workflow",
    "-"
);
checked_id!(
    /// A step's id: 1 to 64 characters of `a-z`, `0-9` and `_` (it appears in variable paths).
    StepId,
    "step",
    "_"
);
checked_id!(
    /// A user setting's id: 1 to 64 characters of `a-z`, `0-9` and `_` (it appears in variable
    /// paths, `settings.<id>`).
    SettingId,
    "setting",
    "_"
);
