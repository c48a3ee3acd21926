//! The engine's queries both backends share (see `sql_projects.rs` for why they are written
//! once). Claiming runs differs (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and lives in each
//! backend's file.

use super::{Run, RunStatus, StorageError};

pub(super) const RUN_COLUMNS: &str = "id, project_id, user_id, workflow_id, workflow_version, event_id, status, attempts, next_attempt_ms, lease_until_ms, lease_owner, error, warnings, created_ms, updated_ms, finished_ms";
pub(super) const WORKFLOW_COLUMNS: &str =
    "id, project_id, slug, name, integration, trigger_event, default_enabled, version";

/// The claim of `RunQueue::claim_runs`: due runs (queued and due, or running under an expired
/// lease) move to `running` under a lease, counting one attempt. `lock` is what the backend adds
/// to the inner select (`FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on SQLite).
pub(super) fn claim_sql(lock: &str) -> String {
    format!(
        "UPDATE runs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_until_ms = $2 + $3, updated_ms = $2
         WHERE id IN (SELECT id FROM runs
                      WHERE (status = 'queued' AND next_attempt_ms <= $2) OR (status = 'running' AND lease_until_ms < $2)
                      ORDER BY next_attempt_ms LIMIT $4 {lock})
         RETURNING {RUN_COLUMNS}"
    )
}

/// Turns the columns of a run row into a [`Run`].
#[allow(clippy::too_many_arguments)]
pub(super) fn run_from_parts(
    id: String,
    project_id: String,
    user_id: String,
    workflow_id: String,
    workflow_version: i64,
    event_id: String,
    status: &str,
    attempts: i64,
    next_attempt_ms: i64,
    lease_until_ms: Option<i64>,
    lease_owner: Option<String>,
    error: Option<String>,
    warnings: &str,
    created_ms: i64,
    updated_ms: i64,
    finished_ms: Option<i64>,
) -> Result<Run, StorageError> {
    Ok(Run {
        status: RunStatus::parse(status)
            .ok_or_else(|| StorageError::Corrupt(format!("run status {status:?}")))?,
        warnings: serde_json::from_str(warnings)
            .map_err(|e| StorageError::Corrupt(format!("warnings: {e}")))?,
        id,
        project_id,
        user_id,
        workflow_id,
        workflow_version,
        event_id,
        attempts,
        next_attempt_ms,
        lease_until_ms,
        lease_owner,
        error,
        created_ms,
        updated_ms,
        finished_ms,
    })
}

