//! The time rule of `trigger: schedule: "<cron>"`: a five-field cron expression (minute, hour,
//! day of month, month, day of week) read in UTC or in the IANA zone of `timezone:`.
//!
//! Parsing is croner's (with its jiff support, so one date library gives both the search and the
//! zones); the field count is checked here first, because croner also reads six and seven-field
//! forms (seconds, years) and `@daily` nicknames, and a schedule that silently means something
//! else than the five fields its author counted is worse than a refused deploy. Zones come from
//! the IANA database bundled into the binary, so a deploy validates the same on every host.

use croner::{
    Cron,
    parser::{CronParser, Seconds, Year},
};
use jiff::{Timestamp, tz::TimeZone};

/// How many fields a schedule has.
pub const FIELDS: usize = 5;

/// Why a schedule does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not five fields.
    #[error(
        "schedule `{cron}` has {count} field(s): write 5, minute hour day-of-month month day-of-week (e.g. \"0 */6 * * *\"); seconds, years and @nicknames are not supported"
    )]
    Fields {
        /// The expression as written.
        cron: String,
        /// Its whitespace-separated fields.
        count: usize,
    },
    /// Five fields that croner refuses.
    #[error("schedule `{cron}` is not a cron expression: {reason}")]
    Cron {
        /// The expression as written.
        cron: String,
        /// croner's message.
        reason: String,
    },
    /// A pattern no date ever matches (`0 0 30 2 *`).
    #[error("schedule `{0}` never fires (no date matches it)")]
    Never(String),
    /// Not a zone of the IANA database.
    #[error("unknown time zone `{0}`: write an IANA name such as `Europe/Paris` or `UTC`")]
    Zone(String),
}

/// A parsed schedule: its cron pattern and the zone its wall-clock fields are read in.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    zone: TimeZone,
}

impl Schedule {
    /// Parses `cron` in `timezone` (UTC when `None`).
    pub fn parse(cron: &str, timezone: Option<&str>) -> Result<Self, ScheduleError> {
        let count = cron.split_whitespace().count();
        if count != FIELDS {
            return Err(ScheduleError::Fields {
                cron: cron.to_owned(),
                count,
            });
        }
        let parsed = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(cron)
            .map_err(|e| ScheduleError::Cron {
                cron: cron.to_owned(),
                reason: e.to_string(),
            })?;
        let zone = match timezone {
            None => TimeZone::UTC,
            Some(name) => TimeZone::get(name).map_err(|_| ScheduleError::Zone(name.to_owned()))?,
        };
        Ok(Self { cron: parsed, zone })
    }

    /// The first slot strictly after `ms` (Unix ms), or `None` when none is left.
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        let zoned = Timestamp::from_millisecond(ms)
            .ok()?
            .to_zoned(self.zone.clone());
        let next = self.cron.find_next_occurrence(&zoned, false).ok()?;
        Some(next.timestamp().as_millisecond())
    }

    /// The latest slot at or before `ms` (Unix ms), or `None` when there was none.
    pub fn latest_at_or_before(&self, ms: i64) -> Option<i64> {
        // Slots are whole minutes: from the whole second, so a sub-second part cannot hide the
        // slot that `ms` is in.
        let zoned = Timestamp::from_millisecond(ms.div_euclid(1000) * 1000)
            .ok()?
            .to_zoned(self.zone.clone());
        let previous = self.cron.find_previous_occurrence(&zoned, true).ok()?;
        Some(previous.timestamp().as_millisecond())
    }
}

