//! Executing one step: [`execute`] dispatches on what the step is to the file that runs that kind
//! of step, with a [`StepContext`] that gives every kind the same services: the user's account
//! at the provider (the one `api_client`: token, refresh, pacing, capped answers), whether the
//! step was tried before, and the attempt record in Task History.
//!
//! A kind of step is a file here with `pub async fn execute(step, ctx, input) -> StepResult`
//! and one line in [`execute`]. It only says what it does and what an answer means; the rest is
//! written once: the runner records the attempt and turns the [`StepResult`] into the run's fate
//! (`Runner::settle`: retry with backoff and `Retry-After`, fail, or go on), and
//! [`StepContext::call`] classifies what every provider call can meet (429 and 5xx are retried,
//! network failures too, egress refusals and dead credentials are permanent).
//!
//! `action` renders the inputs and hands them to the provider's file, `hubspot` or `salesforce`,
//! which knows that provider's actions and answers.
//!
//! `request` sends through [`StepContext::send`], the same token, refresh, pacing and cap, and
//! classifies the answer by its own retry rule (`steps::request`).
//!
//! `if` answers its branch, which the runner walks; `for_each` and `delay` are walked by the
//! runner itself (a loop's iterations, a parked run); `response` renders the answer, which the
//! runner stores on the run for the waiting request trigger; `notify` stores a message for the
//! app's webhook endpoints.

mod action;
mod hubspot;
mod notify;
mod request;
pub mod response;
mod salesforce;

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicBool, Ordering},
};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::outcome::{StepDone, StepFailure, StepResult};
use crate::{
    clock::now_ms,
    connect::{
        ConnectError,
        api_client::{self, ApiAnswer, ApiClient, ApiRequest, CallError, Exchange},
        provider::ProviderError,
    },
    ids::ProjectId,
    storage::{Attempt, AttemptOutcome, StorageError, Store},
    workflows::{Context, Step, StepKind},
};

/// Runs `step`, its templates rendered against `values`; what went missing on the way joins
/// `warnings`.
pub async fn execute(
    step: &Step,
    ctx: &StepContext<'_>,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> StepResult {
    match &step.kind {
        StepKind::Action(step) => action::execute(step, ctx, values, warnings)
            .await
            .map(StepDone::from),
        StepKind::Request(request) => request::execute(request, ctx, values, warnings).await,
        StepKind::If(step) => {
            let branch = if step.condition.holds(values, warnings) {
                Branch::Then
            } else {
                Branch::Else
            };
            let output = json!({ "branch": branch.as_str() });
            ctx.record_response(&output);
            Ok(StepDone::from(output))
        }
        StepKind::Response(step) => response::execute(step, ctx, values, warnings),
        StepKind::Notify(step) => notify::execute(step, ctx, values, warnings).await,
        // The runner walks a loop's iterations and parks a delayed run itself.
        StepKind::ForEach(_) | StepKind::Delay(_) => Err(StepFailure::Invalid(
            "for_each and delay steps are walked by the runner, not executed".into(),
        )),
    }
}

/// The branch an `if` step chose: its output, `{"branch": "then" | "else"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// The condition held.
    Then,
    /// It did not.
    Else,
}

impl Branch {
    fn as_str(self) -> &'static str {
        match self {
            Self::Then => "then",
            Self::Else => "else",
        }
    }
}

/// The branch an `if` step's stored output names.
pub fn chosen(output: &Value) -> Branch {
    if output["branch"] == "then" {
        Branch::Then
    } else {
        Branch::Else
    }
}

/// What a step may use while it runs, and the record of its attempt.
#[derive(Debug)]
pub struct StepContext<'a> {
    store: &'a Store,
    project: ProjectId,
    api: ApiClient<'a>,
    api_base: &'a str,
    provider: &'a str,
    retry: bool,
    attempt: Mutex<Attempt>,
    started: AtomicBool,
}

/// Where a step's calls go.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    /// The user's account at the provider.
    pub api: ApiClient<'a>,
    /// The integration's API base.
    pub api_base: &'a str,
    /// The provider's name in messages ("HubSpot").
    pub provider: &'a str,
}

impl<'a> StepContext<'a> {
    /// The context of the step of `attempt`, in a run of `project`; `retry` says whether the
    /// step was tried in an earlier attempt.
    pub fn new(
        store: &'a Store,
        project: ProjectId,
        account: Account<'a>,
        attempt: Attempt,
        retry: bool,
    ) -> Self {
        Self {
            store,
            project,
            api: account.api,
            api_base: account.api_base,
            provider: account.provider,
            retry,
            attempt: Mutex::new(attempt),
            started: AtomicBool::new(false),
        }
    }

    /// Whether this step was tried before in this run: its effect may already exist at the
    /// provider (an earlier try acted, then its process died or its answer was lost).
    pub fn retry(&self) -> bool {
        self.retry
    }

