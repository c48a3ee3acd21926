//! `for_each:` steps against the HubSpot sandbox: each item in order with `item` and `index`,
//! the loop's output, a list that is not one, and a run retried in the middle of a loop.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::{guide_payload, outcomes},
    helpers::both_backends,
};

const LOOP: &str = r##"
id: upsert-contacts
name: Upsert the event's contacts
integration: hubspot
trigger:
  app_event: Contact Created
steps:
  - id: each_contact
    for_each: "LIST"
    steps:
      - id: upsert
        action: hubspot.upsert_contact
        input: { email: "{{item.email}}", firstname: "{{item.first_name}}", company: "{{event.company}}", jobtitle: "#{{index}}" }
  - id: summary
    action: hubspot.upsert_contact
    input:
      email: "{{event.email}}"
      jobtitle: "last: {{steps.each_contact.output.2.properties.email}}"
"##;

fn payload() -> Value {
    let mut payload = guide_payload(0);
    payload["contacts"] = json!([
        {"email": "a@list.test", "first_name": "A"},
        {"email": "b@list.test", "first_name": "B"},
        {"email": "c@list.test", "first_name": "C"},
    ]);
    payload
}

fn property<'a>(contact: &'a Value, name: &str) -> &'a str {
    contact["properties"][name].as_str().unwrap_or_default()
}

/// `email` → `jobtitle` of every contact of the sandbox account.
async fn titles(hs: &crate::connect_support::Hubspot) -> Vec<(String, String)> {
    let mut titles: Vec<(String, String)> = hs
        .contacts(HUB)
        .await
        .iter()
        .map(|c| {
            (
                property(c, "email").to_owned(),
                property(c, "jobtitle").to_owned(),
            )
        })
        .collect();
    titles.sort();
    titles
}

fn expected() -> Vec<(String, String)> {
    [
        ("a@list.test", "#0"),
        ("ada0@analytical.test", "last: c@list.test"),
        ("b@list.test", "#1"),
        ("c@list.test", "#2"),
    ]
    .map(|(email, title)| (email.to_owned(), title.to_owned()))
    .to_vec()
}

both_backends! {
    async fn each_item_is_upserted_in_order_and_the_loop_output_is_their_list(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", &LOOP.replace("LIST", "{{event.contacts}}")).await;

        hs.trigger(&app, "ann", &payload(), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(titles(&hs).await, expected());
        let detail = hs.execution(&app, &runs[0]).await;
        let steps: Vec<&str> = detail["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter_map(|a| a["stepId"].as_str())
            .collect();
        assert_eq!(
            steps,
            ["each_contact.0.upsert", "each_contact.1.upsert", "each_contact.2.upsert", "each_contact", "summary"],
            "Task History shows each iteration: {detail}"
        );
        assert_eq!(detail["outputs"]["each_contact"].as_array().map(Vec::len), Some(3));
    }

    async fn a_for_each_over_something_else_than_a_list_fails_clearly(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", &LOOP.replace("LIST", "{{event.email}}")).await;

        hs.trigger(&app, "ann", &payload(), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "failed", "{runs:?}");
        let detail = hs.execution(&app, &runs[0]).await;
        assert!(
            detail.to_string().contains("for_each needs a list, and `{{event.email}}` is a string"),
            "{detail}"
        );
        assert!(hs.contacts(HUB).await.is_empty());
    }

    async fn a_run_retried_in_the_middle_of_a_loop_does_each_item_once(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", &LOOP.replace("LIST", "{{event.contacts}}")).await;
        // The second item's call, after the first item is done, meets a 429.
        hs.set_faults(HUB, json!({"force429": 1, "force429After": 1})).await;

        hs.trigger(&app, "ann", &payload(), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(titles(&hs).await, expected());
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(outcomes(&detail, "each_contact.0.upsert"), ["succeeded"], "done once: {detail}");
        assert_eq!(outcomes(&detail, "each_contact.1.upsert"), ["retry", "succeeded"], "{detail}");
    }
}
