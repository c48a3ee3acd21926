//! Executing one claimed run: load what it reads (`run_inputs`), run the steps that have no
//! stored output yet (each through `steps::execute`), and settle how each ended: the failure
//! handling of every kind of step, written once here.

use serde_json::{Map, Value, json};

use super::{
    EngineConfig, EngineHandle,
    outcome::{StepDone, StepFailure, StepResult, backoff},
    run_inputs::{self, Blocked, Inputs},
    steps::{self, Account, StepContext},
};
use crate::{
    clock::now_ms,
    connect::{Connect, api_client::ApiClient, endpoints::Endpoints},
    ids::WorkerId,
    storage::{Attempt, AttemptOutcome, Run, RunEnd, RunStatus, StepOutputs, StorageError},
    workflows,
};

pub struct Runner {
    connect: Connect,
    config: EngineConfig,
    owner: WorkerId,
    /// Told when a run answers or ends, for request triggers waiting in this process.
    engine: EngineHandle,
}

/// Where a run stands: the outputs (and statuses) of its finished steps, the steps tried in
/// earlier attempts, the template warnings so far, and the key of the step that finished last
/// (a request-triggered run without a `response` step answers with its output).
struct Progress {
    done: StepOutputs,
    tried: Vec<String>,
    warnings: Vec<String>,
    last: Option<String>,
}

