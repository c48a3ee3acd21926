//! Executing one claimed run: load what it reads (`run_inputs`), run the steps that have no
//! stored output yet (each through `steps::execute`), and settle how each ended: the failure
//! handling of every kind of step, written once here.

use serde_json::Value;

use super::{
    EngineConfig,
    outcome::{StepDone, StepFailure, StepResult, backoff},
    run_inputs::{self, Blocked, Inputs},
    steps::{self, Account, StepContext},
};
use crate::{
    clock::now_ms,
    connect::{Connect, api_client::ApiClient},
    ids::WorkerId,
    storage::{Attempt, AttemptOutcome, Run, RunEnd, RunStatus, StepOutputs, StorageError},
    workflows,
};

pub struct Runner {
    connect: Connect,
    config: EngineConfig,
    owner: WorkerId,
}

/// Where a run stands: the outputs (and statuses) of its finished steps, the steps tried in
/// earlier attempts, and the template warnings so far.
struct Progress {
    done: StepOutputs,
    tried: Vec<String>,
    warnings: Vec<String>,
}

impl Runner {
    pub fn new(connect: Connect, config: EngineConfig, owner: WorkerId) -> Self {
        Self {
            connect,
            config,
            owner,
        }
    }

    pub async fn claim(&self, limit: i64) -> Result<Vec<Run>, StorageError> {
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(60_000);
        self.connect
            .store
            .claim_runs(&self.owner, now_ms(), lease_ms, limit)
            .await
    }

    /// Runs every pending step; storage errors leave the run to its lease (it is retried).
    pub async fn execute(&self, run: Run) {
        match self.steps(&run).await {
            Ok(()) => {}
            Err(Blocked::Permanent(reason)) => {
                tracing::warn!(run = %run.id, %reason, "run failed");
                let _ = self
                    .finish(&run, RunStatus::Failed, Some(&reason), &[])
                    .await;
            }
            Err(Blocked::Storage(error)) => {
                tracing::error!(run = %run.id, %error, "run interrupted by a storage error; its lease will expire");
            }
        }
    }

    async fn steps(&self, run: &Run) -> Result<(), Blocked> {
        if run.attempts > self.config.max_attempts {
            return Err(Blocked::Permanent(format!(
                "gave up after {} attempts",
                self.config.max_attempts
            )));
        }
        let workflow = run_inputs::workflow(&self.connect.store, run).await?;
        let inputs = run_inputs::inputs(&self.connect.store, run, &workflow).await?;
        let account = Account {
            api: ApiClient::new(&self.connect, &inputs.credential),
            api_base: &inputs.integration.api_base,
            provider: &inputs.integration.name,
        };
        let mut progress = self.progress(run).await?;
        // The lists being walked, innermost last: the workflow's steps, then the branch of each
        // `if` that ran (a branch's steps run before the steps after its `if`).
        let mut lists = vec![workflow.steps.iter()];
        while let Some(list) = lists.last_mut() {
            let Some(step) = list.next() else {
                lists.pop();
                continue;
            };
            let step_id = step.id.as_str();
            if let Some(output) = progress.done.outputs.get(step_id) {
                // Done in an earlier attempt; an `if` goes on into the branch it chose then.
                lists.extend(branch(step, output));
                continue;
            }
            let retry = progress.tried.iter().any(|tried| tried == step_id);
            let ctx = StepContext::new(&self.connect.store, account, attempt(run, step_id), retry);
            let mut missing = Vec::new();
            let result = {
                let values = progress.values(run, &inputs);
                steps::execute(step, &ctx, &values, &mut missing).await
            };
            progress.warn(missing);
            let Some(done) = self.settle(run, &ctx, result, &progress.warnings).await? else {
                return Ok(());
            };
            if let Some(status) = done.status {
                progress
                    .done
                    .statuses
                    .insert(step_id.to_owned(), status.into());
            }
            lists.extend(branch(step, &done.output));
            progress
                .done
                .outputs
                .insert(step_id.to_owned(), done.output);
        }
        self.finish(run, RunStatus::Succeeded, None, &progress.warnings)
            .await?;
        tracing::info!(run = %run.id, workflow = %workflow.id.as_str(), "run succeeded");
        Ok(())
    }

