//! A HubSpot sandbox wired to a test app's project, and the browser's part of the OAuth popup
//! played over HTTP (no redirects followed, so every hop can be checked).

use hubspot_sandbox::{AccountConfig, AppConfig, SandboxConfig, SandboxHandle};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{APP_ORIGIN, TestApp, TestProject},
    oauth_popup::{NewFlow, authorize_url, post_start},
};

pub const CLIENT_ID: &str = "acme-crm";
pub const CLIENT_SECRET: &str = "acme-crm-secret-that-must-never-leak";
pub const HUB: u32 = 4_242_001;
pub const OTHER_HUB: u32 = 4_242_002;

pub struct Hubspot {
    pub sandbox: SandboxHandle,
    pub project: TestProject,
    /// The user's browser: a cookie jar that follows no redirects (see `oauth_popup`).
    pub browser: reqwest::Client,
}

/// A sandbox with two accounts and the project's app registered, and the project's HubSpot
/// integration pointed at it through the management API.
pub async fn hubspot(app: &TestApp) -> Hubspot {
    hubspot_with_hubs(app, &[HUB, OTHER_HUB]).await
}

/// Like [`hubspot`] with the given HubSpot accounts (Ada and Bob for the first two hubs,
/// `user{hub}@acme.test` for others).
pub async fn hubspot_with_hubs(app: &TestApp, hubs: &[u32]) -> Hubspot {
    let accounts = hubs
        .iter()
        .map(|&hub| match hub {
            HUB => AccountConfig::new(hub, "ada@acme.test"),
            OTHER_HUB => AccountConfig::new(hub, "bob@acme.test"),
            other => AccountConfig::new(other, &format!("user{other}@acme.test")),
        })
        .collect();
    let sandbox = hubspot_sandbox::start(SandboxConfig {
        apps: vec![
            AppConfig::new(CLIENT_ID, CLIENT_SECRET, "Acme CRM")
                .redirect_uri(&format!("{}/oauth/callback", app.base_url)),
        ],
        accounts,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts");
    let project = app.new_project().await;
    let base = sandbox.base_url();
    app.set_integration(
        &project,
        "hubspot",
        json!({
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "authUrl": format!("{base}/oauth/authorize"),
            "tokenUrl": format!("{base}/oauth/v3/token"),
            "apiBase": base,
        }),
    )
    .await;
    let browser = crate::oauth_popup::browser();
    Hubspot {
        sandbox,
        project,
        browser,
    }
}

/// The project's own helpers (`engine_support`: enable a workflow, send an event, read Task
/// History) read as the harness's.
impl std::ops::Deref for Hubspot {
    type Target = TestProject;

    fn deref(&self) -> &TestProject {
        &self.project
    }
}

impl Hubspot {
    pub async fn counters(&self) -> Value {
        self.browser
            .get(format!("{}/_sandbox/counters", self.sandbox.base_url()))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn token_requests(&self) -> u64 {
        self.counters().await["tokenRequests"]
            .as_u64()
            .expect("a count")
    }

    /// `POST /sdk/oauth/flows` as `user`.
    pub async fn create_flow(&self, app: &TestApp, user: &str) -> NewFlow {
        let response = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/oauth/flows", self.project.id)))
            .bearer_auth(self.project.token(user))
            .json(&json!({"integration": "hubspot", "origin": APP_ORIGIN}))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 201);
        NewFlow::from_answer(&response.json().await.expect("JSON"))
    }

    /// Posts the start form from the app's page in the user's browser; returns the provider's
    /// authorize URL the popup is sent on to.
    pub async fn start(&self, flow: &NewFlow) -> String {
        let response = post_start(&self.browser, flow, APP_ORIGIN).await;
        assert_eq!(response.status(), 200);
        authorize_url(&response.text().await.expect("HTML"))
    }

    /// Shows the consent page and presses Grant (or Deny) for `hub`; returns the callback URL
    /// the provider redirects to.
    pub async fn consent(&self, authorize_url: &str, hub: u32, grant: bool) -> String {
        let page = self
            .browser
            .get(authorize_url)
            .send()
            .await
            .expect("answers")
            .text()
            .await
            .expect("HTML");
        let consent_id = crate::oauth_popup::consent_id(&page);
        let decision = if grant { "grant" } else { "deny" };
        let hub = hub.to_string();
        let response = self
            .browser
            .post(format!("{}/oauth/authorize", self.sandbox.base_url()))
            .form(&[
                ("consent_id", consent_id),
                ("hub_id", hub.as_str()),
                ("decision", decision),
            ])
            .send()
            .await
            .expect("answers");
        assert!(response.status().is_redirection(), "{}", response.status());
        crate::oauth_popup::location(&response)
    }

    /// The whole popup for `user` on account `hub`; returns the callback page's answer.
    pub async fn connect(&self, app: &TestApp, user: &str, hub: u32) -> reqwest::Response {
        let flow = self.create_flow(app, user).await;
        let authorize = self.start(&flow).await;
        let callback = self.consent(&authorize, hub, true).await;
        self.browser.get(callback).send().await.expect("answers")
    }

    /// A proxied HubSpot call as `user`.
    pub async fn proxy(&self, app: &TestApp, user: &str, path: &str) -> reqwest::Response {
        app.client
            .get(app.url(&format!(
                "/projects/{}/sdk/proxy/hubspot/{path}",
                self.project.id
            )))
            .bearer_auth(self.project.token(user))
            .send()
            .await
            .expect("answers")
    }

    /// The method and path (with query) of every request the sandbox received after the
    /// first `skip`, leaving out the reads of this log itself.
    pub async fn requests_after(&self, skip: usize) -> Vec<String> {
        let log: Vec<Value> = self
            .knob(Method::GET, "/requests")
            .await
            .json()
            .await
            .expect("JSON");
        log.iter()
            .skip(skip)
            .map(|entry| {
                format!(
                    "{} {}",
                    entry["method"].as_str().unwrap_or(""),
                    entry["path"].as_str().unwrap_or("")
                )
            })
            .filter(|line| line != "GET /_sandbox/requests")
            .collect()
    }

    /// How many requests the sandbox has logged so far (its knobs included).
    pub async fn request_count(&self) -> usize {
        let log: Vec<Value> = self
            .knob(Method::GET, "/requests")
            .await
            .json()
            .await
            .expect("JSON");
        log.len()
    }

    pub async fn knob(&self, method: Method, path: &str) -> reqwest::Response {
        self.browser
            .request(
                method,
                format!("{}/_sandbox{path}", self.sandbox.base_url()),
            )
            .send()
            .await
            .expect("answers")
    }
}