impl Runner {
    pub fn new(
        connect: Connect,
        config: EngineConfig,
        owner: WorkerId,
        engine: EngineHandle,
    ) -> Self {
        Self {
            connect,
            config,
            owner,
            engine,
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
        let (bundle, workflow) = run_inputs::definition(&self.connect.store, run).await?;
        let inputs = run_inputs::inputs(&self.connect.store, run, &bundle, &workflow).await?;
        // A provider gone from the catalogue, or a connection without the values its API base
        // needs, fails the run: another attempt would find the same.
        let endpoints = Endpoints::of(&inputs.integration)
            .map_err(|error| Blocked::Permanent(error.to_string()))?;
        let api = ApiClient::new(&self.connect, endpoints, &inputs.credential);
        let api_base = api
            .api_base()
            .map_err(|error| Blocked::Permanent(error.to_string()))?;
        let account = Account {
            api,
            api_base: &api_base,
            provider: &inputs.integration.name,
        };
        let mut progress = self.progress(run).await?;
        // What is being walked, innermost last: the workflow's steps; the branch of each `if`
        // that ran (its steps run before the steps after the `if`); each `for_each` and its
        // current iteration.
        let mut frames = vec![Frame::Steps(Steps::top(&workflow.steps))];
        while let Some(frame) = frames.last_mut() {
            let (step, key, iteration) = match frame {
                Frame::Loop(each) => {
                    if let Some(iteration) = each.next() {
                        frames.push(Frame::Steps(iteration));
                        continue;
                    }
                    let (key, output) = each.output(&progress.done.outputs);
                    frames.pop();
                    let ctx = self.context(run, &account, &progress, &key);
                    ctx.record_response(&json!({ "iterations": output.len() }));
                    let done = Ok(StepDone::from(Value::Array(output)));
                    let Some(done) = self.settle(run, &ctx, done, &progress.warnings).await? else {
                        return Ok(());
                    };
                    progress.last = Some(key.clone());
                    progress.done.outputs.insert(key, done.output);
                    continue;
                }
                Frame::Steps(list) => match list.steps.next() {
                    Some(step) => (step, list.key(step), list.iteration.clone()),
                    None => {
                        frames.pop();
                        continue;
                    }
                },
            };
            let prefix = key[..key.len() - step.id.as_str().len()].to_owned();
            if let Some(output) = progress.done.outputs.get(&key) {
                // Done in an earlier attempt; an `if` goes on into the branch it chose then, and
                // a `response` is answered again in case that attempt ended before it was.
                self.answer(run, step, output).await?;
                frames.extend(branch(step, output, &prefix, &iteration));
                progress.last = Some(key);
                continue;
            }
            let ctx = self.context(run, &account, &progress, &key);
            let view = progress.view(&prefix);
            let mut missing = Vec::new();
            let result = {
                let values = progress.values(run, &workflow, &inputs, &view, &iteration);
                match &step.kind {
                    workflows::StepKind::ForEach(each) => {
                        each_items(&key, each, &values, &progress.done.outputs, &mut missing)
                            .map(|items| Walk::Loop(each, items))
                    }
                    workflows::StepKind::Delay(delay) => {
                        Ok(Walk::Wait(wake_ms(&key, delay, &progress.done.outputs)))
                    }
                    _ => steps::execute(step, &ctx, &values, &mut missing)
                        .await
                        .map(Walk::Done),
                }
            };
            progress.warn(missing);
            let result = match result {
                Ok(Walk::Loop(each, items)) => {
                    // Kept, so that a retried run walks the same list.
                    let list = Value::Array(items.clone());
                    let kept = items_key(&key);
                    self.connect
                        .store
                        .save_step_output(&run.id, &kept, &list, None)
                        .await?;
                    progress.done.outputs.insert(kept, list);
                    frames.push(Frame::Loop(Loop {
                        key,
                        body: &each.steps,
                        items,
                        next: 0,
                    }));
                    continue;
                }
                Ok(Walk::Wait(wake)) if now_ms() >= wake => Ok(StepDone::from(
                    json!({ "wakeAt": wake.saturating_add(999) / 1000 }),
                )),
                Ok(Walk::Wait(wake)) => {
                    // Kept, so that the wake-up time stays what it was when the run resumes.
                    let kept = wake_key(&key);
                    if !progress.done.outputs.contains_key(&kept) {
                        let wake = Value::from(wake);
                        self.connect
                            .store
                            .save_step_output(&run.id, &kept, &wake, None)
                            .await?;
                    }
                    ctx.record_response(&json!({ "wakeAt": wake.saturating_add(999) / 1000 }));
                    ctx.finish(AttemptOutcome::Waiting, None).await?;
                    self.connect
                        .store
                        .park_run(&run.id, &self.owner, wake, now_ms())
                        .await?;
                    tracing::info!(run = %run.id, step = %key, wake_ms = wake, "run parked");
                    return Ok(());
                }
                Ok(Walk::Done(done)) => Ok(done),
                Err(failure) => Err(failure),
            };
            let Some(done) = self.settle(run, &ctx, result, &progress.warnings).await? else {
                return Ok(());
            };
            if let Some(status) = done.status {
                progress.done.statuses.insert(key.clone(), status.into());
            }
            self.answer(run, step, &done.output).await?;
            frames.extend(branch(step, &done.output, &prefix, &iteration));
            progress.last = Some(key.clone());
            progress.done.outputs.insert(key, done.output);
        }
        if matches!(workflow.trigger, workflows::Trigger::Request(_)) {
            // No `response` step answered: the last step's output does (a no-op otherwise).
            let last = progress.last.as_ref();
            let body = last.and_then(|key| progress.done.outputs.get(key));
            let answer = json!({ "status": 200, "body": body.cloned().unwrap_or(Value::Null) });
            self.connect.store.answer_run(&run.id, &answer).await?;
        }
        self.finish(run, RunStatus::Succeeded, None, &progress.warnings)
            .await?;
        tracing::info!(run = %run.id, workflow = %workflow.id.as_str(), "run succeeded");
        Ok(())
    }

    /// Stores the answer of a `response` step on its run, for the request waiting for it (the
    /// first one only: a run answers once), and tells this process's waiters.
    async fn answer(
        &self,
        run: &Run,
        step: &workflows::Step,
        output: &Value,
    ) -> Result<(), StorageError> {
        if let workflows::StepKind::Response(_) = step.kind {
            if self.connect.store.answer_run(&run.id, output).await? {
                self.engine.answered();
            }
        }
        Ok(())
    }

    /// The context of the step recorded under `key`.
    fn context<'a>(
        &'a self,
        run: &Run,
        account: &Account<'a>,
        progress: &Progress,
        key: &str,
    ) -> StepContext<'a> {
        let retry = progress.tried.iter().any(|tried| tried == key);
        StepContext::new(
            &self.connect.store,
            run.project_id,
            *account,
            attempt(run, key),
            retry,
        )
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
                // Recorded on the step, so Task History and a waiting request trigger name it.
                ctx.finish(AttemptOutcome::Failed, Some(&reason)).await?;
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
        let now = now_ms();
        let ended = self
            .connect
            .store
            .finish_run(
                &run.id,
                &self.owner,
                &RunEnd {
                    status,
                    error: reason,
                    warnings,
                    now_ms: now,
                },
            )
            .await?;
        // A request trigger waiting for this run learns how it ended.
        self.engine.answered();
        // Reported by the worker that ended it (a lost lease ended nothing here).
        if ended {
            crate::webhooks_out::run_ended(&self.connect.store, run, status, reason, now).await;
        }
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
            last: None,
        })
    }
}

