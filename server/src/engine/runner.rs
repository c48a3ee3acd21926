//! Executing one claimed run: load its workflow version, event, user and credential, run the
//! steps that have no stored output yet, and record every attempt for Task History.

use std::sync::Arc;

use serde_json::Value;

use super::{
    EngineConfig,
    hubspot::{self, ContactAction, Target},
    outcome::{StepOutcome, backoff},
    pacing::Pacer,
};
use crate::{
    connect::Connect,
    ids::WorkerId,
    storage::{Attempt, AttemptOutcome, CredentialStatus, Run, RunEnd, RunStatus, StorageError},
    workflows::{self, Action, Bundle, ContactRequest, OnConflict},
};

pub struct Runner {
    connect: Connect,
    config: EngineConfig,
    owner: WorkerId,
    pacer: Arc<Pacer>,
}

/// Why a run cannot even start its steps: the definition, event, user or credential is gone.
enum Blocked {
    Permanent(String),
    Storage(StorageError),
}

impl From<StorageError> for Blocked {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

impl Runner {
    pub fn new(connect: Connect, config: EngineConfig, owner: WorkerId) -> Self {
        let pacer = Arc::new(Pacer::new(config.rate_limit.0, config.rate_limit.1));
        Self {
            connect,
            config,
            owner,
            pacer,
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
                    .connect
                    .store
                    .finish_run(
                        &run.id,
                        &self.owner,
                        &RunEnd {
                            status: RunStatus::Failed,
                            error: Some(&reason),
                            warnings: &[],
                            now_ms: now_ms(),
                        },
                    )
                    .await;
            }
            Err(Blocked::Storage(error)) => {
                tracing::error!(run = %run.id, %error, "run interrupted by a storage error; its lease will expire");
            }
        }
    }

