//! Webhooks out: a project's endpoints and the deliveries of its messages to them, with every
//! attempt, behind the [`WebhookStore`] trait and the queries both databases share. Times are
//! Unix milliseconds.
//!
//! A delivery is written (with its exact body) before it is sent, and claimed by a worker under
//! a lease the way runs are (`engine.rs`): replicas claiming at once take different deliveries,
//! and one whose worker died is claimed again when its lease expires.

use std::fmt::Debug;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Executor};

use super::{
    StorageError,
    backend::{Backend, Column, Param, RowsAffected, SqlStore, from_json},
};
use crate::ids::{ProjectId, WebhookDeliveryId, WebhookEndpointId, WorkerId};

/// A project's webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// `ep_…`.
    pub id: WebhookEndpointId,
    /// The project.
    pub project_id: ProjectId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// A note for people.
    pub description: String,
    /// The event types it receives.
    pub event_types: Vec<String>,
    /// The sealed signing secret (column `secret`).
    pub secret: Vec<u8>,
    /// The first failed attempt of the current failing streak, Unix ms.
    pub failing_since_ms: Option<i64>,
    /// When it was disabled, Unix ms.
    pub disabled_ms: Option<i64>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms.
    pub updated_ms: i64,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for a worker (new, or backing off before a retry).
    Pending,
    /// Claimed by a worker under a lease.
    Sending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Refused for good (a 4xx other than 429), retries exhausted, or the endpoint disabled.
    Failed,
}

impl DeliveryStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// One message to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// `dlv_…`.
    pub id: WebhookDeliveryId,
    /// `msg_…`: the body's `id` and the `webhook-id` header, the same on every attempt.
    pub message_id: String,
    /// The project.
    pub project_id: ProjectId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event type.
    pub event_type: String,
    /// The exact JSON body.
    pub body: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts since it was (re)queued (a claim counts one).
    pub attempts: i64,
    /// When it is due, Unix ms.
    pub next_attempt_ms: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms.
    pub finished_ms: Option<i64>,
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The delivery.
    pub delivery_id: WebhookDeliveryId,
    /// The delivery's attempt number in its current round.
    pub attempt: i64,
    /// The endpoint's HTTP status, when it answered.
    pub status_code: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// How long the request took.
    pub duration_ms: i64,
    /// Unix ms.
    pub started_ms: i64,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this endpoint's deliveries.
    pub endpoint_id: Option<WebhookEndpointId>,
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatus>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Deliveries older than this (created ms, id) cursor: the next page.
    pub before: Option<(i64, String)>,
    /// Page size.
    pub limit: i64,
}

/// A message to store for every subscribed endpoint.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// The project.
    pub project_id: ProjectId,
    /// `msg_…`.
    pub message_id: &'a str,
    /// The event type.
    pub event_type: &'a str,
    /// The exact JSON body.
    pub body: &'a str,
    /// Unix ms.
    pub now_ms: i64,
}

/// What a project changes on an endpoint (`None`: unchanged). Only these columns are written,
/// so a change racing the worker (disabling it, noting a failure) or a rotation keeps theirs.
#[derive(Debug, Clone, Copy, Default)]
pub struct EndpointUpdate<'a> {
    /// A new (checked) URL.
    pub url: Option<&'a str>,
    /// A new description.
    pub description: Option<&'a str>,
    /// A new (checked) list of types.
    pub event_types: Option<&'a [String]>,
}

/// An endpoint's current failing streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailingStreak {
    /// Its first failed attempt, Unix ms.
    pub since_ms: i64,
    /// Its failed attempts, one after the other.
    pub attempts: i64,
}