impl Progress {
    /// What a step's templates render against: the event or the trigger's request (the run's
    /// recorded input), the user, the outputs of the steps it can see (`view`) and, inside a
    /// `for_each`, the iteration.
    fn values<'a>(
        &'a self,
        run: &'a Run,
        workflow: &workflows::Workflow,
        inputs: &'a Inputs,
        view: &'a StepOutputs,
        iteration: &'a Option<(Value, usize)>,
    ) -> workflows::Context<'a> {
        // The run's input is one stored payload, read under the root its trigger names.
        let by_request = matches!(workflow.trigger, workflows::Trigger::Request(_));
        let by_connection = matches!(workflow.trigger, workflows::Trigger::IntegrationEnabled);
        let by_schedule = matches!(workflow.trigger, workflows::Trigger::Schedule(_));
        workflows::Context {
            event: if by_request || by_connection || by_schedule {
                &Value::Null
            } else {
                &inputs.payload
            },
            request: by_request.then_some(&inputs.payload),
            connection: by_connection.then_some(&inputs.payload),
            schedule: by_schedule.then_some(&inputs.payload),
            user_id: run.user_id.as_str(),
            user_meta: &inputs.user.meta,
            settings: &inputs.settings,
            steps: &view.outputs,
            statuses: &view.statuses,
            iteration: iteration
                .as_ref()
                .map(|(item, index)| workflows::Iteration {
                    item,
                    index: *index,
                }),
        }
    }

    /// The outputs a step under `prefix` reads by plain step id: the top level's, then those of
    /// each enclosing iteration (`<loop>.<index>.<id>`), the innermost winning.
    fn view(&self, prefix: &str) -> StepOutputs {
        let mut levels = vec![0];
        let mut dots = prefix.match_indices('.').map(|(i, _)| i + 1);
        // Each iteration is two segments: the loop's key and the index.
        while let (Some(_), Some(end)) = (dots.next(), dots.next()) {
            levels.push(end);
        }
        let scoped = |all: &Map<String, Value>| {
            let mut out = Map::new();
            for level in &levels {
                let level = &prefix[..*level];
                for (key, value) in all {
                    if let Some(id) = key.strip_prefix(level)
                        && !id.contains(['.', '#'])
                    {
                        out.insert(id.to_owned(), value.clone());
                    }
                }
            }
            out
        };
        StepOutputs {
            outputs: scoped(&self.done.outputs),
            statuses: scoped(&self.done.statuses),
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

/// What walking one step leads to: a `for_each` to walk, a `delay` until this time (Unix
/// milliseconds), or the step done.
enum Walk<'w> {
    Loop(&'w workflows::ForEachStep, Vec<Value>),
    Wait(i64),
    Done(StepDone),
}

/// Where a `delay`'s wake-up time is kept once set.
fn wake_key(key: &str) -> String {
    [key, "#wake"].concat()
}

/// When the `delay` under `key` ends: the time set when the run first reached it, or from now.
fn wake_ms(key: &str, delay: &workflows::DelayStep, outputs: &Map<String, Value>) -> i64 {
    outputs
        .get(&wake_key(key))
        .and_then(Value::as_i64)
        .unwrap_or_else(|| {
            let ms = i64::try_from(delay.delay.ms()).unwrap_or(i64::MAX);
            now_ms().saturating_add(ms)
        })
}

/// A list of steps being walked.
struct Steps<'w> {
    steps: std::slice::Iter<'w, workflows::Step>,
    /// Put before each step's id to make its key in the run's records: nothing at the top,
    /// `<loop key>.<index>.` inside an iteration.
    prefix: String,
    /// The item and index of the iteration the list belongs to, if any.
    iteration: Option<(Value, usize)>,
}

impl<'w> Steps<'w> {
    fn top(steps: &'w [workflows::Step]) -> Self {
        Self {
            steps: steps.iter(),
            prefix: String::new(),
            iteration: None,
        }
    }

    fn key(&self, step: &workflows::Step) -> String {
        [self.prefix.as_str(), step.id.as_str()].concat()
    }
}

/// A `for_each` being walked: its items, and the next iteration to run.
struct Loop<'w> {
    key: String,
    body: &'w [workflows::Step],
    items: Vec<Value>,
    next: usize,
}