    async fn steps(&self, run: &Run) -> Result<(), Blocked> {
        let store = &self.connect.store;
        if run.attempts > self.config.max_attempts {
            return Err(Blocked::Permanent(format!(
                "gave up after {} attempts",
                self.config.max_attempts
            )));
        }
        let bundle_text = store
            .workflow_bundle(run.project_id, run.workflow_version)
            .await?
            .ok_or_else(|| Blocked::Permanent("the workflow version is gone".into()))?;
        let bundle: Bundle = serde_json::from_str(&bundle_text)
            .map_err(|e| Blocked::Permanent(format!("unreadable workflow version: {e}")))?;
        let deployed = store
            .workflow_any(run.project_id, &run.workflow_id)
            .await?
            .ok_or_else(|| Blocked::Permanent("the workflow is gone".into()))?;
        let workflow = bundle
            .workflows
            .iter()
            .find(|w| w.id.as_str() == deployed.slug)
            .ok_or_else(|| {
                Blocked::Permanent(format!(
                    "version {} has no workflow {}",
                    run.workflow_version, deployed.slug
                ))
            })?;
        let (_, payload) = store
            .event(run.project_id, &run.event_id)
            .await?
            .ok_or_else(|| Blocked::Permanent("the event is gone".into()))?;
        let user = store
            .ensure_user(run.project_id, &run.user_id, crate::clock::now())
            .await?;
        let integration = store
            .integration_by_provider(run.project_id, workflow.integration.as_str())
            .await?
            .ok_or_else(|| {
                Blocked::Permanent(format!(
                    "the project has no {} integration",
                    workflow.integration.as_str()
                ))
            })?;
        let credential = store
            .credential_for(run.project_id, &run.user_id, &integration.id)
            .await?
            .ok_or_else(|| {
                Blocked::Permanent(format!("the user has not connected {}", integration.name))
            })?;
        if credential.status == CredentialStatus::Invalid {
            return Err(Blocked::Permanent(format!(
                "the user's {} credential is invalid: they must reconnect",
                integration.name
            )));
        }
        let target = Target {
            connect: &self.connect,
            credential: &credential,
            api_base: &integration.api_base,
            pacer: &self.pacer,
        };
        let mut outputs = store.step_outputs(&run.id).await?;
        let tried: Vec<String> = store
            .attempts(&run.id)
            .await?
            .into_iter()
            .map(|a| a.step_id)
            .collect();
        let mut warnings = run.warnings.clone();
        for step in &workflow.steps {
            let step_id = step.id.as_str().to_owned();
            if outputs.contains_key(&step_id) {
                continue;
            }
            let context = workflows::Context {
                event: &payload,
                user_id: run.user_id.as_str(),
                user_meta: &user.meta,
                steps: &outputs,
            };
            let (input, step_warnings) = workflows::render_step_input(step, &context);
            for warning in step_warnings {
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
            }
            let action = match step.action {
                Action::CreateContact => ContactAction::Create {
                    update_on_conflict: step.on_conflict == OnConflict::Update,
                },
                Action::UpsertContact => ContactAction::Upsert,
                Action::UpdateContact => ContactAction::Update,
            };
            let started_ms = now_ms();
            let retry = tried.contains(&step_id);
            let request = match ContactRequest::new(step.action, &input) {
                Ok(request) => request,
                Err(missing) => {
                    let reason = missing.to_string();
                    store
                        .finish_run(
                            &run.id,
                            &self.owner,
                            &RunEnd {
                                status: RunStatus::Failed,
                                error: Some(&reason),
                                warnings: &warnings,
                                now_ms: now_ms(),
                            },
                        )
                        .await?;
                    return Ok(());
                }
            };
            let mut attempt = Attempt {
                run_id: run.id.clone(),
                attempt: run.attempts,
                step_id: step_id.clone(),
                outcome: AttemptOutcome::Started,
                request: Value::Null,
                response: Value::Null,
                error: None,
                started_ms,
                finished_ms: started_ms,
            };
            // Written before the call: if this process dies after HubSpot acted but before the
            // outcome is stored, the next attempt knows the step was tried (a 409 is then ours).
            store.record_attempt(&attempt).await?;
            let (outcome, exchange) = hubspot::run(&target, action, request, retry).await;
            attempt.request = exchange.request;
            attempt.response = exchange.response;
            attempt.finished_ms = now_ms();
            match outcome {
                StepOutcome::Done(output) => {
                    attempt.outcome = AttemptOutcome::Succeeded;
                    store.record_attempt(&attempt).await?;
                    store.save_step_output(&run.id, &step_id, &output).await?;
                    outputs.insert(step_id.clone(), output);
                }
                StepOutcome::Retry { message, after } => {
                    attempt.outcome = AttemptOutcome::Retry;
                    attempt.error = Some(message.clone());
                    store.record_attempt(&attempt).await?;
                    if run.attempts >= self.config.max_attempts {
                        let reason = format!("gave up after {} attempts: {message}", run.attempts);
                        store
                            .finish_run(
                                &run.id,
                                &self.owner,
                                &RunEnd {
                                    status: RunStatus::Failed,
                                    error: Some(&reason),
                                    warnings: &warnings,
                                    now_ms: now_ms(),
                                },
                            )
                            .await?;
                    } else {
                        let wait = i64::try_from(backoff(run.attempts, after).as_millis())
                            .unwrap_or(i64::MAX);
                        store
                            .retry_run(
                                &run.id,
                                &self.owner,
                                now_ms().saturating_add(wait),
                                &message,
                                now_ms(),
                            )
                            .await?;
                    }
                    return Ok(());
                }
                StepOutcome::Failed(message) => {
                    attempt.outcome = AttemptOutcome::Failed;
                    attempt.error = Some(message.clone());
                    store.record_attempt(&attempt).await?;
                    store
                        .finish_run(
                            &run.id,
                            &self.owner,
                            &RunEnd {
                                status: RunStatus::Failed,
                                error: Some(&message),
                                warnings: &warnings,
                                now_ms: now_ms(),
                            },
                        )
                        .await?;
                    return Ok(());
                }
            }
        }
        store
            .finish_run(
                &run.id,
                &self.owner,
                &RunEnd {
                    status: RunStatus::Succeeded,
                    error: None,
                    warnings: &warnings,
                    now_ms: now_ms(),
                },
            )
            .await?;
        tracing::info!(run = %run.id, workflow = %deployed.slug, "run succeeded");
        Ok(())
    }
}

/// Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
