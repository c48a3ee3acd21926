//! The engine against the Salesforce stand-in, on both databases. The guide's create workflow
//! (`match_on: Email`) under every fault the stand-in has (forced 503s, 500s and 503s at random,
//! every session of the org ended mid-way, creates whose answer is lost after they were made)
//! makes every Contact exactly once. Without `match_on`, the answer lost after a create is
//! what the run cannot get over: the org's duplicate rule refuses the retry and the run fails
//! although its Contact exists, or, where no rule sees the record, the retry makes it twice.

use std::{collections::HashMap, ops::Range, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    engine_support::{guide_payload, outcomes},
    helpers::{TestApp, both_backends},
    salesforce_support::{Salesforce, salesforce},
};

const USERS: usize = 6;
/// Salesforce publishes no pace (its limit is a daily allowance), so the org's calls are not
/// paced: 200 events, about 300 calls with the retries, take a few seconds.
const EVENTS: usize = 200;
/// Creates made whose answer is lost.
const LOST: usize = 30;

/// Sends "Contact Created" for each of `events` as the users in turn, ten at a time.
async fn send(app: &TestApp, sf: &Salesforce, users: &[String], events: Range<usize>) {
    let url = app.url(&format!(
        "/v2/projects/{}/sdk/events/trigger",
        sf.project.id
    ));
    let tokens: Vec<String> = users.iter().map(|u| sf.project.token(u)).collect();
    for chunk in events.collect::<Vec<_>>().chunks(10) {
        let sends: Vec<_> = chunk
            .iter()
            .map(|&n| {
                let request = app
                    .client
                    .post(&url)
                    .bearer_auth(&tokens[n % tokens.len()])
                    .json(&json!({"name": "Contact Created", "payload": guide_payload(n)}));
                tokio::spawn(request.send())
            })
            .collect();
        for sent in sends {
            let response = sent.await.expect("task").expect("answers");
            assert_eq!(response.status(), 201);
        }
    }
}

