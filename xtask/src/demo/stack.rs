//! The four processes of the guide on four origins, so that CORS, the portal's framing rules
//! and OAuth redirects are real: HubSpot (`hubspot-sandbox`), Salesforce
//! (`salesforce-sandbox`), the platform (`paragon serve`) and the app (`www/server.mjs`), set
//! up with the `paragon` CLI as the guide's steps say.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use serde_json::{Value, json};

use super::{
    app_webhooks, deploy_dir, hubspot, salesforce,
    state::{self, Project},
    users::{DemoUser, demo_users},
};
use crate::{http, process::capture, project, server::RunningServer};

/// The guides the demo deploys, as one folder (`deploy_dir`): the same App Event, a workflow
/// to each CRM, and HubSpot's changes back to the app (`contact.changed` notifications).
const GUIDES: [&str; 3] = [
    "examples/hubspot-guide",
    "examples/salesforce-guide",
    "examples/hubspot-two-way",
];

/// How the demo runs.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// For a person: fixed ports ([`Ports::INTERACTIVE`]), the state in `.demo/` kept for the
    /// next run unless `reset`.
    Interactive { reset: bool },
    /// For Chromium: free ports (the OS picks them and each server prints the one it got, so
    /// that CI never collides), and a fresh state under `target/e2e/`.
    Headless,
}

/// The ports of the demo's servers; 0 lets the OS pick.
pub struct Ports {
    pub app: u16,
    pub platform: u16,
    pub hubspot: u16,
    pub salesforce: u16,
}

impl Ports {
    /// A person's demo: the ports the README and `--help` name.
    pub const INTERACTIVE: Self = Self {
        app: 3000,
        platform: 8080,
        hubspot: 9090,
        salesforce: 9091,
    };
}

impl Mode {
    fn dir(self) -> PathBuf {
        match self {
            Self::Interactive { .. } => project::root().join(".demo"),
            Self::Headless => project::root().join("target/e2e/state"),
        }
    }

    fn ports(self) -> Ports {
        match self {
            Self::Interactive { .. } => Ports::INTERACTIVE,
            Self::Headless => Ports {
                app: 0,
                platform: 0,
                hubspot: 0,
                salesforce: 0,
            },
        }
    }

    fn fresh(self) -> bool {
        !matches!(self, Self::Interactive { reset: false })
    }

    /// Starts a server of the demo. Interactive: in a process group of its own, so that a
    /// Ctrl-C in the terminal reaches xtask alone, which stops the servers in order rather
    /// than seeing them die at once as if they crashed. Headless: in xtask's group, so that a
    /// Ctrl-C stops them with xtask even where nothing handles it (`cargo xtask test`).
    fn spawn(self, mut command: Command, name: &str, log: &Path) -> Result<RunningServer, String> {
        #[cfg(unix)]
        if let Self::Interactive { .. } = self {
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
        }
        RunningServer::spawn(command, name, log)
    }
}

/// Prints each step of the start with the time since the first.
#[derive(Debug)]
pub struct Steps(Instant);

impl Steps {
    pub fn new() -> Self {
        Self(Instant::now())
    }

    pub fn done(&self, what: &str) {
        println!("demo: [{:5.1} s] {what}", self.0.elapsed().as_secs_f64());
    }
}

/// The running demo. Dropping it stops the four servers, the app first.
#[derive(Debug)]
pub struct Stack {
    pub app: RunningServer,
    pub platform: RunningServer,
    pub hubspot: RunningServer,
    pub salesforce: RunningServer,
    /// The app backend's settings (platform URL, project id, API key, signing key file).
    pub settings: PathBuf,
    pub users: Vec<DemoUser>,
}

