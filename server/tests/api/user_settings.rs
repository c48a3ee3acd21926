//! User settings through the SDK API against the HubSpot sandbox: the portal's content and
//! inputs in `/sdk/integrations`, values saved with Paragon's `PATCH /sdk/credentials/{id}`
//! and shown in `/sdk/me`, every wrong value refused with nothing saved, a required setting
//! keeping the workflow off until filled in, a run reading `{{settings.<id>}}`, and a
//! disconnect forgetting the values.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, Hubspot, hubspot},
    engine_support::{GUIDE, guide_payload},
    helpers::{TestApp, assert_error, both_backends},
};

const PAGE: &str = r#"
integration: hubspot
description: Sync your Acme CRM contacts to HubSpot.
overview: |
  Contacts you create in **Acme CRM** appear in HubSpot.
settings:
  - id: region
    title: Sales region
    type: text
    required: true
"#;

const WORKFLOW: &str = r#"
id: sync-contact
name: Sync new contacts to HubSpot
description: Every contact you create in Acme CRM is created in HubSpot.
integration: hubspot
trigger:
  app_event: Contact Created
settings:
  - id: stage
    title: Lifecycle stage
    type: dropdown
    options:
      - { value: lead, label: Lead }
      - { value: customer, label: Customer }
    default: lead
  - id: vip
    title: Mark as VIP
    type: boolean
  - id: owner
    title: Owner of new contacts
    type: dynamic_dropdown
    source: owners
  - id: extras
    title: More fields
    type: field_mapping
    object: contacts
    fields:
      - { id: mobile, label: Mobile phone }
      - { id: town, label: Town }
steps:
  - id: create
    action: hubspot.create_contact
    input:
      email: "{{event.email}}"
      lifecyclestage: "{{settings.stage}}"
      jobtitle: "{{settings.region}} {{settings.vip}}"
    field_mapping:
      setting: extras
      from: "{{event}}"
"#;

/// Deploys the guide's event, the page and the workflow; returns the workflow's id.
async fn deploy(app: &TestApp, hs: &Hubspot) -> String {
    let dir = tempfile::tempdir().expect("a folder");
    for (path, text) in [
        ("integrations/hubspot.yaml", PAGE),
        ("workflows/sync.yaml", WORKFLOW),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        std::fs::write(path, text).expect("written");
    }
    std::fs::create_dir_all(dir.path().join("events")).expect("events/");
    std::fs::copy(
        std::path::Path::new(GUIDE).join("events/contact-created.yaml"),
        dir.path().join("events/contact-created.yaml"),
    )
    .expect("the guide's event");
    let (_, workflows) = paragon_server::deploy::deploy_dir(&app.store, hs.project.id, dir.path())
        .await
        .expect("deploys");
    workflows[0].id.to_string()
}

