//! Request-triggered workflows (`POST /projects/{pid}/sdk/triggers/{workflowId}`) against the
//! HubSpot sandbox: the issue's example end to end, the answer of a `response` step given at
//! once while later steps go on, a run slower than its budget answering 202 and finishing,
//! a failure before the answer naming the step and the execution, and every refusal.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, Hubspot, hubspot},
    helpers::{TestApp, assert_error, both_backends},
};

/// The issue's example, as shipped.
const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/hubspot-request/workflows/sync-company-contacts.yaml"
));

/// Answers first, from the request's query and headers, then creates the contact.
const ANSWER_FIRST: &str = r#"
id: answer-first
name: Answer, then create
integration: hubspot
trigger:
  request: {}
steps:
  - id: reply
    response:
      status: 201
      body: { tag: "{{request.query.tag}}", via: "{{request.headers.x-acme}}", email: "{{request.body.email}}" }
  - id: create
    action: hubspot.create_contact
    input: { email: "{{request.body.email}}" }
"#;

/// Slower than its budget: waits three seconds, then creates and answers.
const SLOW: &str = r#"
id: slow
name: Slow
integration: hubspot
trigger:
  request:
    timeout: 1s
steps:
  - id: wait
    delay: 3s
  - id: create
    action: hubspot.create_contact
    input: { email: "{{request.body.email}}" }
  - id: reply
    response:
      body: { id: "{{steps.create.output.id}}" }
"#;

/// Reads a contact that does not exist: HubSpot answers 404.
const MISSING: &str = r#"
id: missing
name: Read a missing contact
integration: hubspot
trigger:
  request: {}
steps:
  - id: fetch
    request:
      method: GET
      path: /crm/v3/objects/contacts/{{request.body.id}}
  - id: reply
    response:
      body: "{{steps.fetch.output}}"
"#;

/// A path that would leave the API: the step cannot even be sent.
const ESCAPING: &str = r#"
id: escaping
name: A path out of the API
integration: hubspot
trigger:
  request: {}
steps:
  - id: fetch
    request:
      method: GET
      path: /crm/v3/{{request.body.where}}
"#;

/// No `response` step: the answer is the last step's output.
const NO_RESPONSE: &str = r#"
id: no-response
name: Create and say nothing
integration: hubspot
trigger:
  request: {}
steps:
  - id: create
    action: hubspot.create_contact
    input: { email: "{{request.body.email}}" }
"#;

/// The answer to `POST /sdk/triggers/{workflow}` with the user token `token`: (status, body).
async fn call(
    app: &TestApp,
    hs: &Hubspot,
    token: &str,
    workflow: &str,
    query: &str,
    body: Value,
) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!(
            "/projects/{}/sdk/triggers/{workflow}{query}",
            hs.project.id
        )))
        .bearer_auth(token)
        .header("X-Acme", "from-the-app")
        .json(&body)
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn property<'a>(contact: &'a Value, name: &str) -> &'a str {
    contact["properties"][name].as_str().unwrap_or_default()
}

fn company(owner: &str) -> Value {
    json!({
        "company": "Analytical Engines",
        "owner": owner,
        "contacts": [
            {"email": "c1@analytical.test", "first_name": "Charles"},
            {"email": "c2@analytical.test", "first_name": "Mary"},
            {"email": "c3@analytical.test", "first_name": "Luigi"},
        ],
    })
}

