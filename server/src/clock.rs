//! Wall-clock time as the platform stores it: whole Unix milliseconds, in every table and in
//! the code. Seconds appear only where a protocol asks for them (JWT `iat`/`exp`, the wire's
//! second-based fields), converted at that edge with [`secs`].

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds in one second.
pub const MS_PER_SEC: i64 = 1000;

/// Milliseconds since the Unix epoch (0 if the clock is set before 1970): the platform's one clock.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whole Unix seconds now, for the protocols that count in seconds (JWT `iat`/`exp`).
pub fn now_secs() -> i64 {
    secs(now_ms())
}

/// A Unix time in milliseconds as whole seconds (rounded down), for the wire.
pub fn secs(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_SEC)
}

/// A duration in seconds as milliseconds (saturating).
pub const fn ms_from_secs(secs: i64) -> i64 {
    secs.saturating_mul(MS_PER_SEC)
}
