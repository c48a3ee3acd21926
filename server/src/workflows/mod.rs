//! Workflows as code: the App Event and workflow definitions of a deploy
//! directory (and how its Connect Portal looks), their validation with file and line, and the `{{ variable }}` templates that a
//! run renders. docs/workflows.md is the user documentation.
//!
//! The engine calls [`load_dir`] on `paragon deploy DIR`, stores the [`Bundle`] as JSON (it
//! round-trips through serde), and for each step of a run calls [`render_inputs`], then
//! [`ContactRequest::new`] for HubSpot's actions or [`soql::Query`] for Salesforce's finds.
//! Nothing here does I/O but reading the deploy directory.

mod action;
mod action_step;
mod api_name;
mod appearance;
mod condition;
mod error;
mod event;
pub(crate) mod fields;
mod input;
mod integration;
mod integration_page;
pub(crate) mod load;
mod model;
pub mod notification;
mod render;
pub mod schedule;
pub mod settings;
pub mod soql;
mod template;
mod template_value;
mod variables;
mod workflow;
pub(crate) mod yaml;

#[cfg(test)]
mod tests;

pub use action::{Action, OnConflict};
pub use api_name::ApiName;
pub use appearance::{Appearance, FontFamily, MAX_RADIUS, ThemeMode};
pub use condition::{Comparison, Condition, Operator};
pub use error::{DeployError, DeployErrors, Problem};
pub use input::{ContactRequest, MissingInput, apply_mapping, property_text, render_inputs};
pub use integration::IntegrationType;
pub use load::{MAX_FILE_BYTES, load_dir, parse_event, parse_workflow};
pub use model::{
    ActionStep, Answer, ApiCall, AppEvent, ApplyMapping, Bundle, Delay, DelayStep, ForEachStep,
    HttpMethod, IfStep, Inputs, IntegrationPage, Notification, NotificationType, NotifyStep,
    OnError, ProviderEventTrigger, RequestStep, RequestTrigger, ResponseStep, Retry,
    ScheduleTrigger, SettingId, Step, StepId, StepKind, Trigger, Workflow, WorkflowId,
};
pub(crate) use render::scalar_text;
pub use render::{Context, Iteration, Rendered};
pub use settings::Setting;
pub use template::{Template, TemplateError, VarPath};
pub use template_value::TemplateValue;
