//! End users' values of the user settings a deploy declares (docs/workflows.md, "User
//! settings"): what a run reads as `{{settings.<id>}}`, what the portal and the SDK save, and
//! which settings still keep a workflow off.
//!
//! Values are saved per user and integration: the integration's shared settings under `""`,
//! each workflow's own under the workflow's id. Definitions come from the project's current
//! deploy (for saving and showing) or from the run's version (for running); a value whose
//! setting a later deploy removed is kept but no longer read.

use serde_json::{Map, Value};

use crate::{
    ids::{ProjectId, UserId, WorkflowId},
    storage::{DeployedWorkflow, StorageError, Store},
    workflows::{Bundle, Setting, Workflow},
};

/// Why values could not be saved: each problem, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<String>);

/// The project's current deploy (the version its active workflows have), if it has one.
pub async fn current_bundle(
    store: &Store,
    project: ProjectId,
) -> Result<Option<Bundle>, StorageError> {
    bundle_of(store, project, &store.workflows(project).await?).await
}

/// The deploy of the project's active workflows `active`, for callers that read them anyway.
pub async fn bundle_of(
    store: &Store,
    project: ProjectId,
    active: &[DeployedWorkflow],
) -> Result<Option<Bundle>, StorageError> {
    let Some(version) = active.iter().map(|w| w.version).max() else {
        return Ok(None);
    };
    let Some(text) = store.workflow_bundle(project, version).await? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| StorageError::Corrupt(format!("bundle {version}: {e}")))
}

/// The user's saved values of `integration`: the shared ones, and each workflow's by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saved {
    /// The integration's shared settings.
    pub shared: Map<String, Value>,
    /// Each workflow's own, by workflow id (UUID).
    pub workflows: Map<String, Value>,
}

impl Saved {
    /// Reads them.
    pub async fn load(
        store: &Store,
        project: ProjectId,
        user: &UserId,
        integration: &str,
    ) -> Result<Self, StorageError> {
        let mut saved = Self::default();
        for (scope, values) in store.user_settings(project, user, integration).await? {
            if scope.is_empty() {
                saved.shared = values;
            } else {
                saved.workflows.insert(scope, Value::Object(values));
            }
        }
        Ok(saved)
    }

    /// The values of workflow `id`'s own settings.
    pub fn of_workflow(&self, id: &WorkflowId) -> Map<String, Value> {
        match self.workflows.get(id.as_str()) {
            Some(Value::Object(values)) => values.clone(),
            _ => Map::new(),
        }
    }
}

/// What `workflow` (deployed as `id`) reads as `settings.*`: each setting's saved value, else
/// its default, else `null` (a setting the user left empty is a value, not a missing variable:
/// it renders as nothing, and an action leaves that property out).
pub fn values_for(
    bundle: &Bundle,
    workflow: &Workflow,
    id: &WorkflowId,
    saved: &Saved,
) -> Map<String, Value> {
    let own = saved.of_workflow(id);
    let shared = bundle
        .integration(workflow.integration)
        .map(|p| &p.settings[..])
        .unwrap_or_default();
    let mut values = Map::new();
    for (setting, from) in shared
        .iter()
        .map(|s| (s, &saved.shared))
        .chain(workflow.settings.iter().map(|s| (s, &own)))
    {
        let value = from.get(setting.id.as_str()).or(setting.default.as_ref());
        values.insert(
            setting.id.to_string(),
            value.cloned().unwrap_or(Value::Null),
        );
    }
    values
}

/// The titles of the required settings `workflow` reads that have no value for this user.
pub fn missing(
    bundle: &Bundle,
    workflow: &Workflow,
    id: &WorkflowId,
    saved: &Saved,
) -> Vec<String> {
    let values = values_for(bundle, workflow, id, saved);
    bundle
        .settings_of(workflow)
        .filter(|s| s.required && values.get(s.id.as_str()).is_none_or(Value::is_null))
        .map(|s| s.title.clone())
        .collect()
}

/// `values` merged into `saved` after checking each against `settings` (a `null` removes a
/// value); the merged values, or every problem.
pub fn merge(
    settings: &[Setting],
    saved: &Map<String, Value>,
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, Refused> {
    let mut merged = saved.clone();
    let mut problems = Vec::new();
    for (id, value) in values {
        let Some(setting) = settings.iter().find(|s| s.id.as_str() == id) else {
            problems.push(format!("there is no setting `{id}`"));
            continue;
        };
        if value.is_null() {
            merged.remove(id);
            continue;
        }
        match setting.check(value) {
            Ok(()) => _ = merged.insert(id.clone(), value.clone()),
            Err(why) => problems.push(why),
        }
    }
    if problems.is_empty() {
        Ok(merged)
    } else {
        Err(Refused(problems))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::workflows::load_dir;

    fn bundle() -> Bundle {
        let dir = tempfile::tempdir().expect("a folder");
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
            std::fs::write(path, text).expect("written");
        };
        write(
            "integrations/hubspot.yaml",
            "integration: hubspot\nsettings:\n  - { id: owner, title: Owner, type: dynamic_dropdown, source: owners, required: true }\n",
        );
        write(
            "workflows/w.yaml",
            "id: w\nname: W\nintegration: hubspot\ntrigger:\n  request: {}\nsettings:\n  - { id: stage, title: Stage, type: dropdown, options: [lead, customer], default: lead }\n  - { id: vip, title: VIP, type: boolean, required: true }\nsteps:\n  - id: answer\n    response: { body: \"{{settings.stage}}\" }\n",
        );
        load_dir(dir.path()).expect("deploys")
    }

    fn id() -> WorkflowId {
        WorkflowId::parse("wf-1").expect("an id")
    }

    #[test]
    fn a_run_reads_saved_values_then_defaults() {
        let bundle = bundle();
        let workflow = &bundle.workflows[0];
        let mut saved = Saved::default();
        let empty = values_for(&bundle, workflow, &id(), &saved);
        assert_eq!(
            Value::Object(empty),
            json!({"owner": null, "stage": "lead", "vip": null})
        );
        assert_eq!(missing(&bundle, workflow, &id(), &saved), ["Owner", "VIP"]);

        saved.shared.insert("owner".into(), json!("17"));
        saved
            .workflows
            .insert("wf-1".into(), json!({"stage": "customer", "vip": false}));

        let values = values_for(&bundle, workflow, &id(), &saved);
        assert_eq!(
            Value::Object(values),
            json!({"owner": "17", "stage": "customer", "vip": false})
        );
        assert!(missing(&bundle, workflow, &id(), &saved).is_empty());
    }

    #[test]
    fn values_are_checked_against_their_setting_and_null_removes() {
        let bundle = bundle();
        let own = &bundle.workflows[0].settings;
        let saved = json!({"stage": "customer"})
            .as_object()
            .cloned()
            .unwrap_or_default();

        let ok = merge(
            own,
            &saved,
            json!({"vip": true, "stage": null})
                .as_object()
                .expect("an object"),
        );
        assert_eq!(ok.map(Value::Object), Ok(json!({"vip": true})));

        let refused = merge(
            own,
            &saved,
            json!({"stage": "partner", "vip": "yes", "color": 1})
                .as_object()
                .expect("an object"),
        );
        let Err(Refused(problems)) = refused else {
            panic!("refused")
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("“partner” is not one of the choices of “Stage”")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("no setting `color`")),
            "{problems:?}"
        );
    }
}
