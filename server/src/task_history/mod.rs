//! Task History: a project's workflow runs, a page at a time, each with its step attempts and
//! outputs and the tree its workflow walked (`tree`), and the replay of a run. The management
//! API (`http::task_history`) renders these.

pub mod tree;

use serde_json::{Map, Value};

use crate::{
    engine::{
        EngineHandle,
        run_inputs::{self, Blocked},
    },
    ids::{ProjectId, RunId},
    storage::{Attempt, Run, RunFilter, RunStatus, StorageError, Store},
    workflows::Workflow,
};

/// Runs per page when the caller does not say.
const DEFAULT_PAGE: i64 = 50;
/// The largest page: a page is read and rendered in one piece.
const MAX_PAGE: i64 = 200;

/// The page size for a requested `limit`: the default, clamped to 1 to [`MAX_PAGE`].
pub fn page_size(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// A run state named by a caller (`queued`, `running`, `succeeded`, `failed`).
pub fn parse_status(name: &str) -> Result<RunStatus, String> {
    RunStatus::parse(name)
        .ok_or_else(|| format!("unknown status {name:?}: queued, running, succeeded or failed"))
}

/// A page cursor: `{created ms}_{run id}` of the last run of the previous page.
pub fn parse_cursor(cursor: &str) -> Result<(i64, String), String> {
    let (ms, id) = cursor.split_once('_').ok_or("bad cursor")?;
    // An empty id would read as "no cursor" below and restart the list from its top.
    if id.is_empty() {
        return Err("bad cursor".into());
    }
    Ok((ms.parse().map_err(|_| "bad cursor")?, id.to_owned()))
}

/// One page of runs, newest first.
#[derive(Debug)]
pub struct Page {
    /// The runs.
    pub runs: Vec<Run>,
    /// The cursor of the next page, when this one is full.
    pub next_cursor: Option<String>,
}

/// The runs of `project` that `filter` selects.
pub async fn page(
    store: &Store,
    project: ProjectId,
    filter: &RunFilter,
) -> Result<Page, StorageError> {
    let runs = store.runs(project, filter).await?;
    let next_cursor = (runs.len() as i64 == filter.limit)
        .then(|| runs.last().map(|r| format!("{}_{}", r.created_ms, r.id)))
        .flatten();
    Ok(Page { runs, next_cursor })
}

/// A run with every step attempt and the outputs of its finished steps.
#[derive(Debug)]
pub struct Execution {
    /// The run.
    pub run: Run,
    /// Every attempt of every step.
    pub attempts: Vec<Attempt>,
    /// Finished steps' outputs, by step id.
    pub outputs: Map<String, Value>,
    /// The workflow as the run's version defined it (`None` when that version is gone).
    pub workflow: Option<Workflow>,
}

impl Execution {
    /// The steps the run walked, as a tree (see [`tree`]); empty without the workflow.
    pub fn tree(&self) -> Vec<Value> {
        let records = tree::Records {
            attempts: &self.attempts,
            outputs: &self.outputs,
        };
        self.workflow
            .as_ref()
            .map(|w| tree::nodes(&w.steps, "", &records))
            .unwrap_or_default()
    }
}

/// The run `id` of `project` with its steps, if there is one.
pub async fn execution(
    store: &Store,
    project: ProjectId,
    id: &RunId,
) -> Result<Option<Execution>, StorageError> {
    let Some(run) = store.run(project, id).await? else {
        return Ok(None);
    };
    let attempts = store.attempts(&run.id).await?;
    let outputs = store.step_outputs(&run.id).await?.outputs;
    let workflow = match run_inputs::workflow(store, &run).await {
        Ok(workflow) => Some(workflow),
        Err(Blocked::Permanent(_)) => None,
        Err(Blocked::Storage(error)) => return Err(error),
    };
    Ok(Some(Execution {
        run,
        attempts,
        outputs,
        workflow,
    }))
}

/// Queues a new run of `run`'s workflow with its event and wakes the engines (this process's
/// directly, the other replicas' through the store); returns the new run's id.
pub async fn replay(
    store: &Store,
    engine: &EngineHandle,
    run: &Run,
) -> Result<RunId, StorageError> {
    let new_id = RunId::random();
    store
        .enqueue_replay(run, &new_id, crate::clock::now_ms())
        .await?;
    engine.wake();
    if let Err(error) = store.announce_runs().await {
        tracing::warn!(%error, "announcing the replay failed");
    }
    Ok(new_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_page_sizes() {
        assert_eq!(parse_cursor("1700_run-1"), Ok((1700, "run-1".to_owned())));
        assert!(parse_cursor("run-1").is_err());
        assert!(parse_cursor("x_run-1").is_err());
        assert!(
            parse_cursor("123_").is_err(),
            "an empty id would restart the list"
        );
        assert_eq!(page_size(None), DEFAULT_PAGE);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(10_000)), MAX_PAGE);
    }
}
