//! Deploying the guide's workflow, sending App Events and waiting for their runs.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    connect_support::Hubspot,
    helpers::{TestApp, TestProject},
};

/// The guide's example directory (App Event "Contact Created", workflow sync-contact).
pub const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hubspot-guide");

/// The guide's payload for one person.
pub fn guide_payload(n: usize) -> Value {
    json!({
        "first_name": format!("Ada{n}"),
        "last_name": "Lovelace",
        "email": format!("ada{n}@analytical.test"),
        "company": "Analytical Engines",
        "title": "Engineer",
    })
}

impl Hubspot {
    /// Deploys the guide and returns the workflow's id.
    pub async fn deploy_guide(&self, app: &TestApp) -> String {
        self.deploy(app, std::path::Path::new(GUIDE)).await[0]
            .id
            .to_string()
    }

    /// Deploys the guide's App Event with `workflow` and enables it for `user`; returns its id.
    pub async fn deploy_workflow(&self, app: &TestApp, user: &str, workflow: &str) -> String {
        let id = self.deploy_on_guide_event(app, workflow).await;
        self.enable(app, user, &id).await;
        id
    }

    /// A contact created in `user`'s HubSpot through the platform's proxy; returns its id.
    pub async fn create_contact(&self, app: &TestApp, user: &str, properties: Value) -> String {
        let created: Value = app
            .client
            .post(app.url(&format!(
                "/projects/{}/sdk/proxy/hubspot/crm/v3/objects/contacts",
                self.project.id
            )))
            .bearer_auth(self.project.token(user))
            .json(&json!({ "properties": properties }))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        created["output"]["id"]
            .as_str()
            .expect("the new contact's id")
            .to_owned()
    }

    /// Sets the faults of the sandbox's account `hub` (`POST /_sandbox/accounts/{hub}/faults`).
    pub async fn set_faults(&self, hub: u32, faults: Value) {
        let set = self
            .browser
            .post(format!(
                "{}/_sandbox/accounts/{hub}/faults",
                self.sandbox.base_url()
            ))
            .json(&faults)
            .send()
            .await
            .expect("answers");
        assert!(set.status().is_success());
    }

    /// The contacts of a sandbox account.
    pub async fn contacts(&self, hub: u32) -> Vec<Value> {
        self.knob(Method::GET, &format!("/accounts/{hub}/contacts"))
            .await
            .json()
            .await
            .expect("JSON")
    }
}

/// What a test does with a project whatever its provider: enable a workflow for a user, send
/// the guide's App Event, read Task History.
impl TestProject {
    /// `DELETE /sdk/integrations/{id}` as `user` of the project's only integration, as the
    /// portal's Disconnect does; returns the answer's status.
    pub async fn disconnect(&self, app: &TestApp, user: &str) -> reqwest::StatusCode {
        let listed: Value = app
            .get_integrations(self.id, &self.token(user))
            .await
            .json()
            .await
            .expect("JSON");
        let id = listed[0]["id"].as_str().expect("an integration id");
        app.client
            .delete(app.url(&format!("/projects/{}/sdk/integrations/{id}", self.id)))
            .bearer_auth(self.token(user))
            .send()
            .await
            .expect("answers")
            .status()
    }

    /// Deploys the folder `dir`; returns its workflows.
    pub async fn deploy(
        &self,
        app: &TestApp,
        dir: &std::path::Path,
    ) -> Vec<paragon_server::storage::DeployedWorkflow> {
        let (_, workflows) = paragon_server::deploy::deploy_dir(&app.store, self.id, dir)
            .await
            .expect("the folder deploys");
        workflows
    }

    /// Deploys the guide's App Event "Contact Created" with `workflow` (a workflow file
    /// triggered by it) alone; returns the workflow's id.
    pub async fn deploy_on_guide_event(&self, app: &TestApp, workflow: &str) -> String {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (events, workflows) = (dir.path().join("events"), dir.path().join("workflows"));
        std::fs::create_dir_all(&events).expect("events/");
        std::fs::create_dir_all(&workflows).expect("workflows/");
        std::fs::copy(
            std::path::Path::new(GUIDE).join("events/contact-created.yaml"),
            events.join("contact-created.yaml"),
        )
        .expect("the guide's event");
        std::fs::write(workflows.join("workflow.yaml"), workflow).expect("the workflow");
        self.deploy(app, dir.path()).await[0].id.to_string()
    }

    /// `POST /sdk/workflows/{id}` as `user`.
    pub async fn enable(&self, app: &TestApp, user: &str, workflow: &str) {
        let response = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/workflows/{workflow}", self.id)))
            .bearer_auth(self.token(user))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 204);
    }

    /// `POST /v2/…/sdk/events/trigger`; returns (status, body).
    pub async fn trigger(
        &self,
        app: &TestApp,
        user: &str,
        payload: &Value,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut request = app
            .client
            .post(app.url(&format!("/v2/projects/{}/sdk/events/trigger", self.id)))
            .bearer_auth(self.token(user))
            .json(&json!({"name": "Contact Created", "payload": payload}));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.expect("answers");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Task History, all pages.
    pub async fn executions(&self, app: &TestApp) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!(
                "/projects/{}/task-history/workflow-executions?limit=200",
                self.id
            );
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: Value = app
                .management(Method::GET, &path, &self.api_key)
                .send()
                .await
                .expect("answers")
                .json()
                .await
                .expect("JSON");
            all.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return all,
            }
        }
    }

    /// The Task History detail of `run` (an item of [`Self::executions`]).
    pub async fn execution(&self, app: &TestApp, run: &Value) -> Value {
        let path = format!(
            "/projects/{}/task-history/workflow-executions/{}",
            self.id,
            run["id"].as_str().expect("a run id")
        );
        app.management(Method::GET, &path, &self.api_key)
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON")
    }

    /// Waits until `count` runs exist and all are finished; returns them.
    pub async fn finished_runs(&self, app: &TestApp, count: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let runs = self.executions(app).await;
            let finished = runs
                .iter()
                .filter(|r| matches!(r["status"].as_str(), Some("succeeded" | "failed")))
                .count();
            if runs.len() >= count && finished == runs.len() {
                return runs;
            }
            assert!(
                Instant::now() < deadline,
                "{finished} of {count} runs finished in time: {:?}",
                runs.iter().map(|r| &r["status"]).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The outcomes of the attempts of `step` in a run's Task History detail, in order.
pub fn outcomes(detail: &Value, step: &str) -> Vec<String> {
    detail["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|a| a["stepId"] == step)
        .map(|a| a["outcome"].as_str().unwrap_or_default().to_owned())
        .collect()
}