/// A Unix time in ms as RFC 3339 in UTC with milliseconds (`2026-12-08T06:00:00.000Z`), the
/// form of `schedule.time`.
pub fn rfc3339(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| format!("{t:.3}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-08T03:17:42.500Z.
    const NOW: i64 = 1_796_699_862_500;

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>()
            .expect("an RFC 3339 time")
            .as_millisecond()
    }

    #[test]
    fn the_next_slot_is_strictly_later_and_the_latest_may_be_now() {
        assert_eq!(rfc3339(NOW), "2026-12-08T03:17:42.500Z");
        let every_six_hours = Schedule::parse("0 */6 * * *", None).expect("parses");
        assert_eq!(
            every_six_hours.next_after(NOW),
            Some(at("2026-12-08T06:00:00Z"))
        );
        let slot = at("2026-12-08T06:00:00Z");
        assert_eq!(
            every_six_hours.next_after(slot),
            Some(at("2026-12-08T12:00:00Z"))
        );
        assert_eq!(every_six_hours.latest_at_or_before(slot), Some(slot));
        assert_eq!(
            every_six_hours.latest_at_or_before(NOW),
            Some(at("2026-12-08T00:00:00Z"))
        );
    }

    #[test]
    fn a_zone_reads_the_fields_on_its_wall_clock() {
        // 09:00 in Paris is 08:00 UTC in winter.
        let paris = Schedule::parse("0 9 * * *", Some("Europe/Paris")).expect("parses");
        assert_eq!(paris.next_after(NOW), Some(at("2026-12-08T08:00:00Z")));
        // And 07:00 UTC in summer.
        assert_eq!(
            paris.next_after(at("2026-07-01T00:00:00Z")),
            Some(at("2026-07-01T07:00:00Z"))
        );
    }

    #[test]
    fn five_fields_only_a_known_zone_and_a_date_that_exists() {
        for cron in ["0 0 */6 * * *", "0 0 0 * * * 2027", "@daily", "* * * *", ""] {
            assert!(
                matches!(
                    Schedule::parse(cron, None),
                    Err(ScheduleError::Fields { .. })
                ),
                "{cron}"
            );
        }
        for cron in ["61 * * * *", "* * * * MOON", "*/0 * * * *"] {
            assert!(
                matches!(Schedule::parse(cron, None), Err(ScheduleError::Cron { .. })),
                "{cron}"
            );
        }
        assert_eq!(
            Schedule::parse("0 9 * * *", Some("Mars/Olympus")).err(),
            Some(ScheduleError::Zone("Mars/Olympus".into()))
        );
        let february_30 = Schedule::parse("0 0 30 2 *", None).expect("parses");
        assert_eq!(february_30.next_after(NOW), None);
    }

    /// The slots of `cron` in New York from `from` for a day, UTC.
    fn new_york_day(cron: &str, from: &str) -> Vec<String> {
        let schedule = Schedule::parse(cron, Some("America/New_York")).expect("parses");
        let (start, mut slots) = (at(from), Vec::new());
        let mut ms = start;
        while let Some(next) = schedule.next_after(ms).filter(|n| *n < start + 86_400_000) {
            slots.push(rfc3339(next));
            ms = next;
        }
        slots
    }

    /// croner reads a single minute and a single hour as a fixed time, and anything else as
    /// wall-clock times that the change may skip or repeat (docs/workflows.md says so).
    #[test]
    fn daylight_saving_changes_as_the_docs_say() {
        // Spring forward, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
        let spring = "2026-03-08T05:00:00Z";
        // A fixed time that does not exist runs at the first instant after the jump.
        assert_eq!(
            new_york_day("30 2 * * *", spring),
            ["2026-03-08T07:00:00.000Z"]
        );
        // In a list, a range or a step it is skipped that day.
        assert_eq!(
            new_york_day("30 2,14 * * *", spring),
            ["2026-03-08T18:30:00.000Z"]
        );
        assert_eq!(
            new_york_day("30 1-3 * * *", spring),
            ["2026-03-08T06:30:00.000Z", "2026-03-08T07:30:00.000Z"]
        );
        assert!(new_york_day("*/30 2 * * *", spring).is_empty());
        // Fall back, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 is 05:30Z then 06:30Z.
        let fall = "2026-11-01T04:00:00Z";
        // A fixed time that happens twice runs once, at the first.
        assert_eq!(
            new_york_day("30 1 * * *", fall),
            ["2026-11-01T05:30:00.000Z"]
        );
        // In a list it runs at both.
        assert_eq!(
            new_york_day("30 1,13 * * *", fall),
            [
                "2026-11-01T05:30:00.000Z",
                "2026-11-01T06:30:00.000Z",
                "2026-11-01T18:30:00.000Z"
            ]
        );
    }
}
