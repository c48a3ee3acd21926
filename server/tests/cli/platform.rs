//! A platform as an operator sets it up with the CLI, for the tests that kill and restart
//! `paragon serve`: the sandbox with its accounts, a project with a signing key, the HubSpot
//! integration pointed at the sandbox, a deploy, a running server, and one user per account
//! connected and with the deployed workflow enabled.

use std::path::Path;

use hubspot_sandbox::{AccountConfig, AppConfig, SandboxConfig, SandboxHandle};
use serde_json::Value;

use crate::{
    oauth_popup,
    support::{Env, Server, field},
};

pub const APP_ORIGIN: &str = "http://localhost:3000";

pub struct Platform {
    pub sandbox: SandboxHandle,
    /// The sandbox's base URL.
    pub hubspot: String,
    /// The platform's base URL (the same port across restarts).
    pub url: String,
    pub project: String,
    pub api_key: String,
    /// The deployed workflow's id.
    pub workflow: String,
    /// One user token per account, `user-0`, `user-1`, …
    pub tokens: Vec<String>,
    /// `paragon serve` and its arguments, to start it again on the same port.
    pub serve: Vec<String>,
    pub client: reqwest::Client,
}

impl Platform {
    /// Sets it all up; `serve_args` are added to `paragon serve --port P`.
    pub async fn start(
        env: &Env,
        dir: &Path,
        deploy: &Path,
        hubs: &[u32],
        serve_args: &[&str],
    ) -> (Self, Server) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let sandbox = hubspot_sandbox::start(SandboxConfig {
            apps: vec![
                AppConfig::new("cli-app", "cli-secret", "Acme CRM")
                    .redirect_uri(&format!("{url}/oauth/callback")),
            ],
            accounts: hubs
                .iter()
                .map(|&h| AccountConfig::new(h, &format!("u{h}@acme.test")))
                .collect(),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        let hubspot = sandbox.base_url();
        let key_file = dir.join("key.pem");
        let key_path = key_file.to_str().expect("utf-8");
        let (out, _) = env.run(&[
            "project", "create", "--name", "Acme", "--origin", APP_ORIGIN,
        ]);
        let (project, api_key) = (field(&out, "project id:"), field(&out, "api key:"));
        env.run(&["keys", "generate", "--project", &project, "--out", key_path]);
        env.run(&[
            "integration",
            "set",
            "--project",
            &project,
            "hubspot",
            "--client-id",
            "cli-app",
            "--client-secret",
            "cli-secret",
            "--auth-url",
            &format!("{hubspot}/oauth/authorize"),
            "--token-url",
            &format!("{hubspot}/oauth/v3/token"),
            "--api-base",
            &hubspot,
        ]);
        let deploy = deploy.to_str().expect("utf-8");
        let (deployed, _) = env.run(&["deploy", "--project", &project, deploy]);
        let workflow = deployed
            .lines()
            .find_map(|l| l.strip_prefix("workflow "))
            .and_then(|l| l.split_whitespace().next())
            .expect("a workflow id")
            .to_owned();
        let mut serve = vec!["serve".to_owned(), "--port".to_owned(), port.to_string()];
        serve.extend(serve_args.iter().map(|a| (*a).to_owned()));
        let platform = Self {
            sandbox,
            hubspot,
            url,
            project,
            api_key,
            workflow,
            tokens: Vec::new(),
            serve,
            // No idle connections kept: a connection to a server killed since would fail the
            // first request after the restart.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("a client"),
        };
        let server = platform.serve(env, &dir.join("serve-1.log"));
        let mut platform = platform;
        for (i, hub) in hubs.iter().enumerate() {
            let (token, _) = env.run(&[
                "token",
                "sign",
                "--key",
                key_path,
                "--sub",
                &format!("user-{i}"),
            ]);
            let token = token.trim().to_owned();
            let connected = oauth_popup::connect(
                &platform.url,
                &platform.project,
                &token,
                APP_ORIGIN,
                &platform.hubspot,
                *hub,
            )
            .await;
            assert_eq!(connected, 200);
            let enabled = platform
                .client
                .post(format!(
                    "{}/projects/{}/sdk/workflows/{}",
                    platform.url, platform.project, platform.workflow
                ))
                .bearer_auth(&token)
                .send()
                .await
                .expect("answers");
            assert_eq!(enabled.status(), 204);
            platform.tokens.push(token);
        }
        (platform, server)
    }

    /// `paragon serve` on the platform's port, logging to `log`.
    pub fn serve(&self, env: &Env, log: &Path) -> Server {
        let args: Vec<&str> = self.serve.iter().map(String::as_str).collect();
        env.serve_with(&args, log)
    }

    /// The guide's App Event for the user of token `user`.
    pub async fn trigger(&self, user: usize, payload: &Value) {
        let sent = self
            .client
            .post(format!(
                "{}/v2/projects/{}/sdk/events/trigger",
                self.url, self.project
            ))
            .bearer_auth(&self.tokens[user])
            .json(&serde_json::json!({"name": "Contact Created", "payload": payload}))
            .send()
            .await
            .expect("answers");
        assert_eq!(sent.status(), 201);
    }

    /// A page of Task History's runs (`query` after `?`).
    pub async fn runs(&self, query: &str) -> Vec<Value> {
        let page = self.history(&["?", query].concat()).await;
        page["data"].as_array().cloned().unwrap_or_default()
    }

    /// `GET /projects/{pid}/task-history/workflow-executions{rest}`.
    pub async fn history(&self, rest: &str) -> Value {
        self.client
            .get(format!(
                "{}/projects/{}/task-history/workflow-executions{rest}",
                self.url, self.project
            ))
            .bearer_auth(&self.api_key)
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON")
    }

    /// The contacts of the sandbox's account `hub`.
    pub async fn contacts(&self, hub: u32) -> Vec<Value> {
        self.client
            .get(format!("{}/_sandbox/accounts/{hub}/contacts", self.hubspot))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON")
    }
}