    /// One call to the provider's API with a JSON body. 429, 5xx and unreachable providers are
    /// [`StepFailure::Retry`] (after the provider's `Retry-After`); egress refusals, answers over
    /// the cap and unusable credentials [`StepFailure::Failed`]; any other answer is the step's
    /// to judge.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Result<(StatusCode, Value), StepFailure> {
        let request = ApiRequest::json(method, self.api_base, path, body.clone());
        self.exchange(&request).await
    }

    /// [`Self::call`] of a request the step built itself (a GET with a query and no body),
    /// its answer classified the same way.
    pub async fn exchange(&self, request: &ApiRequest) -> Result<(StatusCode, Value), StepFailure> {
        let answer = self.send(request).await?;
        let value = answer.json();
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            return Err(StepFailure::Retry {
                message: format!("{} rate limit: {}", self.provider, message(&value)),
                after: Some(answer.retry_after.unwrap_or(api_client::RATE_LIMIT_PAUSE)),
            });
        }
        if answer.status.is_server_error() {
            return Err(StepFailure::Retry {
                message: format!("{} answered {}", self.provider, answer.status.as_u16()),
                after: answer.retry_after,
            });
        }
        // The API client refreshed the token after a first 401 and sent again: a second 401
        // means the fresh token was refused too (the provider's sessions ended again while it
        // refreshed). A dead grant would have failed the refresh itself, so this is worth a
        // later attempt rather than the end of the run.
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(StepFailure::Retry {
                message: format!(
                    "{} refused the user's token again after a refresh: {}",
                    self.provider,
                    message(&value)
                ),
                after: None,
            });
        }
        Ok((answer.status, value))
    }

    /// One call to the provider's API, recorded on the attempt: the answer whatever its status;
    /// no answer at all is [`StepFailure::Retry`], egress refusals, answers over the cap and
    /// unusable credentials [`StepFailure::Failed`].
    pub async fn send(&self, request: &ApiRequest) -> Result<ApiAnswer, StepFailure> {
        self.start().await?;
        let mut exchange = Exchange::default();
        let sent = self.api.send(request, &mut exchange).await;
        {
            let mut attempt = self.attempt.lock().unwrap_or_else(PoisonError::into_inner);
            attempt.request = exchange.request;
            attempt.response = exchange.response;
        }
        sent.map_err(|error| self.call_failure(error))
    }

    fn call_failure(&self, error: CallError) -> StepFailure {
        match error {
            CallError::Credential(ConnectError::Provider(ProviderError::Transient(message))) => {
                StepFailure::Retry {
                    message,
                    after: None,
                }
            }
            CallError::Unreachable(message) => StepFailure::Retry {
                // No answer is not "never arrived": the provider may have acted.
                message: format!("{} gave no answer: {message}", self.provider),
                after: None,
            },
            other => StepFailure::Failed(other.to_string()),
        }
    }

    /// Records the attempt as started, once, before its first call: if the process dies after
    /// the provider acted but before the outcome is stored, the next attempt knows the step was
    /// tried (so a conflict it meets is its own earlier effect).
    async fn start(&self) -> Result<(), StepFailure> {
        if self.started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let attempt = self.attempt_now();
        self.store.record_attempt(&attempt).await?;
        Ok(())
    }

    /// Records how the attempt ended (`succeeded`, `retry` or `failed`), with what was sent and
    /// received last.
    pub async fn finish(
        &self,
        outcome: AttemptOutcome,
        error: Option<&str>,
    ) -> Result<(), StorageError> {
        let mut attempt = self.attempt_now();
        attempt.outcome = outcome;
        attempt.error = error.map(str::to_owned);
        attempt.finished_ms = now_ms();
        self.store.record_attempt(&attempt).await
    }

    /// What the attempt shows as the step's result when it made no call (an `if`'s branch).
    pub fn record_response(&self, value: &Value) {
        let mut attempt = self.attempt.lock().unwrap_or_else(PoisonError::into_inner);
        attempt.response = value.clone();
    }

    /// What the attempt shows as sent when the step made no call (a `notify`'s message).
    pub fn record_request(&self, value: &Value) {
        let mut attempt = self.attempt.lock().unwrap_or_else(PoisonError::into_inner);
        attempt.request = value.clone();
    }

    /// The step's id.
    pub fn step_id(&self) -> String {
        self.attempt_now().step_id
    }

    /// The run's id.
    pub fn run_id(&self) -> String {
        self.attempt_now().run_id.to_string()
    }

    /// The run's project.
    pub fn project(&self) -> ProjectId {
        self.project
    }

    /// The platform's storage.
    pub fn store(&self) -> &'a Store {
        self.store
    }

    fn attempt_now(&self) -> Attempt {
        self.attempt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The error text of an answer: its `message` (HubSpot's and many APIs' error shape), or the
/// `message` of each error of a list (Salesforce's `[{message, errorCode, fields}]`), else the
/// whole body.
pub fn message(body: &Value) -> String {
    if let Some(text) = body["message"].as_str() {
        return text.to_owned();
    }
    let listed: Vec<&str> = body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|error| error["message"].as_str())
        .collect();
    if listed.is_empty() {
        body.to_string()
    } else {
        listed.join("; ")
    }
}