both_backends! {
    async fn the_example_creates_or_updates_the_owner_upserts_the_contacts_and_answers(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", EXAMPLE).await;

        // Absent owner: created by the else branch.
        let (status, answer) =
            call(&app, &hs, &hs.project.token("ann"), "sync-company-contacts", "", company("owner@analytical.test")).await;

        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["owner_found"], 0, "{answer}");
        let upserted = answer["contacts"].as_array().expect("the loop's output");
        assert_eq!(upserted.len(), 3, "{answer}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 4, "the owner and three contacts: {contacts:?}");
        for item in upserted {
            let id = item["id"].as_str().expect("an upserted contact's id");
            assert!(contacts.iter().any(|c| c["id"] == id), "{id} is in HubSpot");
        }
        let owner = contacts
            .iter()
            .find(|c| property(c, "email") == "owner@analytical.test")
            .expect("the owner was created");
        assert_eq!(property(owner, "company"), "Analytical Engines");
        // Task History shows the tree the run walked, and its answer.
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["response"]["body"], answer, "{runs:?}");
        let detail = hs.execution(&app, &runs[0]).await;
        assert_eq!(detail["trigger"]["payload"]["body"], company("owner@analytical.test"), "the recorded request: {detail}");
        let tree = detail["tree"].clone();
        let kinds: Vec<&str> = tree.as_array().expect("a tree").iter().map(|n| n["kind"].as_str().unwrap_or("?")).collect();
        assert_eq!(kinds, ["request", "if", "for_each", "delay", "response"], "{tree}");
        assert_eq!(tree[0]["attempts"][0]["outcome"], "succeeded", "{tree}");
        assert_eq!(tree[1]["branch"], "else", "{tree}");
        assert_eq!(tree[1]["steps"][0]["stepId"], "make_owner", "only the branch that ran: {tree}");
        assert_eq!(tree[2]["iterations"].as_array().map(Vec::len), Some(3), "{tree}");
        assert_eq!(tree[2]["iterations"][2]["steps"][0]["key"], "each_contact.2.upsert", "{tree}");
        assert_eq!(tree[2]["iterations"][2]["item"]["first_name"], "Luigi", "{tree}");
        assert!(tree[3]["wakeAt"].as_i64().is_some(), "the delay's wake-up time: {tree}");
        assert_eq!(tree[4]["output"]["body"], answer, "{tree}");

        // Present owner: updated by the then branch, nothing created twice.
        let mut again = company("owner@analytical.test");
        again["company"] = json!("Difference Engines");
        let (status, answer) = call(&app, &hs, &hs.project.token("ann"), "sync-company-contacts", "", again).await;

        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["owner_found"], 1, "{answer}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 4, "upserts and an update add nobody: {contacts:?}");
        assert!(
            contacts.iter().all(|c| property(c, "company") == "Difference Engines"),
            "{contacts:?}"
        );
    }

    async fn a_response_answers_at_once_and_the_steps_after_it_go_on(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let id = hs.deploy_workflow(&app, "ann", ANSWER_FIRST).await;
        let token = hs.project.token("ann");

        // Named by its UUID this time.
        let (status, answer) =
            call(&app, &hs, &token, &id, "?tag=vip%20gold", json!({"email": "quick@acme.test"})).await;

        assert_eq!(status, 201, "{answer}");
        assert_eq!(
            answer,
            json!({"tag": "vip gold", "via": "from-the-app", "email": "quick@acme.test"})
        );
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(runs[0]["response"]["status"], 201, "{runs:?}");
        assert_eq!(hs.contacts(HUB).await.len(), 1, "the step after the answer ran");
        // The user's token is a credential: it is not kept with the run's input.
        let dump = app.database_dump().await;
        assert!(dump.contains("from-the-app"), "the request's headers are kept");
        assert!(!dump.contains(&token), "no user token at rest");
    }

    async fn a_run_slower_than_its_budget_answers_202_and_finishes_later(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", SLOW).await;

        let (status, answer) = call(&app, &hs, &hs.project.token("ann"), "slow", "", json!({"email": "late@acme.test"})).await;

        assert_eq!(status, 202, "{answer}");
        let execution = answer["executionId"].as_str().expect("an execution id").to_owned();
        assert!(hs.contacts(HUB).await.is_empty(), "answered before the delay ended");
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["id"], execution.as_str());
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        let contacts = hs.contacts(HUB).await;
        assert_eq!(contacts.len(), 1, "{contacts:?}");
        assert_eq!(runs[0]["response"]["body"]["id"], contacts[0]["id"], "{runs:?}");
    }

    async fn a_failure_before_the_answer_names_the_step_the_message_and_the_execution(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", MISSING).await;

        let (status, answer) = call(&app, &hs, &hs.project.token("ann"), "missing", "", json!({"id": "999999"})).await;

        assert_eq!(status, 500, "{answer}");
        assert_eq!(answer["code"], "WORKFLOW_FAILED", "{answer}");
        assert_eq!(answer["step"], "fetch", "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains("HubSpot answered 404"), "the provider's message: {message}");
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(answer["executionId"], runs[0]["id"], "{runs:?}");
        assert_eq!(runs[0]["status"], "failed");
    }

    async fn a_step_whose_input_cannot_be_sent_is_named_in_the_failure(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", ESCAPING).await;

        let (status, answer) =
            call(&app, &hs, &hs.project.token("ann"), "escaping", "", json!({"where": "../../oauth/v1/token"})).await;

        assert_eq!(status, 500, "{answer}");
        assert_eq!(answer["code"], "WORKFLOW_FAILED", "{answer}");
        assert_eq!(answer["step"], "fetch", "{answer}");
        assert!(answer["message"].as_str().unwrap_or_default().contains("path"), "{answer}");
    }

    async fn without_a_response_step_the_last_output_is_the_answer(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.deploy_workflow(&app, "ann", NO_RESPONSE).await;

        let (status, answer) =
            call(&app, &hs, &hs.project.token("ann"), "no-response", "", json!({"email": "plain@acme.test"})).await;

        assert_eq!(status, 200, "{answer}");
        assert_eq!(property(&answer, "email"), "plain@acme.test", "{answer}");
        assert_eq!(hs.contacts(HUB).await[0]["id"], answer["id"]);
    }

    async fn the_trigger_refuses_clearly_what_it_cannot_run(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let guide = hs.deploy_workflow(&app, "ann", ANSWER_FIRST.replace("answer-first", "first").as_str()).await;
        let pid = hs.project.id;
        let post = |workflow: &str, user: &str| {
            app.client
                .post(app.url(&format!("/projects/{pid}/sdk/triggers/{workflow}")))
                .bearer_auth(hs.project.token(user))
        };

        let unknown = post("nope", "ann").json(&json!({})).send().await.expect("answers");
        assert_error(unknown, 404, "NOT_FOUND").await;
        let malformed = post("first", "ann").header("Content-Type", "application/json")
            .body("{not json").send().await.expect("answers");
        assert_error(malformed, 400, "INVALID_REQUEST").await;
        let huge = json!({ "blob": "x".repeat(300 * 1024) });
        let oversized = post("first", "ann").json(&huge).send().await.expect("answers");
        assert_error(oversized, 413, "PAYLOAD_TOO_LARGE").await;
        let stranger = post("first", "bob").json(&json!({})).send().await.expect("answers");
        let message = assert_error(stranger, 422, "UNPROCESSABLE").await;
        assert!(message.contains("has not connected hubspot"), "{message}");
        let no_token = app.client
            .post(app.url(&format!("/projects/{pid}/sdk/triggers/first")))
            .json(&json!({})).send().await.expect("answers");
        assert_error(no_token, 401, "UNAUTHORIZED").await;
        let disabled = app.client
            .delete(app.url(&format!("/projects/{pid}/sdk/workflows/{guide}")))
            .bearer_auth(hs.project.token("ann")).send().await.expect("answers");
        assert_eq!(disabled.status(), 204);
        let off = post("first", "ann").json(&json!({})).send().await.expect("answers");
        let message = assert_error(off, 422, "UNPROCESSABLE").await;
        assert!(message.contains("has not enabled"), "{message}");
        // An App Event workflow is not run by requests.
        hs.deploy_guide(&app).await;
        let event_workflow = post("sync-contact-to-hubspot", "ann").json(&json!({})).send().await.expect("answers");
        let message = assert_error(event_workflow, 422, "UNPROCESSABLE").await;
        assert!(message.contains("App Event"), "{message}");
        assert!(hs.executions(&app).await.is_empty(), "no refused call started a run");
    }
}
