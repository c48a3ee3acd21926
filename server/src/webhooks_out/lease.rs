//! A claimed delivery is sent only while its lease surely outlasts the request: a worker that
//! got to it late (a slow database, a busy runtime) gives it back instead, since another worker
//! could claim it once the lease ends and send it a second time beside this one.

use std::time::Duration;

use tokio::time::Instant;

/// Whether a delivery claimed at `claimed` may still be sent at `now`: the request may take
/// `timeout`, and as much again is kept for recording its outcome, all within the `lease`.
pub fn may_send(claimed: Instant, now: Instant, lease: Duration, timeout: Duration) -> bool {
    let budget = lease.saturating_sub(timeout.saturating_mul(2));
    now.saturating_duration_since(claimed) < budget
}

/// Refuses a lease that cannot hold a request and its recording: it must be longer than twice
/// the request timeout.
pub fn check(lease: Duration, timeout: Duration) -> Result<(), String> {
    if lease <= timeout.saturating_mul(2) {
        return Err(format!(
            "the webhook delivery lease ({} ms) must be longer than twice the request timeout \
             ({} ms): a delivery could otherwise be claimed again while it is being sent",
            lease.as_millis(),
            timeout.as_millis()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_worker_gives_the_delivery_back() {
        let lease = Duration::from_secs(60);
        let timeout = Duration::from_secs(15);
        let claimed = Instant::now();
        assert!(may_send(claimed, claimed, lease, timeout));
        assert!(may_send(
            claimed,
            claimed + Duration::from_secs(29),
            lease,
            timeout
        ));
        assert!(!may_send(
            claimed,
            claimed + Duration::from_secs(30),
            lease,
            timeout
        ));
    }

    #[test]
    fn the_lease_must_outlast_two_timeouts() {
        assert!(check(Duration::from_secs(60), Duration::from_secs(15)).is_ok());
        let error = check(Duration::from_secs(30), Duration::from_secs(15)).expect_err("short");
        assert!(error.contains("twice the request timeout"), "{error}");
    }
}
