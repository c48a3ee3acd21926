//! The delivery worker inside `paragon serve`: claims due deliveries under a lease (replicas
//! share them; a crashed worker's lease expires and another sends it), sends each signed, and
//! records the attempt; then marks the delivery delivered, retries it on the schedule, or fails
//! it. An endpoint whose attempts have all failed for `disable_after` is disabled.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::sync::Semaphore;

use super::{
    WAKE, WebhooksOutConfig, endpoints,
    schedule::{self, Verdict},
    sender::{Sender, Signed},
    signature,
};
use crate::{
    clock,
    connect::egress::EgressPolicy,
    ids::WorkerId,
    storage::{DeliveryAttempt, DeliveryStatus, StorageError, Store, WebhookDelivery},
    vault::MasterKeys,
};

struct Worker {
    store: Store,
    keys: Arc<MasterKeys>,
    sender: Sender,
    config: WebhooksOutConfig,
    owner: WorkerId,
}

/// Starts the worker on the current runtime; it stops when `shutdown` resolves (deliveries in
/// flight keep their lease until it expires, then any worker sends them again: at least once).
pub fn spawn<F>(
    store: Store,
    keys: Arc<MasterKeys>,
    policy: EgressPolicy,
    config: WebhooksOutConfig,
    shutdown: F,
) -> Result<tokio::task::JoinHandle<()>, reqwest::Error>
where
    F: Future<Output = ()> + Send + 'static,
{
    let sender = Sender::new(policy, config.timeout)?;
    // Deliveries queued by other replicas (PostgreSQL) wake this worker too.
    store.watch_deliveries(&WAKE);
    let worker = Arc::new(Worker {
        store,
        keys,
        sender,
        owner: WorkerId::from_text(format!("webhooks-{}", uuid::Uuid::new_v4().simple())),
        config,
    });
    Ok(tokio::spawn(work(worker, shutdown)))
}

async fn work<F: Future<Output = ()>>(worker: Arc<Worker>, shutdown: F) {
    tokio::pin!(shutdown);
    let permits = Arc::new(Semaphore::new(worker.config.workers.max(1)));
    loop {
        let free = permits.available_permits() as i64;
        let claimed = if free == 0 {
            Vec::new()
        } else {
            worker.claim(free).await.unwrap_or_else(|error| {
                tracing::error!(%error, "claiming webhook deliveries failed");
                Vec::new()
            })
        };
        let idle = claimed.is_empty();
        for delivery in claimed {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let worker = worker.clone();
            tokio::spawn(async move {
                if let Err(error) = worker.deliver(&delivery).await {
                    tracing::error!(delivery = %delivery.id, %error, "a webhook delivery was interrupted; its lease will expire");
                }
                drop(permit);
            });
        }
        if idle {
            tokio::select! {
                () = &mut shutdown => return,
                () = WAKE.notified() => {}
                () = tokio::time::sleep(worker.config.poll) => {}
            }
        } else {
            // Busy: look again at once, unless shutting down (yielding lets tasks progress).
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::task::yield_now() => {}
            }
        }
    }
}

