//! The rate limit on App Events: per user and per project, in fixed one-minute windows counted
//! in the database, so that every replica on it enforces one shared limit.
//!
//! A fixed window lets a client send up to twice the limit around a window's edge; that is the
//! price of one counter row per user and minute (a sliding log would be a row per event). A
//! user over their limit is not counted against the project, so one user (or one stolen token)
//! cannot use up the share of every other user of the project.

use super::{ApiError, AppState};
use crate::{
    clock,
    ids::{ProjectId, UserId},
    storage::EventCount,
};

/// The window's length.
pub const WINDOW_SECS: i64 = 60;
const WINDOW_MS: i64 = clock::ms_from_secs(WINDOW_SECS);

/// Counts one App Event of `user` in `project`; [`ApiError::RateLimited`] with the seconds
/// until the window ends when the user or the project is over its limit.
pub async fn count(state: &AppState, project: ProjectId, user: &UserId) -> Result<(), ApiError> {
    let limits = state.settings.limits;
    let (per_user, per_project) = (
        limits.events_per_user_per_minute,
        limits.events_per_project_per_minute,
    );
    if per_user == 0 && per_project == 0 {
        return Ok(());
    }
    let now = clock::now_ms();
    let window_start = now - now.rem_euclid(WINDOW_MS);
    // Whole seconds, rounded up: what is left of the window (1 to 60).
    let left_ms = window_start + WINDOW_MS - now;
    let retry_after_secs = u64::try_from((left_ms + clock::MS_PER_SEC - 1) / clock::MS_PER_SEC)
        .unwrap_or(1)
        .max(1);
    let user_limit = if per_user == 0 {
        i64::MAX
    } else {
        i64::from(per_user)
    };
    let hits = state
        .store
        .count_event(&EventCount {
            project,
            user,
            window_start,
            user_limit,
        })
        .await?;
    if hits.user > user_limit {
        return Err(ApiError::RateLimited {
            message: format!(
                "this user sent more than {per_user} App Events this minute: send again in {retry_after_secs} s"
            ),
            retry_after_secs,
        });
    }
    if per_project > 0 && hits.project.is_some_and(|n| n > i64::from(per_project)) {
        return Err(ApiError::RateLimited {
            message: format!(
                "the project received more than {per_project} App Events this minute: send again in {retry_after_secs} s"
            ),
            retry_after_secs,
        });
    }
    Ok(())
}
