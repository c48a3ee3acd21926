//! `if:` steps against the HubSpot sandbox: the branch the condition chooses runs, the other
//! does not, and steps after the `if` read the branch that ran.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::{guide_payload, outcomes},
    helpers::both_backends,
};

/// The issue's example: find the owner by email; update them if found, create them if not.
const OWNER: &str = r#"
id: sync-owner
name: Create or update the owner
integration: hubspot
trigger:
  app_event: Contact Created
steps:
  - id: search
    request:
      method: POST
      path: /crm/v3/objects/contacts/search
      body:
        filterGroups:
          - filters:
              - { propertyName: email, operator: EQ, value: "{{event.email}}" }
  - id: owner_known
    if:
      all:
        - { left: "{{steps.search.output.total}}", op: greater_than, right: 0 }
    then:
      - id: touch_owner
        action: hubspot.update_contact
        input: { id: "{{steps.search.output.results.0.id}}", company: "{{event.company}}" }
    else:
      - id: make_owner
        action: hubspot.create_contact
        input: { email: "{{event.email}}", company: "{{event.company}}" }
  - id: note
    action: hubspot.upsert_contact
    input:
      email: "{{event.email}}"
      jobtitle: "{{steps.owner_known.output.branch}}: {{steps.touch_owner.output.id}}{{steps.make_owner.output.id}}"
"#;

fn property<'a>(contact: &'a Value, name: &str) -> &'a str {
    contact["properties"][name].as_str().unwrap_or_default()
}

/// An `if` on the event, with one call in its branch.
const GATE: &str = r#"
id: gate
name: Create VIPs
integration: hubspot
trigger:
  app_event: Contact Created
steps:
  - id: vip
    if: { left: "{{event.title}}", op: equals, right: Engineer }
    then:
      - id: make
        action: hubspot.create_contact
        input: { email: "{{event.email}}" }
"#;

both_backends! {
    async fn a_run_retried_inside_a_branch_goes_on_in_it_without_deciding_again(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", GATE).await;
        hs.set_faults(HUB, json!({"force429": 1})).await;

        hs.trigger(&app, "ann", &guide_payload(3), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(hs.contacts(HUB).await.len(), 1);
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(outcomes(&detail, "vip"), ["succeeded"], "decided once: {detail}");
        assert_eq!(outcomes(&detail, "make"), ["retry", "succeeded"], "{detail}");
        // What started the run, as its `event.*` read it.
        assert_eq!(detail["trigger"]["name"], "Contact Created", "{detail}");
        assert_eq!(detail["trigger"]["payload"], guide_payload(3), "{detail}");
    }


    async fn an_absent_owner_is_created_by_the_else_branch(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", OWNER).await;

        hs.trigger(&app, "ann", &guide_payload(1), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 1, "{contacts:?}");
        let id = contacts[0]["id"].as_str().expect("an id");
        assert_eq!(property(&contacts[0], "company"), "Analytical Engines");
        assert_eq!(property(&contacts[0], "jobtitle"), format!("else: {id}"));
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(detail["outputs"]["owner_known"], json!({"branch": "else"}), "{detail}");
        assert!(detail["outputs"].get("touch_owner").is_none(), "the then branch did not run");
    }

    async fn a_known_owner_is_updated_by_the_then_branch(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let id = hs
            .create_contact(&app, "ann", json!({"email": "ada2@analytical.test", "company": "Old"}))
            .await;
        hs.deploy_workflow(&app, "ann", OWNER).await;

        hs.trigger(&app, "ann", &guide_payload(2), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 1, "no second contact: {contacts:?}");
        assert_eq!(property(&contacts[0], "company"), "Analytical Engines");
        assert_eq!(property(&contacts[0], "jobtitle"), format!("then: {id}"));
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(detail["outputs"]["owner_known"], json!({"branch": "then"}), "{detail}");
        assert!(detail["outputs"].get("make_owner").is_none(), "the else branch did not run");
    }
}
