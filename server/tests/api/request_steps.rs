//! `request:` steps against the HubSpot sandbox: any endpoint of the API with the user's
//! credential, the answer as the step's output, `steps.<id>.status`, a provider error failing
//! the run with the provider's message, and `on_error: continue` going on past it.

use std::time::Duration;

use serde_json::json;

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::guide_payload,
    helpers::both_backends,
};

const SEARCH_READ_TAG: &str = r#"
id: tag-known-contact
name: Tag the contact the event names
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
        limit: 1
  - id: read
    request:
      method: GET
      path: "/crm/v3/objects/contacts/{{steps.search.output.results.0.id}}"
      query:
        properties: email,jobtitle
  - id: tag
    request:
      method: PATCH
      path: "/crm/v3/objects/contacts/{{steps.read.output.id}}"
      body:
        properties:
          jobtitle: "{{steps.read.output.properties.jobtitle}}, found with {{steps.search.output.total}} match (status {{steps.read.status}})"
"#;

const READ_MISSING: &str = r#"
id: read-missing-contact
name: Read a contact that is not there
integration: hubspot
trigger:
  app_event: Contact Created
steps:
  - id: read
    request:
      method: GET
      path: /crm/v3/objects/contacts/{{event.email}}
      query:
        idProperty: email
    ON_ERROR
  - id: note
    action: hubspot.create_contact
    input:
      email: "{{event.email}}"
      jobtitle: "lookup answered {{steps.read.status}}: {{steps.read.output.message}}"
"#;

both_backends! {
    async fn request_steps_search_read_and_update_with_the_users_credential(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let id = hs.create_contact(&app, "ann", json!({"email": "ada1@analytical.test", "jobtitle": "Engineer"})).await;
        hs.deploy_workflow(&app, "ann", SEARCH_READ_TAG).await;

        let (status, _) = hs.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(status, 201);
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0]["id"], id.as_str());
        assert_eq!(
            contacts[0]["properties"]["jobtitle"],
            "Engineer, found with 1 match (status 200)"
        );
        let detail = hs.execution(&app, &runs[0]).await;
        let paths: Vec<&str> = detail["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["request"]["path"].as_str().unwrap_or_default())
            .collect();
        let read = format!("/crm/v3/objects/contacts/{id}");
        assert_eq!(paths, ["/crm/v3/objects/contacts/search", read.as_str(), read.as_str()]);
        assert!(!detail.to_string().contains("Bearer"), "no token in Task History");
    }

    async fn a_providers_404_fails_the_run_with_its_message(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", &READ_MISSING.replace("ON_ERROR", "")).await;

        hs.trigger(&app, "ann", &guide_payload(2), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "failed", "{runs:?}");
        let detail = hs.execution(&app, &runs[0]).await;
        let error = detail.to_string();
        assert!(error.contains("HubSpot answered 404: resource not found"), "{detail}");
        assert!(hs.contacts(HUB).await.is_empty(), "the step after it did not run");
    }

    async fn with_on_error_continue_the_next_step_reads_the_status_and_answer(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", &READ_MISSING.replace("ON_ERROR", "on_error: continue")).await;

        hs.trigger(&app, "ann", &guide_payload(3), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 1);
        assert_eq!(
            contacts[0]["properties"]["jobtitle"],
            "lookup answered 404: resource not found"
        );
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(detail["steps"][0]["outcome"], "failed", "{detail}");
        assert_eq!(detail["steps"][1]["outcome"], "succeeded", "{detail}");
    }
}