    /// Records how a step ended and, unless it produced its output (returned, and stored so a
    /// later attempt does not repeat it), ends this attempt of the run: retried later with
    /// backoff (not before the provider's `Retry-After`) until the attempts run out, or failed.
    async fn settle(
        &self,
        run: &Run,
        ctx: &StepContext<'_>,
        result: StepResult,
        warnings: &[String],
    ) -> Result<Option<StepDone>, Blocked> {
        match result {
            Ok(done) => {
                // A step that went on past an error answer (`on_error: continue`) shows it.
                let outcome = match &done.refused {
                    Some(_) => AttemptOutcome::Failed,
                    None => AttemptOutcome::Succeeded,
                };
                ctx.finish(outcome, done.refused.as_deref()).await?;
                let step = ctx.step_id();
                self.connect
                    .store
                    .save_step_output(&run.id, &step, &done.output, done.status)
                    .await?;
                return Ok(Some(done));
            }
            Err(StepFailure::Storage(error)) => return Err(Blocked::Storage(error)),
            Err(StepFailure::Invalid(reason)) => {
                self.finish(run, RunStatus::Failed, Some(&reason), warnings)
                    .await?;
            }
            Err(StepFailure::Failed(message)) => {
                ctx.finish(AttemptOutcome::Failed, Some(&message)).await?;
                self.finish(run, RunStatus::Failed, Some(&message), warnings)
                    .await?;
            }
            Err(StepFailure::Retry { message, after }) => {
                ctx.finish(AttemptOutcome::Retry, Some(&message)).await?;
                self.retry_later(run, &message, after, warnings).await?;
            }
        }
        Ok(None)
    }

    /// Puts the run back in the queue after a backoff (not before the provider's
    /// `Retry-After`), or fails it when its attempts are used up.
    async fn retry_later(
        &self,
        run: &Run,
        message: &str,
        after: Option<std::time::Duration>,
        warnings: &[String],
    ) -> Result<(), StorageError> {
        if run.attempts >= self.config.max_attempts {
            let reason = format!("gave up after {} attempts: {message}", run.attempts);
            self.finish(run, RunStatus::Failed, Some(&reason), warnings)
                .await?;
        } else {
            let wait = i64::try_from(backoff(run.attempts, after).as_millis()).unwrap_or(i64::MAX);
            self.connect
                .store
                .retry_run(
                    &run.id,
                    &self.owner,
                    now_ms().saturating_add(wait),
                    message,
                    now_ms(),
                )
                .await?;
        }
        Ok(())
    }

    /// Ends the run held by this worker.
    async fn finish(
        &self,
        run: &Run,
        status: RunStatus,
        reason: Option<&str>,
        warnings: &[String],
    ) -> Result<(), StorageError> {
        self.connect
            .store
            .finish_run(
                &run.id,
                &self.owner,
                &RunEnd {
                    status,
                    error: reason,
                    warnings,
                    now_ms: now_ms(),
                },
            )
            .await?;
        Ok(())
    }

    async fn progress(&self, run: &Run) -> Result<Progress, StorageError> {
        let store = &self.connect.store;
        let done = store.step_outputs(&run.id).await?;
        let tried = store.attempts(&run.id).await?;
        Ok(Progress {
            done,
            tried: tried.into_iter().map(|a| a.step_id).collect(),
            warnings: run.warnings.clone(),
        })
    }
}

impl Progress {
    /// What the step's templates render against: the event, the user and earlier outputs.
    fn values<'a>(&'a self, run: &'a Run, inputs: &'a Inputs) -> workflows::Context<'a> {
        workflows::Context {
            event: &inputs.payload,
            user_id: run.user_id.as_str(),
            user_meta: &inputs.user.meta,
            steps: &self.done.outputs,
            statuses: &self.done.statuses,
        }
    }

    /// A step's template warnings join the run's, each once.
    fn warn(&mut self, warnings: Vec<String>) {
        for warning in warnings {
            if !self.warnings.contains(&warning) {
                self.warnings.push(warning);
            }
        }
    }
}

/// The steps of the branch an `if` step chose (its output says which); nothing for the other
/// kinds.
fn branch<'w>(
    step: &'w workflows::Step,
    output: &Value,
) -> Option<std::slice::Iter<'w, workflows::Step>> {
    let workflows::StepKind::If(step) = &step.kind else {
        return None;
    };
    Some(match steps::chosen(output) {
        steps::Branch::Then => step.then.iter(),
        steps::Branch::Else => step.otherwise.iter(),
    })
}

/// The record of a step's attempt in this attempt of the run, before it is tried.
fn attempt(run: &Run, step_id: &str) -> Attempt {
    let started_ms = now_ms();
    Attempt {
        run_id: run.id.clone(),
        attempt: run.attempts,
        step_id: step_id.to_owned(),
        outcome: AttemptOutcome::Started,
        request: Value::Null,
        response: Value::Null,
        error: None,
        started_ms,
        finished_ms: started_ms,
    }
}