impl Worker {
    async fn claim(&self, limit: i64) -> Result<Vec<WebhookDelivery>, StorageError> {
        let lease = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX);
        self.store
            .claim_deliveries(&self.owner, clock::now_ms(), lease, limit)
            .await
    }

    /// One attempt of a claimed delivery, and what follows from it.
    async fn deliver(&self, delivery: &WebhookDelivery) -> Result<(), StorageError> {
        let endpoint = self
            .store
            .webhook_endpoint(delivery.project_id, &delivery.endpoint_id)
            .await?;
        let Some(endpoint) = endpoint.filter(|e| e.disabled_ms.is_none()) else {
            return self
                .end(delivery, DeliveryStatus::Failed, Some("endpoint disabled"))
                .await;
        };
        let secret = match endpoints::open_secret(&self.keys, &endpoint) {
            Ok(secret) => secret,
            Err(error) => {
                // Never sent unsigned; the operator must fix the key. Retried on the schedule.
                tracing::error!(endpoint = %endpoint.id, %error, "a webhook endpoint's secret does not open");
                return self
                    .after_failure(delivery, "the signing secret does not open", None)
                    .await;
            }
        };
        let timestamp = clock::now_secs();
        let Some(signed) =
            signature::sign(&secret, &delivery.message_id, timestamp, &delivery.body)
        else {
            return self
                .after_failure(delivery, "the signing secret is malformed", None)
                .await;
        };
        let started = clock::now_ms();
        let clock_start = tokio::time::Instant::now();
        let sent = self
            .sender
            .send(
                &endpoint.url,
                &delivery.body,
                &Signed {
                    id: &delivery.message_id,
                    timestamp,
                    signature: &signed,
                },
            )
            .await;
        let duration = i64::try_from(clock_start.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.store
            .record_delivery_attempt(&DeliveryAttempt {
                delivery_id: delivery.id.clone(),
                attempt: delivery.attempts,
                status_code: sent.status.map(i64::from),
                error: sent.error.clone(),
                duration_ms: duration,
                started_ms: started,
            })
            .await?;
        let error = sent.error.as_deref().unwrap_or("failed");
        match sent.verdict {
            Verdict::Delivered => {
                self.store.endpoint_succeeded(&endpoint.id).await?;
                self.end(delivery, DeliveryStatus::Delivered, None).await
            }
            Verdict::Refused => {
                self.endpoint_failed(delivery).await?;
                self.end(delivery, DeliveryStatus::Failed, Some(error))
                    .await
            }
            Verdict::Retry { after } => {
                if self.endpoint_failed(delivery).await? {
                    return Ok(());
                }
                self.after_failure(delivery, error, after).await
            }
        }
    }

    /// Retries the delivery on the schedule, or fails it when the schedule is used up.
    async fn after_failure(
        &self,
        delivery: &WebhookDelivery,
        error: &str,
        retry_after: Option<Duration>,
    ) -> Result<(), StorageError> {
        match schedule::next_wait(&self.config.schedule, delivery.attempts, retry_after) {
            Some(wait) => {
                let now = clock::now_ms();
                let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
                self.store
                    .retry_delivery(
                        &delivery.id,
                        &self.owner,
                        now.saturating_add(wait),
                        error,
                        now,
                    )
                    .await?;
                Ok(())
            }
            None => {
                let reason = format!("gave up after {} attempts: {error}", delivery.attempts);
                self.end(delivery, DeliveryStatus::Failed, Some(&reason))
                    .await
            }
        }
    }

    async fn end(
        &self,
        delivery: &WebhookDelivery,
        status: DeliveryStatus,
        error: Option<&str>,
    ) -> Result<(), StorageError> {
        self.store
            .finish_delivery(&delivery.id, &self.owner, status, error, clock::now_ms())
            .await?;
        Ok(())
    }

    /// Notes the failure on the endpoint and disables it when its failing streak is too long
    /// (the project sees why on `GET`, the operator in the log). `true` if it was disabled:
    /// its pending deliveries, this one included, are failed.
    async fn endpoint_failed(&self, delivery: &WebhookDelivery) -> Result<bool, StorageError> {
        let now = clock::now_ms();
        let Some(since) = self
            .store
            .endpoint_failed(&delivery.endpoint_id, now)
            .await?
        else {
            return Ok(false);
        };
        let limit = i64::try_from(self.config.disable_after.as_millis()).unwrap_or(i64::MAX);
        if now.saturating_sub(since) < limit {
            return Ok(false);
        }
        let reason = format!(
            "every delivery attempt failed for {}; re-enable it once it answers",
            human(self.config.disable_after)
        );
        if self
            .store
            .disable_webhook_endpoint(&delivery.endpoint_id, &reason, now)
            .await?
        {
            tracing::warn!(project = %delivery.project_id, endpoint = %delivery.endpoint_id, %reason, "webhook endpoint disabled");
        }
        self.end(delivery, DeliveryStatus::Failed, Some("endpoint disabled"))
            .await?;
        Ok(true)
    }
}

/// A duration for people: days, hours, minutes or seconds.
fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} hours", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}
