//! The Salesforce stand-in wired to a test app's project, and the browser's part of the OAuth
//! popup played over HTTP, as `connect_support` does for HubSpot: the platform is told only the
//! login host (authorize and token URLs); revocation and userinfo move with it, and the API is
//! the token answer's `instance_url`.

use hubspot_sandbox::{
    SandboxHandle,
    salesforce::{self, OrgConfig, SalesforceConfig},
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{APP_ORIGIN, TestApp, TestProject},
    oauth_popup::{NewFlow, authorize_url, post_start},
};

/// The guide's example directory for Salesforce (App Events "Contact Created" and "Contact
/// Updated", workflows sync-contact-to-salesforce and update-contact-in-salesforce).
pub const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/salesforce-guide");

pub const CLIENT_ID: &str = "acme-crm-salesforce";
pub const CLIENT_SECRET: &str = "acme-crm-salesforce-secret-that-must-never-leak";
pub const ADA: &str = "ada.lovelace@acme.test";

pub struct Salesforce {
    pub sandbox: SandboxHandle,
    pub project: TestProject,
    /// The user's browser: a cookie jar that follows no redirects.
    pub browser: reqwest::Client,
}

/// A stand-in with Ada's org and the project's connected app, and the project's Salesforce
/// integration pointed at its login host through the management API.
pub async fn salesforce(app: &TestApp) -> Salesforce {
    let sandbox = salesforce::start(SalesforceConfig {
        apps: vec![SalesforceConfig::app(
            CLIENT_ID,
            CLIENT_SECRET,
            &format!("{}/oauth/callback", app.base_url),
        )],
        orgs: vec![OrgConfig::new(ADA)],
        require_pkce: true,
        ..SalesforceConfig::default()
    })
    .await
    .expect("the stand-in starts");
    let project = app.new_project().await;
    let base = sandbox.base_url();
    app.set_integration(
        &project,
        "salesforce",
        json!({
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "authUrl": format!("{base}/services/oauth2/authorize"),
            "tokenUrl": format!("{base}/services/oauth2/token"),
        }),
    )
    .await;
    Salesforce {
        sandbox,
        project,
        browser: crate::oauth_popup::browser(),
    }
}

/// The project's own helpers (`engine_support`: enable a workflow, send an event, read Task
/// History) read as the harness's.
impl std::ops::Deref for Salesforce {
    type Target = TestProject;

    fn deref(&self) -> &TestProject {
        &self.project
    }
}

impl Salesforce {
    /// A knob of the stand-in (`/_sandbox{path}`), its JSON answer.
    pub async fn knob(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let request = self.browser.request(
            method,
            format!("{}/_sandbox{path}", self.sandbox.base_url()),
        );
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.expect("answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Deploys the guide; returns the id of its create workflow, sync-contact-to-salesforce.
    pub async fn deploy_guide(&self, app: &TestApp) -> String {
        let workflows = self.deploy(app, std::path::Path::new(GUIDE)).await;
        let create = workflows
            .iter()
            .find(|w| w.slug == "sync-contact-to-salesforce")
            .expect("the guide's create workflow");
        create.id.to_string()
    }

    /// Sets the only org's faults (`POST /_sandbox/orgs/{orgId}/faults`, which replaces them).
    pub async fn set_faults(&self, faults: Value) {
        let org = self.org_id().await;
        self.knob(Method::POST, &format!("/orgs/{org}/faults"), Some(faults))
            .await;
    }

    /// Every record of the only org, as the stand-in holds them.
    pub async fn records(&self) -> Vec<Value> {
        let org = self.org_id().await;
        let records = self
            .knob(Method::GET, &format!("/orgs/{org}/records"), None)
            .await;
        records.as_array().cloned().expect("a list")
    }

    pub async fn counters(&self) -> Value {
        self.knob(Method::GET, "/counters", None).await
    }

    /// The only org's id.
    pub async fn org_id(&self) -> String {
        let orgs = self.knob(Method::GET, "/orgs", None).await;
        orgs[0]["orgId"].as_str().expect("an org id").to_owned()
    }

    /// The whole popup for `user`, granting Ada's org; returns the callback page's answer and
    /// the authorize URL the platform sent the popup to.
    pub async fn connect(&self, app: &TestApp, user: &str) -> (reqwest::Response, String) {
        let response = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/oauth/flows", self.project.id)))
            .bearer_auth(self.project.token(user))
            .json(&json!({"integration": "salesforce", "origin": APP_ORIGIN}))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 201);
        let flow = NewFlow::from_answer(&response.json().await.expect("JSON"));
        let started = post_start(&self.browser, &flow, APP_ORIGIN).await;
        assert_eq!(started.status(), 200);
        let authorize = authorize_url(&started.text().await.expect("HTML"));
        let page = self
            .browser
            .get(&authorize)
            .send()
            .await
            .expect("answers")
            .text()
            .await
            .expect("HTML");
        let consent_id = crate::oauth_popup::consent_id(&page);
        let org = self.org_id().await;
        let decided = self
            .browser
            .post(format!(
                "{}/services/oauth2/authorize",
                self.sandbox.base_url()
            ))
            .form(&[
                ("consent_id", consent_id),
                ("org_id", org.as_str()),
                ("decision", "grant"),
            ])
            .send()
            .await
            .expect("answers");
        assert!(decided.status().is_redirection(), "{}", decided.status());
        let callback = crate::oauth_popup::location(&decided);
        let page = self.browser.get(callback).send().await.expect("answers");
        (page, authorize)
    }

    /// A proxied call as `user`.
    pub async fn proxy(
        &self,
        app: &TestApp,
        user: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let request = app
            .client
            .request(
                method,
                app.url(&format!(
                    "/projects/{}/sdk/proxy/salesforce/{path}",
                    self.project.id
                )),
            )
            .bearer_auth(self.project.token(user));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("answers")
    }
}
