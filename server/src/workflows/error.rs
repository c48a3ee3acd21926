//! What a deploy reports: every problem of every file, each with the file and line of the value
//! at fault, printed like a compiler's diagnostics so that editors can jump to them.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use super::{template::TemplateError, yaml::Pos};

/// What is wrong with a definition. The text of each variant says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // each variant's `#[error]` text is its documentation
pub enum Problem {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("the file is larger than {0} bytes")]
    TooLarge(usize),
    #[error("YAML syntax error: {0}")]
    Syntax(String),
    #[error("the file is empty")]
    Empty,
    #[error("only one YAML document per file (found a second `---`)")]
    SeveralDocuments,
    #[error("aliases (`*name`) are not supported: write the value out")]
    Alias,
    #[error(
        "a list or a mapping cannot be a key; an unquoted `{{{{...}}}}` template reads as one: quote it (\"{{{{event.email}}}}\")"
    )]
    ComplexKey,
    #[error("the YAML is nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("duplicate key `{0}`")]
    DuplicateKey(String),
    #[error("{what} must be a mapping of keys to values")]
    NotAMapping { what: &'static str },
    #[error("unknown key `{key}` in {what} (expected one of: {})", .allowed.join(", "))]
    UnknownKey {
        key: String,
        what: &'static str,
        allowed: &'static [&'static str],
    },
    #[error("{what} is missing the required key `{key}`")]
    MissingKey {
        key: &'static str,
        what: &'static str,
    },
    #[error("`{key}` must be {expected}")]
    WrongType {
        key: &'static str,
        expected: &'static str,
    },
    #[error("invalid {what} id `{id}`: use 1 to 64 characters of {alphabet}")]
    InvalidId {
        what: &'static str,
        id: String,
        alphabet: &'static str,
    },
    #[error(
        "unknown integration `{0}`: use a provider's name, as `paragon integration list-providers` lists them (`hubspot`, `salesforce`, …)"
    )]
    UnknownIntegration(String),
    #[error("unknown action `{name}` (expected one of: {})", .known.join(", "))]
    UnknownAction {
        name: String,
        known: &'static [&'static str],
    },
    #[error(
        "action `{action}` belongs to the {action_integration} integration, not {workflow_integration}"
    )]
    ForeignAction {
        action: &'static str,
        action_integration: &'static str,
        workflow_integration: &'static str,
    },
    #[error("`{key}` does not apply to {action} (it takes: {takes})")]
    KeyNotForAction {
        key: &'static str,
        action: &'static str,
        takes: String,
    },
    #[error(
        "invalid Salesforce {what} name `{name}`: an API name is a letter, then letters, digits and single underscores, with `__c` at the end of a custom one (`LastName`, `Plan_Tier__c`)"
    )]
    InvalidApiName { what: &'static str, name: String },
    #[error(
        "`{0}` cannot be written: Salesforce sets a record's Id (salesforce.update_record names the record to change with `record_id`)"
    )]
    IdNotWritable(String),
    #[error(
        "`match_on: {0}` names no field of the step's `input`: a retry looks for the record by the value the step writes in that field"
    )]
    MatchOnNotInInput(String),
    #[error(
        "`where` condition `{0}` must be one value: text (a template), a number, `true`, `false` or `null`"
    )]
    BadCondition(String),
    #[error(
        "`where` needs at least one `Field: value` condition (a find without one would list the object's records)"
    )]
    NoConditions,
    #[error("`{0}` is selected twice (Salesforce refuses a duplicate field in a query)")]
    DuplicateField(String),
    #[error("`limit` must be a whole number from 1 to {max}, not {found}")]
    BadLimit { found: String, max: u32 },
    #[error(
        "`type: {kind}` reads HubSpot's data (owners, pipelines, contact properties): it is for hubspot settings, not {integration}"
    )]
    HubSpotOnlySetting {
        kind: &'static str,
        integration: String,
    },
    #[error("`on_conflict` must be `fail` or `update`, not `{0}`")]
    UnknownOnConflict(String),
    #[error("`on_conflict` only applies to hubspot.create_contact, not {0}")]
    OnConflictNotAllowed(&'static str),
    #[error("a workflow needs at least one step")]
    NoSteps,
    #[error("{action} needs the input `{key}`")]
    MissingInput {
        action: &'static str,
        key: &'static str,
    },
    #[error("the input `id` (a contact id) is only for hubspot.update_contact, not {0}")]
    IdNotAllowed(&'static str),
    #[error(
        "invalid input key `{0}`: HubSpot property names are internal names: a lowercase letter, then lowercase letters, digits or `_`"
    )]
    InvalidPropertyName(String),
    #[error("input `{0}` must be text (a template); write \"\" for an empty value")]
    InputNotText(String),
    #[error("input `{key}`: {source}")]
    Template { key: String, source: TemplateError },
    #[error(
        "input `{key}`: unknown variable `{path}`: variables start with `event.`, `request.`, `connection.`, `schedule.`, `user.`, `settings.`, `steps.`, `item` or `index`"
    )]
    UnknownVariableRoot { key: String, path: String },
    #[error("input `{key}`: unknown variable `{path}`: `user` has `user.id` and `user.meta.*`")]
    UnknownUserVariable { key: String, path: String },
    #[error(
        "input `{key}`: `{path}` must have the form `steps.<step id>.output...` or `steps.<step id>.status`"
    )]
    StepPathShape { key: String, path: String },
    #[error("input `{key}`: `{path}` refers to step `{step}`, which does not exist")]
    UnknownStep {
        key: String,
        path: String,
        step: String,
    },
    #[error(
        "input `{key}`: `{path}` refers to step `{step}`, which does not run before this one (a step can only use earlier steps)"
    )]
    LaterStep {
        key: String,
        path: String,
        step: String,
    },
    #[error(
        "`{path}`: step `{step}` is an action; only `request` steps have a `status` (input `{key}`)"
    )]
    StatusOfAction {
        key: String,
        path: String,
        step: String,
    },
    #[error(
        "invalid delay `{0}`: write a whole number and a unit, s, m, h or d (`30s`, `2h`), at most 30 days"
    )]
    BadDelay(String),
    #[error("input `{key}`: `{path}` is only defined inside a `for_each`")]
    LoopVariableOutside { key: String, path: String },
    #[error(
        "a step has exactly one of `action`, `request`, `if`, `for_each`, `delay` or `response`; this one has {found}"
    )]
    StepKind { found: String },
    #[error(
        "a `response` step answers the request that started the run: this workflow's trigger is an App Event (use `trigger: request: {{}}`)"
    )]
    ResponseOutsideRequest,
    #[error(
        "a `response` step cannot be inside a `for_each`: a request has one answer (put it after the loop)"
    )]
    ResponseInLoop,
    #[error("`status` must be a whole number from 200 to 599, not {0}")]
    BadStatus(String),
    #[error(
        "`status` {0} is how the platform refuses a user token: SDKs would renew the token and call again (running the workflow twice) or log the user out; answer 400, 404, 409 or 422 instead"
    )]
    PlatformStatus(u16),
    #[error(
        "a trigger has exactly one of `app_event: <event name>`, `request: {{}}`, `integration_enabled: {{}}`, `provider_event: <type>` or `schedule: \"<cron>\"`"
    )]
    TriggerKind,
    #[error("{0}")]
    BadSchedule(super::schedule::ScheduleError),
    #[error("`timezone:` goes with `schedule:` only")]
    TimezoneWithoutSchedule,
    #[error(
        "input `{key}`: `{path}`: this workflow is started by its schedule, not by an App Event: read the tick's time as `schedule.time`"
    )]
    EventVariableInSchedule { key: String, path: String },
    #[error(
        "input `{key}`: `{path}`: a schedule gives `schedule.time` only, in a workflow with `trigger: schedule:`"
    )]
    ScheduleVariable { key: String, path: String },
    #[error(
        "unknown provider event `{0}`: HubSpot's are `contact.creation`, `contact.propertyChange`, `contact.deletion`, … (`<object>.<change>` of contact, company, deal, ticket, product, line_item)"
    )]
    UnknownProviderEvent(String),
    #[error(
        "provider events are received from HubSpot so far, not from `{0}`: use an App Event the app sends, or `request:`"
    )]
    ProviderEventsOf(String),
    #[error("`property:` goes with `provider_event: <object>.propertyChange` only")]
    PropertyWithoutProviderEvent,
    #[error(
        "invalid timeout `{0}`: write a whole number of seconds or minutes (`10s`, `2m`), from 1s to 120s"
    )]
    BadTimeout(String),
    #[error(
        "input `{key}`: `{path}` is only defined in a request-triggered workflow (`trigger: request: {{}}`)"
    )]
    RequestVariableOutside { key: String, path: String },
    #[error(
        "input `{key}`: `{path}`: a request trigger's input is `request.body`, `request.query` and `request.headers`"
    )]
    RequestPathShape { key: String, path: String },
    #[error(
        "input `{key}`: `{path}`: this workflow is started by requests, not by an App Event: read its input as `request.body...`"
    )]
    EventVariableInRequest { key: String, path: String },
    #[error(
        "input `{key}`: `{path}`: this workflow is started by a new connection, not by an App Event: read it as `connection.accountId`, `connection.accountName`, `connection.integration`"
    )]
    EventVariableInConnection { key: String, path: String },
    #[error(
        "input `{key}`: `{path}` is only defined in a workflow started by a new connection (`trigger: integration_enabled: {{}}`)"
    )]
    ConnectionVariableOutside { key: String, path: String },
    #[error(
        "unknown operator `{0}` (expected one of: equals, not_equals, greater_than, greater_or_equal, less_than, less_or_equal, contains, not_contains, starts_with, ends_with, exists, not_exists, is_empty, is_not_empty)"
    )]
    UnknownOperator(String),
    #[error("`{0}` compares two values: the condition needs a `right`")]
    MissingRight(&'static str),
    #[error("`{0}` tests one value: the condition takes no `right`")]
    RightNotAllowed(&'static str),
    #[error("unknown method `{0}` (expected one of: GET, POST, PUT, PATCH, DELETE)")]
    UnknownMethod(String),
    #[error("`path` must start with `/`: it is a path under the integration's API base")]
    RequestPath,
    #[error(
        "the header `{0}` is the platform's (it carries the user's credential) and cannot be set"
    )]
    PlatformHeader(String),
    #[error("`on_error` must be `fail` or `continue`, not `{0}`")]
    UnknownOnError(String),
    #[error("`retry` must be `safe` or `always`, not `{0}`")]
    UnknownRetry(String),
    #[error("duplicate step id `{id}` (first used on line {first_line})")]
    DuplicateStep { id: String, first_line: usize },
    #[error("duplicate workflow id `{id}` (first used in {first})")]
    DuplicateWorkflow { id: String, first: String },
    #[error("duplicate App Event `{name}` (first declared in {first})")]
    DuplicateEvent { name: String, first: String },
    #[error("the trigger's App Event `{0}` is not declared in events/")]
    UndeclaredEvent(String),
    #[error("{0}")]
    NotificationType(String),
    #[error("duplicate notification type `{name}` (first declared in {first})")]
    DuplicateNotification { name: String, first: String },
    #[error("the notification type `{0}` is not declared in notifications/")]
    UndeclaredNotification(String),
    #[error("duplicate setting id `{0}`")]
    DuplicateSetting(String),
    #[error(
        "setting `{0}` is also a setting of the workflow's integration (integrations/): a workflow reads both as `settings.<id>`, so the ids must differ"
    )]
    SettingShadowsShared(String),
    #[error("unknown setting type `{name}` (expected one of: {})", .known.join(", "))]
    UnknownSettingType {
        name: String,
        known: &'static [&'static str],
    },
    #[error("unknown object `{0}` (a field mapping sends to: contacts)")]
    UnknownMappedObject(String),
    #[error(
        "`field_mapping` names `{0}`, which is not a field_mapping setting of this workflow or its integration"
    )]
    NotAFieldMapping(String),
    #[error("`{0}` does not apply to a setting of this type")]
    SettingKeyNotForType(&'static str),
    #[error("unknown source `{name}` (expected one of: {})", .known.join(", "))]
    UnknownSource {
        name: String,
        known: &'static [&'static str],
    },
    #[error("duplicate choice `{0}`")]
    DuplicateChoice(String),
    #[error("invalid default: {0}")]
    BadSettingDefault(String),
    #[error(
        "a workflow with a required setting cannot be `default_enabled`: each user fills it in, then turns the workflow on (required: {0})"
    )]
    RequiredSettingDefaultEnabled(String),
    #[error("input `{key}`: `{path}` names no setting of this workflow or its integration")]
    UnknownSetting { key: String, path: String },
    #[error("duplicate page for integration `{integration}` (first in {first})")]
    DuplicateIntegrationPage { integration: String, first: String },
    #[error("no workflow to deploy: put one workflow per file in workflows/*.yaml")]
    NoWorkflows,
    #[error(
        "`accent` must be a colour in quotes, \"#rrggbb\" or \"#rgb\" (unquoted, `#` starts a YAML comment); found {0}"
    )]
    BadAccent(String),
    #[error("`theme` must be light, dark or auto, not `{0}`")]
    UnknownTheme(String),
    #[error("invalid `font`: {0}")]
    BadFont(String),
    #[error("`radius` must be a whole number of pixels from 0 to 24, not {0}")]
    BadRadius(String),
}

