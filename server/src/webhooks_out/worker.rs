//! The delivery worker inside `paragon serve`: claims due deliveries under a lease (replicas
//! share them, at most `per_endpoint` of one endpoint at a time; a crashed worker's lease
//! expires and another sends it), sends each signed while its lease surely lasts, then marks the
//! delivery delivered, retries it on the schedule, or fails it, in one transaction with the
//! attempt. Only then is the endpoint's failing streak noted (best effort): an endpoint failing
//! for long is disabled ([`disabling`]) and the project's other endpoints told.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::sync::Semaphore;

use tokio::time::Instant;

use super::{
    WAKE, WebhooksOutConfig, disabling, endpoints, lease,
    schedule::{self, Verdict},
    sender::{Sender, Signed},
    signature,
};
use crate::{
    clock,
    connect::egress::EgressPolicy,
    ids::WorkerId,
    storage::{
        DeliveryAttempt, DeliveryStatus, StorageError, Store, WebhookDelivery, WebhookEndpoint,
    },
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
        // Noted before the claim: the lease may start any time after this.
        let claimed_at = Instant::now();
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
                if let Err(error) = worker.deliver(&delivery, claimed_at).await {
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
        let per_endpoint = i64::try_from(self.config.per_endpoint.max(1)).unwrap_or(i64::MAX);
        self.store
            .claim_deliveries(&self.owner, clock::now_ms(), lease, limit, per_endpoint)
            .await
    }

    /// One attempt of a delivery claimed at `claimed_at`, and what follows from it.
    async fn deliver(
        &self,
        delivery: &WebhookDelivery,
        claimed_at: Instant,
    ) -> Result<(), StorageError> {
        let endpoint = self
            .store
            .webhook_endpoint(delivery.project_id, &delivery.endpoint_id)
            .await?;
        let Some(endpoint) = endpoint.filter(|e| e.disabled_ms.is_none()) else {
            return self
                .end(
                    delivery,
                    DeliveryStatus::Failed,
                    Some("endpoint disabled"),
                    None,
                )
                .await;
        };
        let secret = match endpoints::open_secret(&self.keys, &endpoint) {
            Ok(secret) => secret,
            Err(error) => {
                // Never sent unsigned; the operator must fix the key. Retried on the schedule.
                tracing::error!(endpoint = %endpoint.id, %error, "a webhook endpoint's secret does not open");
                return self
                    .after_failure(delivery, "the signing secret does not open", None, None)
                    .await;
            }
        };
        let timestamp = clock::now_secs();
        let Some(signed) =
            signature::sign(&secret, &delivery.message_id, timestamp, &delivery.body)
        else {
            return self
                .after_failure(delivery, "the signing secret is malformed", None, None)
                .await;
        };
        if !lease::may_send(
            claimed_at,
            Instant::now(),
            self.config.lease,
            self.config.timeout,
        ) {
            // Too late to be sure the lease outlasts the request: give it back, due now.
            tracing::warn!(delivery = %delivery.id, "a webhook delivery was claimed too long ago to send under its lease; given back");
            self.store
                .release_delivery(&delivery.id, &self.owner, clock::now_ms())
                .await?;
            return Ok(());
        }
        let started = clock::now_ms();
        let clock_start = Instant::now();
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
        let attempt = DeliveryAttempt {
            delivery_id: delivery.id.clone(),
            attempt: delivery.attempts,
            status_code: sent.status.map(i64::from),
            error: sent.error.clone(),
            duration_ms: duration,
            started_ms: started,
        };
        let error = sent.error.as_deref().unwrap_or("failed");
        // The delivery's outcome is written first (with the attempt): if it were not, the row
        // would stay `sending` until its lease ran out and be sent again. The endpoint's
        // streak comes after, best effort.
        match sent.verdict {
            Verdict::Delivered => {
                self.end(delivery, DeliveryStatus::Delivered, None, Some(&attempt))
                    .await?;
                if let Err(error) = self.store.endpoint_succeeded(&endpoint.id).await {
                    tracing::warn!(endpoint = %endpoint.id, %error, "a webhook endpoint's failing streak was not ended");
                }
            }
            Verdict::Refused => {
                self.end(
                    delivery,
                    DeliveryStatus::Failed,
                    Some(error),
                    Some(&attempt),
                )
                .await?;
                self.endpoint_failed(&endpoint).await;
            }
            Verdict::Retry { after } => {
                self.after_failure(delivery, error, after, Some(&attempt))
                    .await?;
                self.endpoint_failed(&endpoint).await;
            }
        }
        Ok(())
    }

    /// Retries the delivery on the schedule, or fails it when the schedule is used up.
    async fn after_failure(
        &self,
        delivery: &WebhookDelivery,
        error: &str,
        retry_after: Option<Duration>,
        attempt: Option<&DeliveryAttempt>,
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
                        attempt,
                        now,
                    )
                    .await?;
                Ok(())
            }
            None => {
                let reason = format!("gave up after {} attempts: {error}", delivery.attempts);
                self.end(delivery, DeliveryStatus::Failed, Some(&reason), attempt)
                    .await
            }
        }
    }

    async fn end(
        &self,
        delivery: &WebhookDelivery,
        status: DeliveryStatus,
        error: Option<&str>,
        attempt: Option<&DeliveryAttempt>,
    ) -> Result<(), StorageError> {
        self.store
            .finish_delivery(
                &delivery.id,
                &self.owner,
                status,
                error,
                attempt,
                clock::now_ms(),
            )
            .await?;
        Ok(())
    }

    /// Notes the failure on the endpoint and disables it when its failing streak is too long:
    /// its pending deliveries (this one, if it was put back for a retry) are failed, the
    /// operator warned in the log and the project's other endpoints sent `endpoint.disabled`.
    /// Best effort: the delivery's own outcome is stored already, so an error is only logged.
    async fn endpoint_failed(&self, endpoint: &WebhookEndpoint) {
        if let Err(error) = self.disable_if_failing_long(endpoint).await {
            tracing::warn!(endpoint = %endpoint.id, %error, "a webhook endpoint's failure was not noted");
        }
    }

    async fn disable_if_failing_long(
        &self,
        endpoint: &WebhookEndpoint,
    ) -> Result<(), StorageError> {
        let now = clock::now_ms();
        let stale_before = disabling::stale_before(&self.config, now);
        let Some(streak) = self
            .store
            .endpoint_failed(&endpoint.id, now, stale_before)
            .await?
        else {
            return Ok(());
        };
        if !disabling::is_too_long(streak, now, self.config.disable_after) {
            return Ok(());
        }
        let reason = format!(
            "every delivery attempt failed for {}; re-enable it once it answers",
            human(self.config.disable_after)
        );
        if self
            .store
            .disable_webhook_endpoint(&endpoint.id, &reason, now)
            .await?
        {
            tracing::warn!(project = %endpoint.project_id, endpoint = %endpoint.id, %reason, "webhook endpoint disabled");
            disabling::announce(
                &self.store,
                &disabling::Disabled {
                    project: endpoint.project_id,
                    endpoint: &endpoint.id,
                    url: &endpoint.url,
                    reason: &reason,
                    at_ms: now,
                },
            )
            .await;
        }
        Ok(())
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