impl Stack {
    /// Starts everything: the saved project unless the mode wants a fresh one (or it is
    /// unusable), the guides' files deployed again, HubSpot and Salesforce pointed at this
    /// run's stand-ins.
    pub fn start(mode: Mode, steps: &Steps) -> Result<Self, String> {
        let (dir, ports) = (&mode.dir(), mode.ports());
        let users = demo_users()?;
        let (project, note) = state::prepare(dir, mode.fresh())?;
        steps.done(&note);
        deploy(dir, &project, steps)?;

        let mut serve = state::paragon(dir);
        serve.args(["serve", "--demo", "--port", &ports.platform.to_string()]);
        let platform = mode.spawn(serve, "paragon", &dir.join("paragon.log"))?;
        steps.done(&format!("platform at {}", platform.url));

        let hubspot = mode.spawn(
            hubspot::command(ports.hubspot, &platform.url, &project, &users),
            "hubspot-sandbox",
            &dir.join("hubspot-sandbox.log"),
        )?;
        hubspot::point_at(dir, &project, &hubspot.url)?;
        hubspot::send_webhooks(&hubspot.url, &platform.url, &project)?;
        steps.done(&format!(
            "HubSpot stand-in at {} with {} accounts, sending contact changes to {}",
            hubspot.url,
            users.len(),
            hubspot::webhook_target(&platform.url, &project),
        ));
        let salesforce = mode.spawn(
            salesforce::command(ports.salesforce, &platform.url, &project, &users),
            "salesforce-sandbox",
            &dir.join("salesforce-sandbox.log"),
        )?;
        salesforce::point_at(dir, &project, &salesforce.url)?;
        steps.done(&format!(
            "Salesforce stand-in at {} with {} orgs",
            salesforce.url,
            users.len()
        ));
        if !mode.fresh() {
            let cleared = clear_connections(dir, &platform.url, &project, &users)?;
            if !cleared.is_empty() {
                steps.done(&format!(
                    "cleared the last run's connections ({}): the stand-ins keep tokens in \
                     memory only, so connect again",
                    cleared.join(", ")
                ));
            }
        }

        let settings = dir.join("app-settings.json");
        let mut values = json!({
            "platformUrl": platform.url,
            "projectId": project.id,
            "apiKey": project.api_key,
            "kid": project.kid,
            "signingKeyFile": project.signing_key,
        });
        state::write_private(&settings, &values)?;
        let mut node = Command::new("node");
        node.arg(project::root().join("www/server.mjs"))
            .arg("--settings")
            .arg(&settings)
            .args(["--port", &ports.app.to_string()]);
        let app = mode.spawn(node, "acme-crm", &dir.join("app.log"))?;
        // The project answers the SDK and frames the portal for this origin only. `localhost`
        // too, for whoever types it instead of 127.0.0.1.
        let origins = [app.url.clone(), app.url.replace("127.0.0.1", "localhost")];
        http::expect_ok(
            "PATCH",
            &format!("{}/projects/{}", platform.url, project.id),
            Some(&project.api_key),
            Some(&json!({ "allowedOrigins": origins })),
        )?;
        // The endpoint's URL has the app's port, which the OS may have just chosen, so it is
        // made now; its secret is added to the settings file, which the app reads again for
        // it when the first webhook arrives (www/server.mjs). Nothing is sent to an endpoint
        // before it exists, so no webhook can come before its secret is there.
        values["webhookSecret"] =
            app_webhooks::endpoint_for(&platform.url, &project, &app.url)?.into();
        state::write_private(&settings, &values)?;
        steps.done(&format!(
            "Acme CRM at {}, hearing from the platform at {}/webhooks/paragon",
            app.url, app.url
        ));
        Ok(Self {
            app,
            platform,
            hubspot,
            salesforce,
            settings,
            users,
        })
    }
}

/// The guide's step 1 for both CRMs: the guides put into one folder under `dir` (`paragon
/// deploy` takes one), then deployed as a new version.
fn deploy(dir: &Path, project: &Project, steps: &Steps) -> Result<(), String> {
    let root = project::root();
    let guides: Vec<PathBuf> = GUIDES.iter().map(|g| root.join(g)).collect();
    let folder = dir.join("deploy");
    let shown = folder
        .strip_prefix(&root)
        .unwrap_or(&folder)
        .display()
        .to_string();
    let notes = deploy_dir::assemble(&guides, &folder)?;
    steps.done(&format!("{} into {shown}/", GUIDES.join(" + ")));
    for note in notes {
        steps.done(&format!("  {note}"));
    }
    let deployed = capture(
        state::paragon(dir)
            .args(["deploy", "--project", &project.id])
            .arg(&folder),
    )?;
    // `deployed version N`, then `workflow <uuid>  <id>  (trigger: …)` a line.
    let version = deployed.lines().next().unwrap_or("deployed");
    let workflows: Vec<&str> = deployed
        .lines()
        .filter_map(|l| l.strip_prefix("workflow ")?.split_whitespace().nth(1))
        .collect();
    steps.done(&format!("{shown}/: {version}: {}", workflows.join(", ")));
    Ok(())
}

/// Disconnects the demo users' connections of a previous run, as each user would in the
/// portal: the new stand-ins do not know their tokens. Answers what was cleared, as
/// `maya: hubspot`.
fn clear_connections(
    dir: &Path,
    platform: &str,
    project: &Project,
    users: &[DemoUser],
) -> Result<Vec<String>, String> {
    let mut cleared = Vec::new();
    for user in users {
        let token = capture(
            state::paragon(dir)
                .args(["token", "sign", "--ttl", "5m"])
                .args(["--kid", &project.kid, "--sub", &user.id, "--key"])
                .arg(&project.signing_key),
        )?;
        let token = token.trim();
        let sdk = format!("{platform}/projects/{}/sdk/integrations", project.id);
        let listed = http::expect_ok("GET", &sdk, Some(token), None)?;
        for integration in listed.as_array().into_iter().flatten() {
            if integration["hasCredential"] == Value::Bool(true) {
                let id = integration["id"].as_str().unwrap_or_default();
                http::expect_ok("DELETE", &format!("{sdk}/{id}"), Some(token), None)?;
                let kind = integration["type"].as_str().unwrap_or("an integration");
                cleared.push(format!("{}: {kind}", user.id));
            }
        }
    }
    Ok(cleared)
}
