//! [`KeyChecks`]: how often one user may have the platform check a key or a password at the
//! provider (`POST /sdk/integrations/{type}/credential`). Each check is a call to the provider
//! with what the user typed: without a limit, anyone holding a user token could use the
//! platform to try keys against the provider from the platform's own addresses (and spend the
//! provider's patience with them). A person mistyping a key a few times is never held up.
//!
//! Per process, like the authentication throttle: it bounds the work one process does for one
//! user; with N replicas a user gets N times the allowance, which still makes guessing a real
//! key no easier. Memory is bounded by [`MAX_USERS`], the oldest dropped first.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

use super::ApiError;
use crate::ids::{ProjectId, UserId};

/// Checks one user may ask for in any [`WINDOW`].
pub const CHECKS_PER_WINDOW: usize = 10;
/// The rolling window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Users tracked at once.
pub const MAX_USERS: usize = 10_000;

/// Recent checks per user.
#[derive(Debug, Default)]
pub struct KeyChecks {
    users: Mutex<HashMap<(ProjectId, UserId), VecDeque<Instant>>>,
}

impl KeyChecks {
    /// Counts one check of `user`, or refuses it with the seconds until one is allowed again.
    pub fn count(&self, project: ProjectId, user: &UserId) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut users = self
            .users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if users.len() >= MAX_USERS && !users.contains_key(&(project, user.clone())) {
            // The user whose last check is oldest makes room.
            let oldest = users
                .iter()
                .min_by_key(|(_, checks)| checks.back().copied())
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                users.remove(&oldest);
            }
        }
        let checks = users.entry((project, user.clone())).or_default();
        while checks
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            checks.pop_front();
        }
        if let Some(first) = checks.front().filter(|_| checks.len() >= CHECKS_PER_WINDOW) {
            let wait = WINDOW.saturating_sub(now.duration_since(*first));
            let retry_after_secs = wait.as_secs().max(1);
            return Err(ApiError::RateLimited {
                message: format!(
                    "more than {CHECKS_PER_WINDOW} credentials were checked for this user in a \
                     minute: try again in {retry_after_secs} s"
                ),
                retry_after_secs,
            });
        }
        checks.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_past_the_allowance_waits_and_others_do_not() {
        let checks = KeyChecks::default();
        let project = ProjectId::new();
        let ann = UserId::parse("ann").expect("a user id");
        let bob = UserId::parse("bob").expect("a user id");
        for _ in 0..CHECKS_PER_WINDOW {
            assert!(checks.count(project, &ann).is_ok());
        }

        let refused = checks.count(project, &ann);

        assert!(
            matches!(refused, Err(ApiError::RateLimited { retry_after_secs, .. }) if retry_after_secs >= 1)
        );
        assert!(
            checks.count(project, &bob).is_ok(),
            "another user is not held"
        );
    }
}
