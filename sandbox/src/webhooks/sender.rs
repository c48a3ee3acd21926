//! The background task that POSTs deliveries: it wakes when events are queued, when a request
//! ends and when a retry falls due, so a CRM request only queues and never waits for a
//! receiver. It stops when the sandbox stops: no new request starts, and those in flight are
//! abandoned (the sandbox is going away; nobody reads their outcome).

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use tokio::{sync::watch, task::JoinSet};

use super::{Attempt, Outcome, Outgoing, retry::TIMEOUT};
use crate::{clock, state::Sandbox};

/// How long the sender sleeps when nothing is pending; a queued event wakes it earlier.
const IDLE: Duration = Duration::from_secs(3600);

/// Runs until `stopping` changes (or its sender is dropped).
pub async fn run(sandbox: Sandbox, mut stopping: watch::Receiver<bool>) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        // HubSpot does not follow redirects: a 3xx is a failed delivery, retried.
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "the webhook sender has no HTTP client; no webhook is sent");
            return;
        }
    };
    let wake = sandbox.settings().webhooks_wake.clone();
    let mut in_flight: JoinSet<(u64, u64, Attempt)> = JoinSet::new();
    loop {
        let now = clock::now_ms();
        let (outgoing, next_due) = {
            let mut guard = sandbox.lock();
            let world = &mut *guard;
            world.webhooks.take_due(&world.apps, now)
        };
        for request in outgoing {
            in_flight.spawn(send(client.clone(), request));
        }
        let nap = next_due.map_or(IDLE, |due| Duration::from_millis(due.saturating_sub(now)));
        tokio::select! {
            _ = stopping.changed() => break,
            () = wake.notified() => {}
            Some(ended) = in_flight.join_next() => {
                match ended {
                    Ok((epoch, delivery_id, attempt)) => {
                        sandbox.lock().webhooks.record(epoch, delivery_id, attempt);
                    }
                    Err(error) => tracing::warn!(%error, "a webhook request task failed"),
                }
            }
            () = tokio::time::sleep(nap) => {}
        }
    }
    in_flight.shutdown().await;
    tracing::debug!("webhook sender stopped");
}

async fn send(client: reqwest::Client, request: Outgoing) -> (u64, u64, Attempt) {
    let started = Instant::now();
    let answer = client
        .post(&request.url)
        .header(CONTENT_TYPE, "application/json")
        .header(
            USER_AGENT,
            "HubSpot Connect 2.0 (http://dev.hubspot.com/) (hubspot-sandbox)",
        )
        .header("X-HubSpot-Signature-v3", &request.signature)
        .header("X-HubSpot-Signature-Version", "v3")
        .header(
            "X-HubSpot-Request-Timestamp",
            request.timestamp_ms.to_string(),
        )
        .header("X-HubSpot-Timeout-Millis", TIMEOUT.as_millis().to_string())
        .body(request.body)
        .send()
        .await;
    let outcome = match answer {
        Ok(answer) => Outcome::Status {
            status: answer.status().as_u16(),
            retry_after_s: answer
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse().ok()),
        },
        Err(error) if error.is_timeout() => Outcome::Timeout,
        Err(error) => Outcome::ConnectionFailed(without_url(&error)),
    };
    tracing::debug!(delivery = request.delivery_id, ?outcome, "webhook attempt");
    let attempt = Attempt {
        attempt_number: request.attempt_number,
        sent_ms: request.timestamp_ms,
        duration_ms: clock::millis(started.elapsed()),
        outcome,
    };
    (request.epoch, request.delivery_id, attempt)
}

/// The error's description without its URL (the knob already shows the target), down to the
/// root cause ("connection refused").
fn without_url(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    format!("connection failed: {cause}")
}
