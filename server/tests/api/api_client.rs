//! What every call to a provider's API as a user gets, whoever makes it (the proxy, a workflow
//! step): answers capped, and one pacer per provider account.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, Hubspot, hubspot},
    engine_support::guide_payload,
    helpers::{TestApp, assert_error, both_backends},
};

/// A 9 MiB answer: past the 8 MiB cap on API answers.
const HUGE: u64 = 9 * 1024 * 1024;

async fn set_faults(hs: &Hubspot, faults: Value) {
    let set = hs
        .browser
        .post(format!(
            "{}/_sandbox/accounts/{HUB}/faults",
            hs.sandbox.base_url()
        ))
        .json(&faults)
        .send()
        .await
        .expect("answers");
    assert!(set.status().is_success());
}

async fn connected(app: &TestApp) -> Hubspot {
    let hs = hubspot(app).await;
    assert_eq!(hs.connect(app, "ann", HUB).await.status(), 200);
    hs
}

both_backends! {
    async fn the_proxy_answers_502_when_the_providers_answer_passes_the_cap(app) {
        let hs = connected(&app).await;
        set_faults(&hs, json!({"hugeAnswerBytes": HUGE})).await;

        let answer = hs.proxy(&app, "ann", "crm/v3/objects/contacts").await;

        let message = assert_error(answer, 502, "BAD_GATEWAY").await;
        assert!(message.contains("the provider's answer was too large"), "{message}");
        set_faults(&hs, json!({})).await;
        assert_eq!(hs.proxy(&app, "ann", "crm/v3/objects/contacts").await.status(), 200);
    }

    async fn a_step_whose_answer_passes_the_cap_fails_the_run_for_good(app) {
        let hs = connected(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.enable(&app, "ann", &workflow).await;
        set_faults(&hs, json!({"hugeAnswerBytes": HUGE})).await;

        let (status, _) = hs.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(status, 201);
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "failed", "{runs:?}");
        assert_eq!(runs[0]["attempts"], 1, "not retried: {runs:?}");
        let error = runs[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains("the provider's answer was too large"), "{error}");
    }

    async fn the_proxy_is_paced_per_account_and_waits_out_a_429(app) {
        let hs = connected(&app).await;
        set_faults(&hs, json!({"force429": 1})).await;

        let limited = hs.proxy(&app, "ann", "crm/v3/objects/contacts").await;
        let started = Instant::now();
        let next = hs.proxy(&app, "ann", "crm/v3/objects/contacts").await;

        assert_eq!(limited.status(), 429, "the provider's answer is passed on");
        assert_eq!(next.status(), 200);
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "the next call waited for the sandbox's Retry-After: 1 ({:?})",
            started.elapsed()
        );
    }
}
