//! `paragon deploy`: validates a directory of App Events and workflows and stores it as the
//! project's next version. Runs record the version they ran, so a deploy never changes a run
//! already enqueued.

use std::path::Path;

use crate::{
    ids::ProjectId,
    storage::{DeployedWorkflow, ScheduleSpec, StorageError, Store, TriggerKind, WorkflowSpec},
    workflows::{self, Bundle, DeployErrors, Trigger},
};

/// Why a deploy was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeployFailure {
    /// The files do not validate: every error, as `file:line: message`.
    #[error("{0}")]
    Invalid(DeployErrors),
    /// The project does not exist.
    #[error("no project {0}")]
    NoProject(ProjectId),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Validates `dir` and deploys it as the next version; returns it and the active workflows.
pub async fn deploy_dir(
    store: &Store,
    project: ProjectId,
    dir: &Path,
) -> Result<(i64, Vec<DeployedWorkflow>), DeployFailure> {
    let bundle = workflows::load_dir(dir).map_err(DeployFailure::Invalid)?;
    deploy_bundle(store, project, &bundle).await
}

/// Deploys an already validated bundle.
pub async fn deploy_bundle(
    store: &Store,
    project: ProjectId,
    bundle: &Bundle,
) -> Result<(i64, Vec<DeployedWorkflow>), DeployFailure> {
    if store.project(project).await?.is_none() {
        return Err(DeployFailure::NoProject(project));
    }
    let now_ms = crate::clock::now_ms();
    let specs: Vec<WorkflowSpec> = bundle
        .workflows
        .iter()
        .map(|w| WorkflowSpec {
            slug: w.id.to_string(),
            name: w.name.clone(),
            integration: w.integration.as_str().to_owned(),
            trigger_kind: match &w.trigger {
                Trigger::AppEvent(_) => TriggerKind::AppEvent,
                Trigger::Request(_) => TriggerKind::Request,
                Trigger::IntegrationEnabled => TriggerKind::IntegrationEnabled,
                Trigger::ProviderEvent(_) => TriggerKind::ProviderEvent,
                Trigger::Schedule(_) => TriggerKind::Schedule,
            },
            // A new connection's workflows are found by their integration.
            trigger_event: match &w.trigger {
                Trigger::IntegrationEnabled => w.integration.as_str().to_owned(),
                Trigger::ProviderEvent(event) => event.key(),
                Trigger::Schedule(schedule) => schedule.cron.clone(),
                other => other.app_event().unwrap_or_default().to_owned(),
            },
            default_enabled: w.default_enabled,
            schedule: match &w.trigger {
                Trigger::Schedule(schedule) => Some(schedule_spec(schedule, now_ms)),
                _ => None,
            },
        })
        .collect();
    let text =
        serde_json::to_string(bundle).map_err(|e| StorageError::Corrupt(format!("bundle: {e}")))?;
    Ok(store.deploy(project, &text, &specs, now_ms).await?)
}

/// A schedule as stored, starting at its first slot after `now_ms`. The loader checked the
/// rule; one that no longer parses or never fires gets no tick (`i64::MAX`) rather than failing
/// the deploy of the other workflows.
fn schedule_spec(schedule: &workflows::ScheduleTrigger, now_ms: i64) -> ScheduleSpec {
    ScheduleSpec {
        cron: schedule.cron.clone(),
        timezone: schedule.timezone.clone().unwrap_or_default(),
        first_tick_ms: schedule
            .schedule()
            .ok()
            .and_then(|s| s.next_after(now_ms))
            .unwrap_or(i64::MAX),
    }
}
