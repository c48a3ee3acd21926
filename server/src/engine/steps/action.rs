//! `action:` steps: a provider's typed actions. The inputs are rendered here, the same for every
//! provider (with the field mapping the user chose, for HubSpot's), then the provider's file
//! runs the action and judges its answers: `hubspot` (contacts, and how a retried create stays
//! one contact), `salesforce` (records, and how a retried create finds its earlier record).

use serde_json::Value;

use super::{StepContext, hubspot, salesforce};
use crate::{
    engine::outcome::StepFailure,
    workflows::{self, Action, ActionStep, Context},
};

/// Runs the action of `step`, its templates rendered against `values`; what went missing on the
/// way joins `warnings`.
pub(super) async fn execute(
    step: &ActionStep,
    ctx: &StepContext<'_>,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> Result<Value, StepFailure> {
    let (mut input, missing) = workflows::render_inputs(&step.input, "input", values);
    warnings.extend(missing);
    if let Some(mapping) = &step.field_mapping {
        workflows::apply_mapping(mapping, values, &mut input, warnings);
    }
    match step.action {
        Action::CreateContact | Action::UpsertContact | Action::UpdateContact => {
            hubspot::execute(step, ctx, &input).await
        }
        Action::CreateRecord | Action::UpdateRecord | Action::FindRecords => {
            salesforce::execute(step, ctx, values, &input, warnings).await
        }
    }
}