/// Endpoints, deliveries and attempts.
#[async_trait]
pub trait WebhookStore: Send + Sync + Debug {
    /// Stores a new endpoint.
    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpoint)
    -> Result<(), StorageError>;
    /// The project's endpoints, oldest first.
    async fn webhook_endpoints(
        &self,
        project: ProjectId,
    ) -> Result<Vec<WebhookEndpoint>, StorageError>;
    /// One endpoint of the project.
    async fn webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
    ) -> Result<Option<WebhookEndpoint>, StorageError>;
    /// Writes the given url, description and types of an endpoint of the project, and nothing
    /// else; `false` if it is gone.
    async fn update_webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
        update: &EndpointUpdate<'_>,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Replaces an endpoint's sealed secret, and nothing else; `false` if it is gone.
    async fn set_webhook_endpoint_secret(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
        secret: &[u8],
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Enables an endpoint of the project and forgets its failing streak; `false` if it is gone.
    async fn enable_webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Deletes an endpoint and its deliveries; `false` if there was none.
    async fn delete_webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
    ) -> Result<bool, StorageError>;
    /// In one transaction: a pending delivery of the message for each enabled endpoint of the
    /// project subscribed to its type, unless the endpoint has this message id already (a
    /// retried `notify` step). Returns how many endpoints are subscribed.
    async fn enqueue_webhook(&self, message: &NewMessage<'_>) -> Result<u64, StorageError>;
    /// Claims up to `limit` due deliveries (pending and due, or sending under an expired
    /// lease) for `owner` until `now_ms + lease_ms`, counting one attempt each, and never so
    /// many of one endpoint that it has more than `per_endpoint` under a live lease.
    async fn claim_deliveries(
        &self,
        owner: &WorkerId,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
        per_endpoint: i64,
    ) -> Result<Vec<WebhookDelivery>, StorageError>;
    /// In one transaction: ends a delivery held by `owner` (delivered or failed) and records
    /// the attempt that ended it, if any; `false` if the lease was lost (the attempt is
    /// recorded all the same: it was made).
    async fn finish_delivery(
        &self,
        id: &WebhookDeliveryId,
        owner: &WorkerId,
        status: DeliveryStatus,
        error: Option<&str>,
        attempt: Option<&DeliveryAttempt>,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// In one transaction: puts a delivery held by `owner` back in the queue until
    /// `next_attempt_ms` and records the attempt that failed, if any.
    async fn retry_delivery(
        &self,
        id: &WebhookDeliveryId,
        owner: &WorkerId,
        next_attempt_ms: i64,
        error: &str,
        attempt: Option<&DeliveryAttempt>,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Gives back a delivery held by `owner` that was not attempted (due now, its claim not
    /// counted); `false` if the lease was lost.
    async fn release_delivery(
        &self,
        id: &WebhookDeliveryId,
        owner: &WorkerId,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Notes a failed attempt at the endpoint and returns its failing streak: a new one unless
    /// one runs whose latest failure is at or after `stale_before_ms` (an older one says
    /// nothing about the endpoint now).
    async fn endpoint_failed(
        &self,
        id: &WebhookEndpointId,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> Result<Option<FailingStreak>, StorageError>;
    /// Notes a successful attempt: ends the endpoint's failing streak.
    async fn endpoint_succeeded(&self, id: &WebhookEndpointId) -> Result<(), StorageError>;
    /// Disables an endpoint (unless it already is) and fails its pending deliveries; `true`
    /// if this call disabled it.
    async fn disable_webhook_endpoint(
        &self,
        id: &WebhookEndpointId,
        reason: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// The project's deliveries, newest first.
    async fn webhook_deliveries(
        &self,
        project: ProjectId,
        filter: &DeliveryFilter,
    ) -> Result<Vec<WebhookDelivery>, StorageError>;
    /// One delivery of the project.
    async fn webhook_delivery(
        &self,
        project: ProjectId,
        id: &WebhookDeliveryId,
    ) -> Result<Option<WebhookDelivery>, StorageError>;
    /// Every attempt of a delivery, oldest first.
    async fn delivery_attempts(
        &self,
        id: &WebhookDeliveryId,
    ) -> Result<Vec<DeliveryAttempt>, StorageError>;
    /// Queues a delivery of the project again, due now, with a fresh round of attempts (a
    /// resend); `false` if there is none or a worker holds it.
    async fn requeue_delivery(
        &self,
        project: ProjectId,
        id: &WebhookDeliveryId,
        now_ms: i64,
    ) -> Result<bool, StorageError>;
    /// Deletes up to `limit` deliveries that ended before `before_ms`, with their attempts;
    /// returns how many.
    async fn purge_deliveries(&self, before_ms: i64, limit: i64) -> Result<u64, StorageError>;
}

/// Waking delivery workers when deliveries were queued: what differs per backend.
#[async_trait]
pub trait WebhookQueue: Send + Sync + Debug {
    /// Tells every worker sharing this database that deliveries were queued (PostgreSQL
    /// `NOTIFY`; a no-op where one process owns the database).
    async fn announce_deliveries(&self) -> Result<(), StorageError>;

    /// Calls `wake` whenever any process announces deliveries, until the process ends
    /// (PostgreSQL `LISTEN`, reconnecting after errors; a no-op on SQLite).
    fn watch_deliveries(&self, wake: &'static tokio::sync::Notify);
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: WebhookEndpointId,
    project_id: ProjectId,
    url: String,
    description: String,
    event_types: String,
    secret: Vec<u8>,
    failing_since_ms: Option<i64>,
    disabled_ms: Option<i64>,
    disabled_reason: Option<String>,
    created_ms: i64,
    updated_ms: i64,
}

impl TryFrom<EndpointRow> for WebhookEndpoint {
    type Error = StorageError;

    fn try_from(row: EndpointRow) -> Result<Self, StorageError> {
        Ok(Self {
            event_types: from_json(&row.event_types, "webhook endpoint event types")?,
            id: row.id,
            project_id: row.project_id,
            url: row.url,
            description: row.description,
            secret: row.secret,
            failing_since_ms: row.failing_since_ms,
            disabled_ms: row.disabled_ms,
            disabled_reason: row.disabled_reason,
            created_ms: row.created_ms,
            updated_ms: row.updated_ms,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: WebhookDeliveryId,
    message_id: String,
    project_id: ProjectId,
    endpoint_id: WebhookEndpointId,
    event_type: String,
    body: String,
    status: String,
    attempts: i64,
    next_attempt_ms: i64,
    last_error: Option<String>,
    created_ms: i64,
    finished_ms: Option<i64>,
}

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = StorageError;

    fn try_from(row: DeliveryRow) -> Result<Self, StorageError> {
        Ok(Self {
            status: DeliveryStatus::parse(&row.status)
                .ok_or_else(|| StorageError::Corrupt(format!("delivery status {}", row.status)))?,
            id: row.id,
            message_id: row.message_id,
            project_id: row.project_id,
            endpoint_id: row.endpoint_id,
            event_type: row.event_type,
            body: row.body,
            attempts: row.attempts,
            next_attempt_ms: row.next_attempt_ms,
            last_error: row.last_error,
            created_ms: row.created_ms,
            finished_ms: row.finished_ms,
        })
    }
}

const ENDPOINT_COLUMNS: &str = "id, project_id, url, description, event_types, secret, \
     failing_since_ms, disabled_ms, disabled_reason, created_ms, updated_ms";
const DELIVERY_COLUMNS: &str = "id, message_id, project_id, endpoint_id, event_type, body, \
     status, attempts, next_attempt_ms, last_error, created_ms, finished_ms";

#[async_trait]
impl<DB> WebhookStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'n> &'n str: ColumnIndex<DB::Row> + Param<DB>,
    for<'b> &'b [u8]: Param<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
{
    async fn create_webhook_endpoint(&self, e: &WebhookEndpoint) -> Result<(), StorageError> {
        let types = serde_json::to_string(&e.event_types).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, project_id, url, description, event_types,
               secret, failing_since_ms, disabled_ms, disabled_reason, created_ms, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&e.id)
        .bind(e.project_id)
        .bind(&e.url)
        .bind(&e.description)
        .bind(types)
        .bind(e.secret.as_slice())
        .bind(e.failing_since_ms)
        .bind(e.disabled_ms)
        .bind(e.disabled_reason.clone())
        .bind(e.created_ms)
        .bind(e.updated_ms)
        .execute(&self.pool)
        .await
        .map_err(|error| StorageError::on_unique(error, "the endpoint exists"))?;
        Ok(())
    }

    async fn webhook_endpoints(
        &self,
        project: ProjectId,
    ) -> Result<Vec<WebhookEndpoint>, StorageError> {
        let rows: Vec<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE project_id = $1
             ORDER BY created_ms, id"
        )))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(WebhookEndpoint::try_from).collect()
    }

    async fn webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
    ) -> Result<Option<WebhookEndpoint>, StorageError> {
        let row: Option<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE project_id = $1 AND id = $2"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(WebhookEndpoint::try_from).transpose()
    }

    async fn update_webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
        u: &EndpointUpdate<'_>,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let types = u
            .event_types
            .map(|t| serde_json::to_string(t).unwrap_or_else(|_| "[]".into()));
        // Each column keeps its value unless given: never the secret, the streak or the
        // disabled state, which others write.
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET url = COALESCE($3, url),
               description = COALESCE($4, description), event_types = COALESCE($5, event_types),
               updated_ms = $6
             WHERE project_id = $1 AND id = $2",
        )
        .bind(project)
        .bind(id)
        .bind(u.url.map(str::to_owned))
        .bind(u.description.map(str::to_owned))
        .bind(types)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_webhook_endpoint_secret(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
        secret: &[u8],
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET secret = $3, updated_ms = $4
             WHERE project_id = $1 AND id = $2",
        )
        .bind(project)
        .bind(id)
        .bind(secret)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn enable_webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET disabled_ms = NULL, disabled_reason = NULL,
               failing_since_ms = NULL, failed_attempts = 0, last_failed_ms = NULL,
               updated_ms = $3
             WHERE project_id = $1 AND id = $2",
        )
        .bind(project)
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_webhook_endpoint(
        &self,
        project: ProjectId,
        id: &WebhookEndpointId,
    ) -> Result<bool, StorageError> {
        // Its deliveries and their attempts go with it (ON DELETE CASCADE; foreign keys are on
        // for every SQLite connection of the pool).
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE project_id = $1 AND id = $2")
            .bind(project)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn enqueue_webhook(&self, m: &NewMessage<'_>) -> Result<u64, StorageError> {
        // The subscription is matched here rather than in SQL: the types are a JSON list, which
        // the two databases query differently, and a project has few endpoints. Read before the
        // transaction: a SQLite transaction that reads first and writes next fails at once
        // (SQLITE_BUSY, no busy wait) when another connection wrote in between.
        let endpoints: Vec<(WebhookEndpointId, String)> = sqlx::query_as(
            "SELECT id, event_types FROM webhook_endpoints
             WHERE project_id = $1 AND disabled_ms IS NULL",
        )
        .bind(m.project_id)
        .fetch_all(&self.pool)
        .await?;
        let mut subscribed = Vec::new();
        for (endpoint, types) in endpoints {
            let types: Vec<String> = from_json(&types, "webhook endpoint event types")?;
            if types.iter().any(|t| t == m.event_type) {
                subscribed.push(endpoint);
            }
        }
        if subscribed.is_empty() {
            return Ok(0);
        }
        // One transaction: every endpoint gets the message, or none does. Each row is inserted
        // from the endpoint's own row, still there and enabled: one deleted or disabled since
        // the read gets nothing, rather than failing the foreign key and so every endpoint's
        // delivery. One write statement each, so SQLite's read-then-write trap does not apply;
        // on PostgreSQL the endpoint row is locked as it is read (`PARENT_LOCK`), else a delete
        // committed between the read and the foreign key check would still fail it.
        let mut tx = self.pool.begin().await?;
        let insert = format!(
            "INSERT INTO webhook_deliveries (id, message_id, project_id, endpoint_id,
               event_type, body, status, attempts, next_attempt_ms, created_ms, updated_ms)
             SELECT $1, $2, $3, id, $5, $6, 'pending', 0, $7, $7, $7
             FROM webhook_endpoints
             WHERE id = $4 AND project_id = $3 AND disabled_ms IS NULL {lock}
             ON CONFLICT (endpoint_id, message_id) DO NOTHING",
            lock = DB::PARENT_LOCK,
        );
        for endpoint in &subscribed {
            sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(WebhookDeliveryId::generate())
                .bind(m.message_id)
                .bind(m.project_id)
                .bind(endpoint)
                .bind(m.event_type)
                .bind(m.body)
                .bind(m.now_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(subscribed.len() as u64)
    }

    async fn claim_deliveries(
        &self,
        owner: &WorkerId,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
        per_endpoint: i64,
    ) -> Result<Vec<WebhookDelivery>, StorageError> {
        // As `claim_runs`: the backend's lock clause keeps two claimers from taking one row.
        // Fairness: each due row is ranked within its endpoint, after that endpoint's
        // deliveries in flight (a live lease), and only ranks within `per_endpoint` are taken,
        // so one slow endpoint cannot hold every worker of every replica. The lock sits on the
        // innermost select (PostgreSQL allows no lock beside a window function). Two replicas
        // claiming at the same instant may each take an endpoint's share: the cap is per
        // claim, not a global semaphore.
        let sql = format!(
            "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
               lease_owner = $1, lease_until_ms = $2 + $3, updated_ms = $2
             WHERE id IN (SELECT id FROM (
                 SELECT id, next_attempt_ms, busy + ROW_NUMBER() OVER (
                   PARTITION BY endpoint_id ORDER BY next_attempt_ms, id) AS place
                 FROM (SELECT d.id, d.endpoint_id, d.next_attempt_ms,
                     (SELECT COUNT(*) FROM webhook_deliveries f
                      WHERE f.endpoint_id = d.endpoint_id AND f.status = 'sending'
                        AND f.lease_until_ms >= $2) AS busy
                   FROM webhook_deliveries d
                   WHERE (d.status = 'pending' AND d.next_attempt_ms <= $2)
                      OR (d.status = 'sending' AND d.lease_until_ms < $2)
                   {lock}) due
               ) ranked
               WHERE place <= $5 ORDER BY next_attempt_ms LIMIT $4)
             RETURNING {DELIVERY_COLUMNS}",
            lock = DB::CLAIM_LOCK,
        );
        let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .bind(per_endpoint)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(WebhookDelivery::try_from).collect()
    }

    async fn finish_delivery(
        &self,
        id: &WebhookDeliveryId,
        owner: &WorkerId,
        status: DeliveryStatus,
        error: Option<&str>,
        attempt: Option<&DeliveryAttempt>,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        // The delivery's end first, in one transaction with its attempt: both land, or neither
        // does and the lease lets another worker try again.
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = $3, last_error = $4, lease_owner = NULL,
               lease_until_ms = NULL, finished_ms = $5, updated_ms = $5
             WHERE id = $1 AND lease_owner = $2 AND status = 'sending'",
        )
        .bind(id)
        .bind(owner)
        .bind(status.as_str())
        .bind(error.map(str::to_owned))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if let Some(attempt) = attempt {
            insert_attempt(&mut tx, attempt).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn retry_delivery(
        &self,
        id: &WebhookDeliveryId,
        owner: &WorkerId,
        next_attempt_ms: i64,
        error: &str,
        attempt: Option<&DeliveryAttempt>,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', last_error = $4,
               next_attempt_ms = $3, lease_owner = NULL, lease_until_ms = NULL, updated_ms = $5
             WHERE id = $1 AND lease_owner = $2 AND status = 'sending'",
        )
        .bind(id)
        .bind(owner)
        .bind(next_attempt_ms)
        .bind(error)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if let Some(attempt) = attempt {
            insert_attempt(&mut tx, attempt).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_delivery(
        &self,
        id: &WebhookDeliveryId,
        owner: &WorkerId,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = attempts - 1,
               next_attempt_ms = $3, lease_owner = NULL, lease_until_ms = NULL, updated_ms = $3
             WHERE id = $1 AND lease_owner = $2 AND status = 'sending'",
        )
        .bind(id)
        .bind(owner)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn endpoint_failed(
        &self,
        id: &WebhookEndpointId,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> Result<Option<FailingStreak>, StorageError> {
        // One statement (the right-hand sides read the row as it was): a streak whose latest
        // failure is stale starts again here, so a quiet endpoint's old failure and today's
        // one transient error do not add up to a long outage.
        let streak: Option<(Option<i64>, i64)> = sqlx::query_as(
            "UPDATE webhook_endpoints SET
               failing_since_ms = CASE WHEN failing_since_ms IS NULL OR last_failed_ms IS NULL
                 OR last_failed_ms < $3 THEN $2 ELSE failing_since_ms END,
               failed_attempts = CASE WHEN failing_since_ms IS NULL OR last_failed_ms IS NULL
                 OR last_failed_ms < $3 THEN 1 ELSE failed_attempts + 1 END,
               last_failed_ms = $2
             WHERE id = $1 RETURNING failing_since_ms, failed_attempts",
        )
        .bind(id)
        .bind(now_ms)
        .bind(stale_before_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(streak.and_then(|(since, attempts)| {
            since.map(|since_ms| FailingStreak { since_ms, attempts })
        }))
    }

    async fn endpoint_succeeded(&self, id: &WebhookEndpointId) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since_ms = NULL, failed_attempts = 0,
               last_failed_ms = NULL
             WHERE id = $1 AND failing_since_ms IS NOT NULL",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn disable_webhook_endpoint(
        &self,
        id: &WebhookEndpointId,
        reason: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET disabled_ms = $2, disabled_reason = $3, updated_ms = $2
             WHERE id = $1 AND disabled_ms IS NULL",
        )
        .bind(id)
        .bind(now_ms)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        // What waits for a disabled endpoint would only fail there; it stays in the log, and a
        // resend after re-enabling sends it again.
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled',
               finished_ms = $2, updated_ms = $2
             WHERE endpoint_id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn webhook_deliveries(
        &self,
        project: ProjectId,
        f: &DeliveryFilter,
    ) -> Result<Vec<WebhookDelivery>, StorageError> {
        let (before_ms, before_id) = match &f.before {
            Some((ms, id)) => (*ms, id.clone()),
            None => (i64::MAX, String::new()),
        };
        let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE project_id = $1
               AND ($2 IS NULL OR endpoint_id = $2) AND ($3 IS NULL OR status = $3)
               AND ($4 IS NULL OR event_type = $4)
               AND (created_ms < $5 OR (created_ms = $5 AND id < $6) OR $6 = '')
             ORDER BY created_ms DESC, id DESC LIMIT $7"
        )))
        .bind(project)
        .bind(f.endpoint_id.as_ref().map(ToString::to_string))
        .bind(f.status.map(|s| s.as_str().to_owned()))
        .bind(f.event_type.clone())
        .bind(before_ms)
        .bind(before_id)
        .bind(f.limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(WebhookDelivery::try_from).collect()
    }

    async fn webhook_delivery(
        &self,
        project: ProjectId,
        id: &WebhookDeliveryId,
    ) -> Result<Option<WebhookDelivery>, StorageError> {
        let row: Option<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE project_id = $1 AND id = $2"
        )))
        .bind(project)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(WebhookDelivery::try_from).transpose()
    }

    async fn delivery_attempts(
        &self,
        id: &WebhookDeliveryId,
    ) -> Result<Vec<DeliveryAttempt>, StorageError> {
        let rows: Vec<(i64, Option<i64>, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT attempt, status_code, error, duration_ms, started_ms FROM webhook_attempts
             WHERE delivery_id = $1 ORDER BY started_ms, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(attempt, status_code, error, duration_ms, started_ms)| DeliveryAttempt {
                    delivery_id: id.clone(),
                    attempt,
                    status_code,
                    error,
                    duration_ms,
                    started_ms,
                },
            )
            .collect())
    }

    async fn requeue_delivery(
        &self,
        project: ProjectId,
        id: &WebhookDeliveryId,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,
               next_attempt_ms = $3, finished_ms = NULL, updated_ms = $3
             WHERE project_id = $1 AND id = $2 AND status <> 'sending'",
        )
        .bind(project)
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_deliveries(&self, before_ms: i64, limit: i64) -> Result<u64, StorageError> {
        // One statement (the attempts go by ON DELETE CASCADE): no read-then-write transaction
        // to fail on SQLite under concurrent writers. By when it ended, not when it was
        // created: a resent old delivery stays in the log for the retention from its new end
        // (index webhook_deliveries_finished).
        let done = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
               WHERE status IN ('delivered', 'failed') AND finished_ms < $1 LIMIT $2)",
        )
        .bind(before_ms)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

/// Inserts an attempt of a delivery in the caller's transaction, from the delivery's row: a
/// delivery deleted meanwhile (its endpoint removed) leaves nothing to fail the transaction.
async fn insert_attempt<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    a: &DeliveryAttempt,
) -> Result<(), StorageError>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
{
    sqlx::query(
        "INSERT INTO webhook_attempts (id, delivery_id, attempt, status_code, error,
           duration_ms, started_ms)
         SELECT $1, id, $3, $4, $5, $6, $7 FROM webhook_deliveries WHERE id = $2",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&a.delivery_id)
    .bind(a.attempt)
    .bind(a.status_code)
    .bind(a.error.clone())
    .bind(a.duration_ms)
    .bind(a.started_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
