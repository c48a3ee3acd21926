//! The three processes of the guide on three origins, so that CORS, the portal's framing rules
//! and OAuth redirects are real: HubSpot (`hubspot-sandbox`), the platform (`paragon serve`)
//! and the app (`www/server.mjs`), set up with the `paragon` CLI as the guide's steps say.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use serde_json::{Value, json};

use super::state::{self, Project};
use crate::{http, process::capture, project, server::RunningServer};

/// The client id of the app registered in the sandbox HubSpot (the guide's step 5).
const CLIENT_ID: &str = "acme-crm-demo";

/// How the demo runs.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// For a person: fixed ports (the app on 3000, the platform on 8080, HubSpot on 9090, as
    /// the README names them), the state in `.demo/` kept for the next run unless `reset`.
    Interactive { reset: bool },
    /// For Chromium: free ports (the OS picks them and each server prints the one it got, so
    /// that CI never collides), and a fresh state under `target/e2e/`.
    Headless,
}

impl Mode {
    fn dir(self) -> PathBuf {
        match self {
            Self::Interactive { .. } => project::root().join(".demo"),
            Self::Headless => project::root().join("target/e2e/state"),
        }
    }

    /// The ports of the app, the platform and the sandbox.
    fn ports(self) -> [u16; 3] {
        match self {
            Self::Interactive { .. } => [3000, 8080, 9090],
            Self::Headless => [0, 0, 0],
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

/// A demo user of the app (`www/demo-users.json`), who owns one sandbox HubSpot account.
#[derive(Debug)]
pub struct DemoUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub hub_id: u64,
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

/// The running demo. Dropping it stops the three servers, the app first.
#[derive(Debug)]
pub struct Stack {
    pub app: RunningServer,
    pub platform: RunningServer,
    pub sandbox: RunningServer,
    /// The app backend's settings (platform URL, project id, API key, signing key file).
    pub settings: PathBuf,
    pub users: Vec<DemoUser>,
}

impl Stack {
    /// Starts everything: the saved project unless the mode wants a fresh one (or it is
    /// unusable), the guide's files deployed again, HubSpot pointed at this run's sandbox.
    pub fn start(mode: Mode, steps: &Steps) -> Result<Self, String> {
        let (dir, [app_port, platform_port, sandbox_port]) = (&mode.dir(), mode.ports());
        let users = demo_users()?;
        let (project, note) = state::prepare(dir, mode.fresh())?;
        steps.done(&note);
        let deployed = capture(
            state::paragon(dir)
                .args(["deploy", "--project", &project.id])
                .arg(project::root().join("examples/hubspot-guide")),
        )?;
        steps.done(&format!(
            "examples/hubspot-guide: {}",
            deployed.lines().next().unwrap_or("deployed")
        ));

        let mut serve = state::paragon(dir);
        serve.args(["serve", "--demo", "--port", &platform_port.to_string()]);
        let platform = mode.spawn(serve, "paragon", &dir.join("paragon.log"))?;
        steps.done(&format!("platform at {}", platform.url));

        let sandbox = mode.spawn(
            sandbox_command(sandbox_port, &platform.url, &project, &users),
            "hubspot-sandbox",
            &dir.join("sandbox.log"),
        )?;
        steps.done(&format!(
            "HubSpot sandbox at {} with {} accounts",
            sandbox.url,
            users.len()
        ));
        point_hubspot_at(dir, &project, &sandbox.url)?;
        if !mode.fresh() {
            let cleared = clear_connections(dir, &platform.url, &project, &users)?;
            if cleared > 0 {
                steps.done(&format!(
                    "cleared {cleared} HubSpot connection(s) of the last run: the sandbox keeps \
                     tokens in memory only, so connect again"
                ));
            }
        }

        let settings = dir.join("app-settings.json");
        let values = json!({
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
            .args(["--port", &app_port.to_string()]);
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
        steps.done(&format!("Acme CRM at {}", app.url));
        Ok(Self {
            app,
            platform,
            sandbox,
            settings,
            users,
        })
    }
}

/// The sandbox with one account per demo user and the app "Acme CRM", whose redirect URI is
/// the platform's callback. The client secret goes through the environment, not `ps`.
fn sandbox_command(port: u16, platform: &str, project: &Project, users: &[DemoUser]) -> Command {
    let mut command = Command::new(project::sandbox_bin());
    command
        .args(["--port", &port.to_string(), "--app-name", "Acme CRM"])
        .args(["--client-id", CLIENT_ID, "--require-pkce", "--redirect-uri"])
        .arg(format!("{platform}/oauth/callback"))
        .env("HUBSPOT_SANDBOX_CLIENT_SECRET", &project.client_secret);
    for user in users {
        command
            .arg("--account")
            .arg(format!("{}:{}", user.hub_id, user.email));
    }
    command
}

/// The guide's step 5: the project's HubSpot app, with the sandbox's URLs in place of
/// HubSpot's (README: "Real HubSpot" gives the real ones).
fn point_hubspot_at(dir: &Path, project: &Project, sandbox: &str) -> Result<(), String> {
    capture(
        state::paragon(dir)
            .args(["integration", "set", "--demo", "--project", &project.id])
            .args(["hubspot", "--client-id", CLIENT_ID, "--auth-url"])
            .arg(format!("{sandbox}/oauth/authorize"))
            .arg("--token-url")
            .arg(format!("{sandbox}/oauth/v3/token"))
            .args(["--api-base", sandbox])
            .env("PARAGON_CLIENT_SECRET", &project.client_secret),
    )
    .map(drop)
}

/// Disconnects the demo users' HubSpot connections of a previous run, as each user would in
/// the portal: the new sandbox does not know their tokens. Returns how many there were.
fn clear_connections(
    dir: &Path,
    platform: &str,
    project: &Project,
    users: &[DemoUser],
) -> Result<usize, String> {
    let mut cleared = 0;
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
                cleared += 1;
            }
        }
    }
    Ok(cleared)
}

/// The app's demo users, from the file the app's backend reads too.
pub fn demo_users() -> Result<Vec<DemoUser>, String> {
    let path = project::root().join("www/demo-users.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let list: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    list.as_array()
        .into_iter()
        .flatten()
        .map(|u| {
            let text = |key: &str| u[key].as_str().map(str::to_owned);
            Some(DemoUser {
                id: text("id")?,
                name: text("name")?,
                email: text("email")?,
                hub_id: u["hubId"].as_u64()?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .filter(|users| !users.is_empty())
        .ok_or_else(|| {
            format!(
                "{}: expected [{{id, name, email, hubId}}, …]",
                path.display()
            )
        })
}