async fn sdk(
    app: &TestApp,
    hs: &Hubspot,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(
            method,
            app.url(&format!("/projects/{}/sdk{path}", hs.project.id)),
        )
        .bearer_auth(hs.project.token("ann"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("answers")
}

async fn me(app: &TestApp, hs: &Hubspot) -> Value {
    sdk(app, hs, reqwest::Method::GET, "/me", None)
        .await
        .json()
        .await
        .expect("JSON")
}

async fn credential(app: &TestApp, hs: &Hubspot) -> String {
    me(app, hs).await["integrations"]["hubspot"]["credentialId"]
        .as_str()
        .expect("connected")
        .to_owned()
}

both_backends! {
    async fn the_portal_gets_the_description_and_the_settings_as_inputs(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let workflow = deploy(&app, &hs).await;

        let list: Value = sdk(&app, &hs, reqwest::Method::GET, "/integrations", None).await.json().await.expect("JSON");

        let values = &list[0]["configs"][0]["values"];
        assert_eq!(values["description"], "Sync your Acme CRM contacts to HubSpot.", "{values}");
        assert!(values["overview"].as_str().unwrap_or_default().contains("**Acme CRM**"));
        assert_eq!(values["sharedMeta"]["inputs"][0]["id"], "region");
        assert_eq!(values["sharedMeta"]["inputs"][0]["type"], "TEXT_NO_VARS");
        assert_eq!(values["sharedMeta"]["inputs"][0]["required"], true);
        let meta = &values["workflowMeta"][&workflow];
        assert_eq!(meta["infoText"], "Every contact you create in Acme CRM is created in HubSpot.");
        assert_eq!(meta["inputs"][0]["type"], "ENUM");
        assert_eq!(meta["inputs"][0]["values"][1], json!({"value": "customer", "label": "Customer"}));
        assert_eq!(meta["inputs"][0]["defaultValue"], "lead");
        assert_eq!(meta["inputs"][1]["type"], "BOOLEAN_INPUT");
        assert_eq!(meta["inputs"][2]["type"], "DYNAMIC_ENUM");
        assert_eq!(meta["inputs"][2]["sourceType"], "owners");
        assert_eq!(meta["inputs"][3]["type"], "FIELD_MAPPER");
        assert_eq!(meta["inputs"][3]["sourceType"], "contact_properties");
        assert_eq!(meta["inputs"][3]["fields"][1], json!({"id": "town", "label": "Town"}));
    }

    async fn a_field_mapping_sends_the_apps_fields_to_the_properties_the_user_chose(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let workflow = deploy(&app, &hs).await;
        let credential = credential(&app, &hs).await;
        let path = format!("/credentials/{credential}");
        let wrong = json!({"config": {"workflowSettings": {workflow.clone(): {"settings": {"extras": {"mobile": "Phone Number!", "fax": "fax"}}}}}});
        let refused = sdk(&app, &hs, reqwest::Method::PATCH, &path, Some(wrong)).await;
        let message = assert_error(refused, 422, "UNPROCESSABLE").await;
        assert!(message.contains("“More fields”"), "{message}");
        let chosen = json!({"config": {
            "sharedSettings": {"region": "EMEA"},
            "workflowSettings": {workflow.clone(): {"settings": {"extras": {"mobile": "phone", "town": "city"}}, "enabled": true}},
        }});
        let saved = sdk(&app, &hs, reqwest::Method::PATCH, &path, Some(chosen)).await;
        assert_eq!(saved.status(), 200);

        let payload = json!({"email": "mapped@acme.test", "mobile": "+44 20 7946 0000", "town": "Cambridge", "other": "x"});
        hs.trigger(&app, "ann", &payload, None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        let properties = &contacts[0]["properties"];
        assert_eq!(properties["phone"], "+44 20 7946 0000", "{properties}");
        assert_eq!(properties["city"], "Cambridge", "{properties}");
        assert_eq!(properties["email"], "mapped@acme.test");
    }

    async fn a_dynamic_dropdown_lists_the_owners_of_the_users_account(app) {
        let hs = hubspot(&app).await;
        let get = |path: &'static str| sdk(&app, &hs, reqwest::Method::GET, path, None);
        deploy(&app, &hs).await;
        let before = get("/integrations/hubspot/sources/owners").await;
        let message = assert_error(before, 422, "UNPROCESSABLE").await;
        assert!(message.contains("connect hubspot"), "{message}");
        hs.connect(&app, "ann", HUB).await;

        let all: Value = get("/integrations/hubspot/sources/owners").await.json().await.expect("JSON");
        let found: Value = get("/integrations/hubspot/sources/owners?search=GRACE").await.json().await.expect("JSON");

        let labels: Vec<&str> = all["data"].as_array().expect("options").iter().map(|o| o["label"].as_str().unwrap_or_default()).collect();
        assert!(labels.iter().any(|l| l.contains("ada@acme.test")), "the installing user: {labels:?}");
        assert_eq!(labels.len(), 4, "live owners only: {labels:?}");
        assert_eq!(all["nextPageCursor"], Value::Null);
        assert_eq!(found["data"].as_array().map(Vec::len), Some(1), "{found}");
        assert!(found["data"][0]["value"].as_str().is_some_and(|v| !v.is_empty()));
        // Only sources a deployed setting uses can be read.
        let other = get("/integrations/hubspot/sources/pipelines").await;
        assert_error(other, 404, "NOT_FOUND").await;
    }

    async fn settings_are_saved_checked_shown_and_read_by_runs(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let workflow = deploy(&app, &hs).await;
        let credential = credential(&app, &hs).await;
        let path = format!("/credentials/{credential}");

        // The required region keeps the workflow off.
        let refused = sdk(&app, &hs, reqwest::Method::POST, &format!("/workflows/{workflow}"), None).await;
        let message = assert_error(refused, 422, "UNPROCESSABLE").await;
        assert!(message.contains("fill in “Sales region”"), "{message}");

        // Wrong values: all reported, nothing saved.
        let bad = json!({"config": {
            "sharedSettings": {"region": 7, "colour": "red"},
            "workflowSettings": {workflow.clone(): {"settings": {"stage": "partner"}}},
        }});
        let refused = sdk(&app, &hs, reqwest::Method::PATCH, &path, Some(bad)).await;
        let message = assert_error(refused, 422, "UNPROCESSABLE").await;
        for part in ["“Sales region” takes text", "no setting `colour`", "“partner” is not one of the choices"] {
            assert!(message.contains(part), "{part}: {message}");
        }
        assert_eq!(me(&app, &hs).await["integrations"]["hubspot"]["sharedSettings"], json!({}));

        // Good values, and the workflow on in the same call.
        let good = json!({"config": {
            "sharedSettings": {"region": "EMEA"},
            "workflowSettings": {workflow.clone(): {"settings": {"stage": "customer", "vip": true}, "enabled": true}},
        }});
        let saved: Value = sdk(&app, &hs, reqwest::Method::PATCH, &path, Some(good)).await.json().await.expect("the credential");
        assert_eq!(saved["id"], credential.as_str(), "Paragon's answer: the credential");
        let configuration = &saved["configurations"][0];
        assert_eq!(configuration["sharedSettings"], json!({"region": "EMEA"}), "{saved}");
        assert_eq!(configuration["workflowSettings"][&workflow], json!({"enabled": true, "settings": {"stage": "customer", "vip": true}}), "{saved}");
        let state = &me(&app, &hs).await["integrations"]["hubspot"];
        assert_eq!(state["sharedSettings"], json!({"region": "EMEA"}), "{state}");
        assert_eq!(state["workflowSettings"][&workflow], configuration["workflowSettings"][&workflow], "/sdk/me shows the same");

        hs.trigger(&app, "ann", &guide_payload(1), None).await;

        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts[0]["properties"]["lifecyclestage"], "customer", "{contacts:?}");
        assert_eq!(contacts[0]["properties"]["jobtitle"], "EMEA true", "{contacts:?}");

        // A null removes a value; the default takes over.
        let reset = json!({"config": {"workflowSettings": {workflow.clone(): {"settings": {"stage": null}}}}});
        let saved: Value = sdk(&app, &hs, reqwest::Method::PATCH, &path, Some(reset)).await.json().await.expect("the credential");
        assert_eq!(saved["configurations"][0]["workflowSettings"][&workflow]["settings"], json!({"vip": true}));
    }

    async fn another_users_credential_and_unknown_workflows_are_refused(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let ann_credential = credential(&app, &hs).await;
        deploy(&app, &hs).await;

        // Bob has no credential: Ann's id is not his to write.
        let bob = app
            .client
            .patch(app.url(&format!("/projects/{}/sdk/credentials/{ann_credential}", hs.project.id)))
            .bearer_auth(hs.project.token("bob"))
            .json(&json!({"config": {"sharedSettings": {"region": "APAC"}}}))
            .send()
            .await
            .expect("answers");
        assert_error(bob, 404, "NOT_FOUND").await;
        assert_eq!(me(&app, &hs).await["integrations"]["hubspot"]["sharedSettings"], json!({}), "Ann's values untouched");

        let unknown = json!({"config": {"workflowSettings": {"not-a-workflow": {"enabled": true}}}});
        let refused = sdk(&app, &hs, reqwest::Method::PATCH, &format!("/credentials/{ann_credential}"), Some(unknown)).await;
        let message = assert_error(refused, 422, "UNPROCESSABLE").await;
        assert!(message.contains("no hubspot workflow not-a-workflow"), "{message}");
        let malformed = sdk(&app, &hs, reqwest::Method::PATCH, &format!("/credentials/{ann_credential}"), Some(json!({"sharedSettings": {}}))).await;
        assert_error(malformed, 400, "INVALID_REQUEST").await;
    }

    async fn disconnecting_forgets_the_settings(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        deploy(&app, &hs).await;
        let credential = credential(&app, &hs).await;
        let body = json!({"config": {"sharedSettings": {"region": "EMEA"}}});
        let saved = sdk(&app, &hs, reqwest::Method::PATCH, &format!("/credentials/{credential}"), Some(body)).await;
        assert_eq!(saved.status(), 200);
        let integration = me(&app, &hs).await["integrations"]["hubspot"].clone();
        let list: Value = sdk(&app, &hs, reqwest::Method::GET, "/integrations", None).await.json().await.expect("JSON");
        let integration_id = list[0]["id"].as_str().expect("an id").to_owned();
        assert_eq!(integration["sharedSettings"], json!({"region": "EMEA"}));

        let gone = sdk(&app, &hs, reqwest::Method::DELETE, &format!("/integrations/{integration_id}"), None).await;
        assert_eq!(gone.status(), 204);
        hs.connect(&app, "ann", HUB).await;

        assert_eq!(me(&app, &hs).await["integrations"]["hubspot"]["sharedSettings"], json!({}));
    }
}
