//! Wall-clock time in milliseconds and the providers' timestamp formats.
//!
//! HubSpot writes every timestamp as ISO-8601 UTC with milliseconds (`2019-10-30T03:30:17.883Z`)
//! and takes epoch milliseconds in search filters, so milliseconds are the unit throughout;
//! SendGrid's contacts carry whole seconds (`2021-03-02T15:25:47Z`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

const ISO_MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const ISO_SECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Milliseconds since the Unix epoch (0 if the system clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// A configured duration in the milliseconds the clock counts in (saturating: a lifetime past
/// 584 million years is forever).
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `ms` as HubSpot writes timestamps, e.g. `2026-03-10T23:04:41.164Z`.
pub fn iso8601(ms: u64) -> String {
    format(ms, ISO_MILLIS, "1970-01-01T00:00:00.000Z")
}

/// `ms` to the second, as SendGrid writes timestamps, e.g. `2026-03-10T23:04:41Z`.
pub fn iso8601_seconds(ms: u64) -> String {
    format(ms, ISO_SECONDS, "1970-01-01T00:00:00Z")
}

fn format(ms: u64, layout: &[BorrowedFormatItem<'static>], epoch: &str) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|at| at.format(layout).ok())
        // Only a date past year 9999 fails to format; none is produced here.
        .unwrap_or_else(|| epoch.to_owned())
}

/// HubSpot's wording for how long ago a token expired: "75 second(s)", "5 hour(s)",
/// "19884 day(s)" are all observed; the cut-over points between units are a guess.
pub fn ago(elapsed_ms: u64) -> String {
    let seconds = elapsed_ms / 1000;
    match seconds {
        0..120 => format!("{seconds} second(s)"),
        120..7200 => format!("{} minute(s)", seconds / 60),
        7200..172_800 => format!("{} hour(s)", seconds / 3600),
        _ => format!("{} day(s)", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_a_z() {
        assert_eq!(iso8601(1_656_407_872_040), "2022-06-28T09:17:52.040Z");
    }

    #[test]
    fn second_timestamps_drop_the_milliseconds() {
        assert_eq!(iso8601_seconds(1_656_407_872_940), "2022-06-28T09:17:52Z");
    }

    #[test]
    fn expiry_wording_matches_observed_messages() {
        assert_eq!(ago(75_400), "75 second(s)");
        assert_eq!(ago(5 * 3600 * 1000), "5 hour(s)");
    }
}