/// One problem, where it is: `file` is relative to the deploy directory, `line` and `column`
/// count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployError {
    /// The file, relative to the deploy directory.
    pub file: PathBuf,
    /// The line of the offending value (the file's first line for problems of a whole file).
    pub line: usize,
    /// The column of the offending value, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub problem: Problem,
}

impl DeployError {
    pub(crate) fn at(file: &Path, pos: Pos, problem: Problem) -> Self {
        Self {
            file: file.to_owned(),
            line: pos.line,
            column: Some(pos.column),
            problem,
        }
    }

    /// A problem of a whole file or folder: it points at the first line.
    pub(crate) fn whole(file: &Path, problem: Problem) -> Self {
        Self {
            file: file.to_owned(),
            line: 1,
            column: None,
            problem,
        }
    }

    /// What is wrong, as text (without the location).
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.problem)
    }
}

impl std::error::Error for DeployError {}

/// `{"file", "line", "column", "message"}`: how an HTTP deploy answers its errors.
impl serde::Serialize for DeployError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("DeployError", 4)?;
        out.serialize_field("file", &self.file.display().to_string())?;
        out.serialize_field("line", &self.line)?;
        out.serialize_field("column", &self.column)?;
        out.serialize_field("message", &self.message())?;
        out.end()
    }
}

/// Every problem of a deploy, ordered by file, line and column; never empty when returned as an
/// error. Displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployErrors(pub Vec<DeployError>);

impl DeployErrors {
    /// Sorts by location so that the report reads top to bottom, file by file.
    pub(crate) fn sorted(mut errors: Vec<DeployError>) -> Self {
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Self(errors)
    }

    /// The problems.
    pub fn errors(&self) -> &[DeployError] {
        &self.0
    }
}

impl fmt::Display for DeployErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            error.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for DeployErrors {}
