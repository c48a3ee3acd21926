//! The idempotency keys the platform gives the inputs it records itself (schedule ticks,
//! provider webhooks, new connections), and the prefixes that set them apart from the
//! `Idempotency-Key`s clients send with App Events.
//!
//! Inputs are unique per project + user + key, so a client that sent, with its own user token,
//! the key of a tick or webhook event before the platform recorded it would make the platform's
//! input a duplicate, and suppress its runs. The App Events endpoint therefore refuses keys
//! that start with one of [`RESERVED_PREFIXES`]; every platform key is built here, so the two
//! cannot drift apart.

use std::fmt::Display;

const SCHEDULE: &str = "schedule:";
const HUBSPOT: &str = "hubspot:";
const INTEGRATION_ENABLED: &str = "integration_enabled:";

/// The prefixes of the platform's keys, which a client's key may not start with.
pub const RESERVED_PREFIXES: [&str; 3] = [SCHEDULE, HUBSPOT, INTEGRATION_ENABLED];

/// The key of `workflow`'s tick at `tick_ms`: one input per user per tick.
pub fn schedule(workflow: &impl Display, tick_ms: i64) -> String {
    format!("{SCHEDULE}{workflow}:{tick_ms}")
}

/// The key of a HubSpot webhook event (`suffix` tells the property-change input from the
/// object one): HubSpot's retries of a batch record each event once.
pub fn hubspot(portal: &str, event_id: &str, suffix: &str) -> String {
    format!("{HUBSPOT}{portal}:{event_id}{suffix}")
}

/// The key of a new connection's `integration_enabled` input: one per credential.
pub fn integration_enabled(credential: &impl Display) -> String {
    format!("{INTEGRATION_ENABLED}{credential}")
}

/// The reserved prefix `key` starts with, if any.
pub fn reserved_prefix(key: &str) -> Option<&'static str> {
    RESERVED_PREFIXES
        .into_iter()
        .find(|prefix| key.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_key_is_reserved_and_client_keys_are_not() {
        assert_eq!(reserved_prefix(&schedule(&"wf", 60_000)), Some(SCHEDULE));
        assert_eq!(
            reserved_prefix(&hubspot("62515", "1", ":property")),
            Some(HUBSPOT)
        );
        assert_eq!(
            reserved_prefix(&integration_enabled(&"cred")),
            Some(INTEGRATION_ENABLED)
        );
        for key in [
            "3f2c9a7e-uuid",
            "order-42",
            "schedules",
            "hubspot-sync",
            "Schedule:x",
        ] {
            assert_eq!(reserved_prefix(key), None, "{key}");
        }
    }
}
