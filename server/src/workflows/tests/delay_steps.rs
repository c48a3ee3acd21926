//! `delay:` steps as a developer writes them.

use super::*;

const FILE: &str = "workflows/sync.yaml";
const LAST_LINE: &str = "      email: \"{{event.email}}\"\n";

fn with_delay(delay: &str) -> Deploy {
    let step = format!("  - id: settle\n    delay: {delay}\n");
    Deploy::with_workflow_change(LAST_LINE, &[LAST_LINE, &step].concat())
}

#[test]
fn delays_are_a_number_and_a_unit_up_to_thirty_days() {
    for (text, ms) in [
        ("2s", 2_000),
        ("5m", 300_000),
        ("1h", 3_600_000),
        ("30d", Delay::MAX_MS),
    ] {
        assert_eq!(Delay::parse(text).map(|d| d.ms()), Some(ms), "{text}");
    }
    for text in [
        "",
        "s",
        "2",
        "2w",
        "-1s",
        "1.5h",
        " 2s",
        "31d",
        "99999999999999999999d",
    ] {
        assert_eq!(Delay::parse(text), None, "{text:?}");
    }
    let bundle = with_delay("2s").load().expect("deploys");
    let stored = serde_json::to_string(&bundle).expect("serializes");
    assert!(stored.contains(r#""delay":"2s""#), "{stored}");
    let read: Bundle = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(read, bundle);
}

#[test]
fn a_bad_delay_is_reported_at_its_line() {
    for bad in ["2 weeks", "31d", "soon"] {
        let errors = with_delay(bad).errors();
        assert_reported!(errors, FILE, 12, Problem::BadDelay(_));
    }
}