macro_rules! engine_storage {
    ($store:ty, $row:ty) => {
        impl $store {
            /// [`claim_sql`] with the backend's lock clause.
            async fn claim(
                &self,
                lock: &str,
                owner: &str,
                now_ms: i64,
                lease_ms: i64,
                limit: i64,
            ) -> Result<Vec<$crate::storage::Run>, $crate::storage::StorageError> {
                let sql = $crate::storage::sql_engine::claim_sql(lock);
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(owner)
                    .bind(now_ms)
                    .bind(lease_ms)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::run_row).collect()
            }

            fn run_row(r: &$row) -> Result<$crate::storage::Run, $crate::storage::StorageError> {
                use sqlx::Row;
                $crate::storage::sql_engine::run_from_parts(
                    r.try_get("id")?,
                    r.try_get("project_id")?,
                    r.try_get("user_id")?,
                    r.try_get("workflow_id")?,
                    r.try_get("workflow_version")?,
                    r.try_get("event_id")?,
                    &r.try_get::<String, _>("status")?,
                    r.try_get("attempts")?,
                    r.try_get("next_attempt_ms")?,
                    r.try_get("lease_until_ms")?,
                    r.try_get("lease_owner")?,
                    r.try_get("error")?,
                    &r.try_get::<String, _>("warnings")?,
                    r.try_get("created_ms")?,
                    r.try_get("updated_ms")?,
                    r.try_get("finished_ms")?,
                )
            }

            fn workflow_row(r: &$row) -> Result<$crate::storage::DeployedWorkflow, $crate::storage::StorageError> {
                use sqlx::Row;
                Ok($crate::storage::DeployedWorkflow {
                    id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                    integration: r.try_get("integration")?,
                    trigger_event: r.try_get("trigger_event")?,
                    default_enabled: r.try_get::<i64, _>("default_enabled")? != 0,
                    version: r.try_get("version")?,
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::EngineStore for $store {
            async fn deploy(
                &self,
                project: &str,
                bundle: &str,
                specs: &[$crate::storage::WorkflowSpec],
                now_ms: i64,
            ) -> Result<(i64, Vec<$crate::storage::DeployedWorkflow>), $crate::storage::StorageError> {
                let mut tx = self.pool.begin().await?;
                // The version row is written first: the transaction holds the write lock from
                // its first statement, so two deploys serialize instead of failing.
                let version: i64 = sqlx::query_scalar(
                    "INSERT INTO workflow_versions (project_id, version, bundle, created_at)
                     VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM workflow_versions WHERE project_id = $1), $2, $3)
                     RETURNING version",
                )
                .bind(project).bind(bundle).bind(now_ms)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("UPDATE workflows SET active = 0 WHERE project_id = $1")
                    .bind(project)
                    .execute(&mut *tx)
                    .await?;
                for spec in specs {
                    sqlx::query(
                        "INSERT INTO workflows (id, project_id, slug, name, integration, trigger_event, default_enabled, version, active)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
                         ON CONFLICT (project_id, slug) DO UPDATE SET name = excluded.name, integration = excluded.integration,
                           trigger_event = excluded.trigger_event, default_enabled = excluded.default_enabled,
                           version = excluded.version, active = 1",
                    )
                    .bind(uuid::Uuid::new_v4().to_string()).bind(project).bind(&spec.slug).bind(&spec.name)
                    .bind(&spec.integration).bind(&spec.trigger_event).bind(i64::from(spec.default_enabled)).bind(version)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok((version, self.workflows(project).await?))
            }

            async fn workflow_bundle(&self, project: &str, version: i64) -> Result<Option<String>, $crate::storage::StorageError> {
                Ok(sqlx::query_scalar("SELECT bundle FROM workflow_versions WHERE project_id = $1 AND version = $2")
                    .bind(project).bind(version)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn workflows(&self, project: &str) -> Result<Vec<$crate::storage::DeployedWorkflow>, $crate::storage::StorageError> {
                let sql = format!(
                    "SELECT {} FROM workflows WHERE project_id = $1 AND active = 1 ORDER BY slug",
                    $crate::storage::sql_engine::WORKFLOW_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).fetch_all(&self.pool).await?;
                rows.iter().map(Self::workflow_row).collect()
            }

            async fn workflow(&self, project: &str, id: &str) -> Result<Option<$crate::storage::DeployedWorkflow>, $crate::storage::StorageError> {
                let sql = format!(
                    "SELECT {} FROM workflows WHERE project_id = $1 AND id = $2 AND active = 1",
                    $crate::storage::sql_engine::WORKFLOW_COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::workflow_row).transpose()
            }

            async fn workflow_any(&self, project: &str, id: &str) -> Result<Option<$crate::storage::DeployedWorkflow>, $crate::storage::StorageError> {
                let sql = format!(
                    "SELECT {} FROM workflows WHERE project_id = $1 AND id = $2",
                    $crate::storage::sql_engine::WORKFLOW_COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::workflow_row).transpose()
            }

            async fn set_user_workflow(&self, project: &str, user: &str, workflow: &str, enabled: bool, now_ms: i64) -> Result<(), $crate::storage::StorageError> {
                sqlx::query(
                    "INSERT INTO user_workflows (project_id, user_id, workflow_id, enabled, updated_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (project_id, user_id, workflow_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
                )
                .bind(project).bind(user).bind(workflow).bind(i64::from(enabled)).bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn user_workflow_choices(&self, project: &str, user: &str) -> Result<Vec<(String, bool)>, $crate::storage::StorageError> {
                let rows: Vec<(String, i64)> = sqlx::query_as("SELECT workflow_id, enabled FROM user_workflows WHERE project_id = $1 AND user_id = $2")
                    .bind(project).bind(user)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(id, enabled)| (id, enabled != 0)).collect())
            }

            async fn record_event(&self, event: &$crate::storage::NewEvent) -> Result<$crate::storage::EventOutcome, $crate::storage::StorageError> {
                let mut tx = self.pool.begin().await?;
                // Written first, for the write lock (see `deploy`) and for idempotency: a repeat
                // of the key inserts nothing and gets the first answer.
                let inserted = sqlx::query(
                    "INSERT INTO app_events (id, project_id, user_id, idempotency_key, name, payload, runs, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 0, $7) ON CONFLICT (project_id, user_id, idempotency_key) DO NOTHING",
                )
                .bind(&event.id).bind(&event.project_id).bind(&event.user_id).bind(&event.idempotency_key)
                .bind(&event.name).bind(event.payload.to_string()).bind(event.created_ms)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    let (id, runs): (String, i64) = sqlx::query_as(
                        "SELECT id, runs FROM app_events WHERE project_id = $1 AND user_id = $2 AND idempotency_key = $3",
                    )
                    .bind(&event.project_id).bind(&event.user_id).bind(&event.idempotency_key)
                    .fetch_one(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok($crate::storage::EventOutcome { id, runs, duplicate: true });
                }
                let matching: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT w.id, w.version FROM workflows w
                     JOIN integrations i ON i.project_id = w.project_id AND i.provider = w.integration
                     JOIN credentials c ON c.project_id = w.project_id AND c.integration_id = i.id AND c.user_id = $2 AND c.status = 'VALID'
                     LEFT JOIN user_workflows uw ON uw.project_id = w.project_id AND uw.workflow_id = w.id AND uw.user_id = $2
                     WHERE w.project_id = $1 AND w.trigger_event = $3 AND w.active = 1 AND COALESCE(uw.enabled, w.default_enabled) = 1
                     ORDER BY w.slug",
                )
                .bind(&event.project_id).bind(&event.user_id).bind(&event.name)
                .fetch_all(&mut *tx)
                .await?;
                for (workflow_id, version) in &matching {
                    sqlx::query(
                        "INSERT INTO runs (id, project_id, user_id, workflow_id, workflow_version, event_id, status, attempts,
                           next_attempt_ms, warnings, created_ms, updated_ms)
                         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, '[]', $7, $7)",
                    )
                    .bind(uuid::Uuid::new_v4().to_string()).bind(&event.project_id).bind(&event.user_id)
                    .bind(workflow_id).bind(version).bind(&event.id).bind(event.created_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                let runs = matching.len() as i64;
                sqlx::query("UPDATE app_events SET runs = $2 WHERE id = $1")
                    .bind(&event.id).bind(runs)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok($crate::storage::EventOutcome { id: event.id.clone(), runs, duplicate: false })
            }

            async fn event(&self, project: &str, id: &str) -> Result<Option<(String, serde_json::Value)>, $crate::storage::StorageError> {
                let row: Option<(String, String)> = sqlx::query_as("SELECT name, payload FROM app_events WHERE project_id = $1 AND id = $2")
                    .bind(project).bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(name, payload)| {
                    serde_json::from_str(&payload)
                        .map(|p| (name, p))
                        .map_err(|e| $crate::storage::StorageError::Corrupt(format!("event payload: {e}")))
                })
                .transpose()
            }

            async fn run(&self, project: &str, id: &str) -> Result<Option<$crate::storage::Run>, $crate::storage::StorageError> {
                let sql = format!("SELECT {} FROM runs WHERE project_id = $1 AND id = $2", $crate::storage::sql_engine::RUN_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::run_row).transpose()
            }

            async fn runs(&self, project: &str, f: &$crate::storage::RunFilter) -> Result<Vec<$crate::storage::Run>, $crate::storage::StorageError> {
                let (before_ms, before_id) = f.before.clone().unwrap_or((i64::MAX, String::new()));
                let sql = format!(
                    "SELECT {} FROM runs WHERE project_id = $1
                       AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR workflow_id = $3) AND ($4 IS NULL OR status = $4)
                       AND created_ms >= $5 AND created_ms < $6
                       AND (created_ms < $7 OR (created_ms = $7 AND id < $8) OR $8 = '')
                     ORDER BY created_ms DESC, id DESC LIMIT $9",
                    $crate::storage::sql_engine::RUN_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(project).bind(&f.user_id).bind(&f.workflow_id).bind(f.status.map(|s| s.as_str()))
                    .bind(f.since_ms.unwrap_or(0)).bind(f.until_ms.unwrap_or(i64::MAX)).bind(before_ms).bind(before_id)
                    .bind(f.limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::run_row).collect()
            }

            async fn step_outputs(&self, run: &str) -> Result<serde_json::Map<String, serde_json::Value>, $crate::storage::StorageError> {
                let rows: Vec<(String, String)> = sqlx::query_as("SELECT step_id, output FROM run_steps WHERE run_id = $1")
                    .bind(run)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|(step, output)| {
                        serde_json::from_str(&output)
                            .map(|v| (step, v))
                            .map_err(|e| $crate::storage::StorageError::Corrupt(format!("step output: {e}")))
                    })
                    .collect()
            }

            async fn save_step_output(&self, run: &str, step: &str, output: &serde_json::Value) -> Result<(), $crate::storage::StorageError> {
                sqlx::query("INSERT INTO run_steps (run_id, step_id, output) VALUES ($1, $2, $3) ON CONFLICT (run_id, step_id) DO UPDATE SET output = excluded.output")
                    .bind(run).bind(step).bind(output.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_attempt(&self, a: &$crate::storage::Attempt) -> Result<(), $crate::storage::StorageError> {
                sqlx::query(
                    "INSERT INTO run_attempts (run_id, attempt, step_id, outcome, request, response, error, started_ms, finished_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (run_id, attempt, step_id) DO UPDATE SET outcome = excluded.outcome, request = excluded.request, response = excluded.response,
                       error = excluded.error, finished_ms = excluded.finished_ms",
                )
                .bind(&a.run_id).bind(a.attempt).bind(&a.step_id).bind(&a.outcome).bind(a.request.to_string())
                .bind(a.response.to_string()).bind(&a.error).bind(a.started_ms).bind(a.finished_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn attempts(&self, run: &str) -> Result<Vec<$crate::storage::Attempt>, $crate::storage::StorageError> {
                let rows: Vec<(String, i64, String, String, String, String, Option<String>, i64, i64)> = sqlx::query_as(
                    "SELECT run_id, attempt, step_id, outcome, request, response, error, started_ms, finished_ms
                     FROM run_attempts WHERE run_id = $1 ORDER BY attempt, started_ms",
                )
                .bind(run)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(run_id, attempt, step_id, outcome, request, response, error, started_ms, finished_ms)| $crate::storage::Attempt {
                        run_id,
                        attempt,
                        step_id,
                        outcome,
                        request: serde_json::from_str(&request).unwrap_or(serde_json::Value::Null),
                        response: serde_json::from_str(&response).unwrap_or(serde_json::Value::Null),
                        error,
                        started_ms,
                        finished_ms,
                    })
                    .collect())
            }

            async fn finish_run(
                &self,
                run: &str,
                owner: &str,
                status: $crate::storage::RunStatus,
                error: Option<&str>,
                warnings: &[String],
                now_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let warnings = serde_json::to_string(warnings).unwrap_or_else(|_| "[]".into());
                let done = sqlx::query(
                    "UPDATE runs SET status = $3, error = $4, warnings = $5, lease_owner = NULL, lease_until_ms = NULL,
                       finished_ms = $6, updated_ms = $6
                     WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
                )
                .bind(run).bind(owner).bind(status.as_str()).bind(error).bind(warnings).bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn retry_run(&self, run: &str, owner: &str, next_attempt_ms: i64, error: &str, now_ms: i64) -> Result<bool, $crate::storage::StorageError> {
                let done = sqlx::query(
                    "UPDATE runs SET status = 'queued', error = $4, next_attempt_ms = $3, lease_owner = NULL, lease_until_ms = NULL,
                       updated_ms = $5
                     WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
                )
                .bind(run).bind(owner).bind(next_attempt_ms).bind(error).bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn enqueue_replay(&self, run: &$crate::storage::Run, new_id: &str, now_ms: i64) -> Result<(), $crate::storage::StorageError> {
                sqlx::query(
                    "INSERT INTO runs (id, project_id, user_id, workflow_id, workflow_version, event_id, status, attempts,
                       next_attempt_ms, warnings, created_ms, updated_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, '[]', $7, $7)",
                )
                .bind(new_id).bind(&run.project_id).bind(&run.user_id).bind(&run.workflow_id)
                .bind(run.workflow_version).bind(&run.event_id).bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(super) use engine_storage;