both_backends! {
    async fn two_hundred_events_under_faults_make_every_contact_exactly_once(app) {
        let sf = salesforce(&app).await;
        let workflow = sf.deploy_guide(&app).await;
        let users: Vec<String> = (0..USERS).map(|u| format!("user-{u}")).collect();
        for user in &users {
            sf.connect(&app, user).await;
            sf.enable(&app, user, &workflow).await;
        }
        // The first call meets a session Salesforce ended although the token is live: one
        // refresh. Then ten 503s, and 500s and 503s at random.
        let faults = json!({"forceInvalidSession": 1, "force503": 10, "errorRate": 0.15, "loseAnswers": LOST});
        sf.set_faults(faults).await;
        let org = sf.org_id().await;

        send(&app, &sf, &users, 0..EVENTS / 2).await;
        // Every session of the org ends (its timeout, an admin's "log out everyone"): each
        // user's next call is a 401, and the platform refreshes that user's token once.
        sf.knob(Method::POST, &format!("/orgs/{org}/expire-tokens"), None).await;
        send(&app, &sf, &users, EVENTS / 2..EVENTS).await;
        let runs = sf.finished_runs(&app, EVENTS, Duration::from_secs(120)).await;

        assert_eq!(runs.len(), EVENTS, "one run per event, none lost");
        let failed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "succeeded").collect();
        assert!(failed.is_empty(), "{} runs failed: {:?}", failed.len(), failed.first());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for record in sf.records().await {
            let email = record["Email"].as_str().expect("an email").to_owned();
            *seen.entry(email).or_default() += 1;
        }
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "made more than once: {twice:?}");
        for n in 0..EVENTS {
            assert!(seen.contains_key(&format!("ada{n}@analytical.test")), "event {n}'s Contact exists");
        }
        assert_eq!(seen.len(), EVENTS, "and nothing else");
        let counters = sf.counters().await;
        assert_eq!(counters["answersLost"], LOST, "every lost answer was met: {counters}");
        assert_eq!(counters["refreshes"], USERS + 1, "one refresh for the ended session, one per user after they all ended: {counters}");

        let mut found = Vec::new();
        for run in runs.iter().filter(|r| r["attempts"].as_i64().unwrap_or(0) > 1) {
            let detail = sf.execution(&app, run).await;
            if detail["outputs"]["create_contact"]["existing"] == true {
                found.push(detail);
            }
        }
        assert_eq!(found.len(), LOST, "each Contact whose answer was lost was found by the retry, not made again");
        let tries = outcomes(&found[0], "create_contact");
        assert!(tries.len() > 1 && tries[0] == "retry" && tries.last().map(String::as_str) == Some("succeeded"), "Task History shows the retries: {tries:?}");
        let attempts = found[0]["steps"].as_array().expect("steps");
        let unanswered = attempts.iter().any(|a| {
            a["request"]["path"] == "/sobjects/Contact"
                && a["response"].is_null()
                && a["error"].as_str().is_some_and(|e| e.contains("gave no answer") && e.contains("closed"))
        });
        assert!(unanswered, "the create that was not answered: {attempts:?}");
        assert_eq!(attempts.last().expect("an attempt")["request"]["path"], "/query", "the retry looked the Contact up");
    }

    async fn a_token_refused_again_after_its_refresh_is_retried_later_not_failed(app) {
        let sf = salesforce(&app).await;
        sf.connect(&app, "ann").await;
        let workflow = sf.deploy_guide(&app).await;
        sf.enable(&app, "ann", &workflow).await;
        // The first call's 401 makes the client refresh; the resend's 401 too.
        sf.set_faults(json!({"forceInvalidSession": 2})).await;

        let (status, _) = sf.trigger(&app, "ann", &guide_payload(7), None).await;

        assert_eq!(status, 201);
        let runs = sf.finished_runs(&app, 1, Duration::from_secs(60)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let detail = sf.execution(&app, &runs[0]).await;
        assert_eq!(outcomes(&detail, "create_contact"), ["retry", "succeeded"]);
        let records = sf.records().await;
        assert_eq!(records.len(), 1, "{records:?}");
    }

    async fn without_match_on_a_lost_answer_fails_the_run_on_the_orgs_duplicate_rule(app) {
        let sf = salesforce(&app).await;
        sf.connect(&app, "ann").await;
        sf.deploy_on_guide_event(&app, &without_match_on("Email")).await;
        sf.set_faults(json!({"loseAnswers": 1})).await;

        let (status, _) = sf.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(status, 201);
        let runs = sf.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "failed", "{runs:?}");
        let error = runs[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains("400 DUPLICATES_DETECTED"), "{error}");
        assert!(error.contains("its earlier try may have created the record"), "{error}");
        let detail = sf.execution(&app, &runs[0]).await;
        assert_eq!(outcomes(&detail, "create_contact"), ["retry", "failed"]);
        let records = sf.records().await;
        assert_eq!(records.len(), 1, "the first try made it, although the run failed: {records:?}");
        assert_eq!(records[0]["Email"], "ada1@analytical.test");
    }

    async fn without_match_on_a_lost_answer_makes_a_record_no_duplicate_rule_sees_twice(app) {
        let sf = salesforce(&app).await;
        sf.connect(&app, "ann").await;
        // The org's rule matches Contacts by email: these have none, as in an org without one.
        sf.deploy_on_guide_event(&app, &without_match_on("Description")).await;
        sf.set_faults(json!({"loseAnswers": 1})).await;

        sf.trigger(&app, "ann", &guide_payload(1), None).await;

        let runs = sf.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let detail = sf.execution(&app, &runs[0]).await;
        assert_eq!(outcomes(&detail, "create_contact"), ["retry", "succeeded"]);
        let records = sf.records().await;
        let made: Vec<&Value> = records.iter().map(|r| &r["Description"]).collect();
        assert_eq!(made, [&json!("ada1@analytical.test"); 2], "one event, two Contacts");
    }
}

/// A create of the guide's Contact without `match_on`, the event's email written in `field`.
fn without_match_on(field: &str) -> String {
    format!(
        r#"id: sync-contact-without-match-on
name: Sync new contacts, no match_on
integration: salesforce
default_enabled: true
trigger:
  app_event: Contact Created
steps:
  - id: create_contact
    action: salesforce.create_record
    object: Contact
    input:
      LastName: "{{{{event.last_name}}}}"
      {field}: "{{{{event.email}}}}"
"#
    )
}