impl<'w> Loop<'w> {
    /// The steps of the next iteration, if any is left.
    fn next(&mut self) -> Option<Steps<'w>> {
        let item = self.items.get(self.next)?.clone();
        let index = self.next;
        self.next += 1;
        Some(Steps {
            steps: self.body.iter(),
            prefix: format!("{}.{index}.", self.key),
            iteration: Some((item, index)),
        })
    }

    /// The loop's key and its output: the last step's output of each iteration.
    fn output(&self, outputs: &Map<String, Value>) -> (String, Vec<Value>) {
        let last = self.body.last().map(|s| s.id.as_str()).unwrap_or_default();
        let each = (0..self.items.len())
            .map(|index| {
                let key = format!("{}.{index}.{last}", self.key);
                outputs.get(&key).cloned().unwrap_or(Value::Null)
            })
            .collect();
        (self.key.clone(), each)
    }
}

/// What the runner walks.
enum Frame<'w> {
    Steps(Steps<'w>),
    Loop(Loop<'w>),
}

/// The most items a `for_each` walks.
const MAX_ITEMS: usize = 1_000;

/// Where a `for_each`'s list is kept once rendered.
fn items_key(key: &str) -> String {
    [key, "#items"].concat()
}

/// The list of the `for_each` under `key`: the one an earlier attempt rendered, or its
/// template's value now, which must be a list of at most [`MAX_ITEMS`].
fn each_items(
    key: &str,
    each: &workflows::ForEachStep,
    values: &workflows::Context<'_>,
    outputs: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Value>, StepFailure> {
    if let Some(Value::Array(items)) = outputs.get(&items_key(key)) {
        return Ok(items.clone());
    }
    let rendered = each.items.render(values);
    warnings.extend(rendered.warnings.iter().map(|w| format!("for_each: {w}")));
    let source = each.items.source();
    match rendered.value {
        Value::Array(items) if items.len() <= MAX_ITEMS => Ok(items),
        Value::Array(items) => Err(StepFailure::Failed(format!(
            "for_each `{source}` has {} items, more than the {MAX_ITEMS} a loop may walk",
            items.len()
        ))),
        other => Err(StepFailure::Failed(format!(
            "for_each needs a list, and `{source}` is {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.is_empty() => "empty (no value)",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The steps of the branch an `if` step chose (its output says which), in the same iteration;
/// nothing for the other kinds.
fn branch<'w>(
    step: &'w workflows::Step,
    output: &Value,
    prefix: &str,
    iteration: &Option<(Value, usize)>,
) -> Option<Frame<'w>> {
    let workflows::StepKind::If(step) = &step.kind else {
        return None;
    };
    let steps = match steps::chosen(output) {
        steps::Branch::Then => &step.then,
        steps::Branch::Else => &step.otherwise,
    };
    Some(Frame::Steps(Steps {
        steps: steps.iter(),
        prefix: prefix.to_owned(),
        iteration: iteration.clone(),
    }))
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
