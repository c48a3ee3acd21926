//! Workflows started by a schedule (`trigger: schedule: "<cron>"`, optional `timezone:`): what
//! deploys, and each mistake with its line.

use super::*;
use crate::workflows::schedule::ScheduleError;

const FILE: &str = "workflows/digest.yaml";

/// Lines: 4 `trigger:`, 5 the schedule, 6 the zone, 11 the email, 12 the first name.
const DIGEST: &str = "\
id: digest
name: Digest
integration: hubspot
trigger:
  schedule: \"0 */6 * * *\"
  timezone: Europe/Paris
steps:
  - id: create
    action: hubspot.create_contact
    input:
      email: \"digest-{{user.id}}@acme.test\"
      firstname: \"{{schedule.time}}\"
";

fn with_change(from: &str, to: &str) -> Deploy {
    assert!(DIGEST.contains(from), "the base workflow has {from:?}");
    Deploy::empty().file(FILE, &DIGEST.replace(from, to))
}

#[test]
fn a_scheduled_workflow_deploys_with_or_without_a_zone() {
    let bundle = with_change("", "").load().expect("deploys");
    assert_eq!(
        bundle.workflows[0].trigger,
        Trigger::Schedule(ScheduleTrigger {
            cron: "0 */6 * * *".into(),
            timezone: Some("Europe/Paris".into()),
        })
    );
    // Stored as JSON and read back for every run.
    let stored = serde_json::to_string(&bundle).expect("serializes");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
    let utc = with_change("  timezone: Europe/Paris\n", "")
        .load()
        .expect("deploys");
    let Trigger::Schedule(trigger) = &utc.workflows[0].trigger else {
        panic!("a schedule: {:?}", utc.workflows[0].trigger);
    };
    assert_eq!(trigger.timezone, None);
    // Names of days and months, lists, ranges and steps are cron's.
    with_change("0 */6 * * *", "30 8-18/2 1,15 JAN-JUN MON-FRI")
        .load()
        .expect("deploys");
}

#[test]
fn a_bad_expression_is_refused_at_the_schedule_line() {
    let errors = with_change("0 */6 * * *", "0 */6 * *").errors();
    assert_reported!(
        errors,
        FILE,
        5,
        Problem::BadSchedule(ScheduleError::Fields { count: 4, .. })
    );
    let errors = with_change("0 */6 * * *", "61 * * * *").errors();
    assert_reported!(
        errors,
        FILE,
        5,
        Problem::BadSchedule(ScheduleError::Cron { .. })
    );
    let errors = with_change("0 */6 * * *", "0 0 30 2 *").errors();
    assert_reported!(
        errors,
        FILE,
        5,
        Problem::BadSchedule(ScheduleError::Never(_))
    );
}

#[test]
fn seconds_years_and_nicknames_are_refused_with_the_five_fields_named() {
    for cron in ["0 0 */6 * * *", "0 0 */6 * * * 2027", "@daily"] {
        let errors = with_change("0 */6 * * *", cron).errors();
        assert_reported!(
            errors,
            FILE,
            5,
            Problem::BadSchedule(ScheduleError::Fields { .. })
        );
        let message = errors[0].to_string();
        assert!(
            message.contains("minute hour day-of-month month day-of-week"),
            "{message}"
        );
    }
}

#[test]
fn an_unknown_zone_is_refused_at_the_zone_line() {
    let errors = with_change("Europe/Paris", "Europe/Pariss").errors();
    assert_reported!(
        errors,
        FILE,
        6,
        Problem::BadSchedule(ScheduleError::Zone(_))
    );
    let errors = with_change(
        "  schedule: \"0 */6 * * *\"\n",
        "  app_event: Contact Created\n",
    )
    .file("events/contact.yaml", EVENT)
    .errors();
    assert_reported!(errors, FILE, 6, Problem::TimezoneWithoutSchedule);
}

#[test]
fn a_schedule_is_one_kind_of_trigger() {
    for other in [
        "  app_event: Contact Created\n",
        "  request: {}\n",
        "  integration_enabled: {}\n",
        "  provider_event: contact.creation\n",
    ] {
        let errors = with_change(
            "  timezone: Europe/Paris\n",
            &format!("  timezone: Europe/Paris\n{other}"),
        )
        .file("events/contact.yaml", EVENT)
        .errors();
        assert_reported!(errors, FILE, 5, Problem::TriggerKind);
    }
}

#[test]
fn schedule_time_needs_the_trigger_and_event_variables_an_app_event() {
    let errors = with_change("{{schedule.time}}", "{{event.email}}").errors();
    assert_reported!(errors, FILE, 12, Problem::EventVariableInSchedule { .. });
    let errors = with_change("{{schedule.time}}", "{{schedule.tick}}").errors();
    assert_reported!(errors, FILE, 12, Problem::ScheduleVariable { .. });
    let errors = Deploy::with_workflow_change("{{event.email}}", "{{schedule.time}}").errors();
    assert_reported!(
        errors,
        "workflows/sync.yaml",
        10,
        Problem::ScheduleVariable { .. }
    );
}
