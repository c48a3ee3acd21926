//! `delay:` steps against the HubSpot sandbox: the run is parked in the queue, not held by a
//! worker, and goes on after the delay without spending an attempt. The restart while parked is
//! in tests/cli/delay.rs.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::{guide_payload, outcomes},
    helpers::both_backends,
};

const DELAYED: &str = include_str!("../shared/delayed.yaml");

both_backends! {
    async fn a_delayed_run_is_parked_then_goes_on_without_spending_an_attempt(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", DELAYED).await;
        let sent = Instant::now();

        hs.trigger(&app, "ann", &guide_payload(1), None).await;

        // Parked: the contact exists, the run waits in the queue, untouched.
        loop {
            let runs = hs.executions(&app).await;
            let contacts = hs.contacts(HUB).await;
            if runs.first().is_some_and(|r| r["status"] == "queued") && contacts.len() == 1 {
                assert_eq!(contacts[0]["properties"]["jobtitle"], Value::Null, "not yet updated");
                let due = runs[0]["nextAttemptAt"].as_i64().expect("a parked run says when it goes on");
                assert!(due > runs[0]["createdAt"].as_i64().unwrap_or_default(), "{runs:?}");
                break;
            }
            assert!(sent.elapsed() < Duration::from_secs(10), "the run was parked: {runs:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert!(sent.elapsed() >= Duration::from_secs(2), "it waited the delay");
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(runs[0]["attempts"], 1, "waiting is not an attempt: {runs:?}");
        assert_eq!(runs[0]["nextAttemptAt"], Value::Null, "a finished run is due nowhere");
        let contacts = hs.contacts(HUB).await;
        let detail = hs.execution(&app, &runs[0]).await;
        let wake = detail["outputs"]["settle"]["wakeAt"].as_i64().expect("a wake-up time");
        assert_eq!(contacts[0]["properties"]["jobtitle"], format!("woke at {wake}").as_str());
        let settle = outcomes(&detail, "settle");
        assert!(!settle.is_empty(), "{detail}");
        assert_eq!(settle.last().map(String::as_str), Some("succeeded"), "{detail}");
    }
}
