//! HubSpot in the demo: the stand-in (`hubspot-sandbox`) with the app "Acme CRM" and one
//! account per demo user, and the project's HubSpot app pointed at it (the guide's step 5).

use std::{path::Path, process::Command};

use super::{state, state::Project, users::DemoUser};
use crate::{process::capture, project};

/// The client id of the app registered in the HubSpot stand-in.
const CLIENT_ID: &str = "acme-crm-demo";

/// The stand-in with one account per demo user and the app "Acme CRM", whose redirect URI is
/// the platform's callback. The client secret goes through the environment, not `ps`.
pub fn command(port: u16, platform: &str, project: &Project, users: &[DemoUser]) -> Command {
    let mut command = Command::new(project::sandbox_bin());
    command
        .args(["--port", &port.to_string(), "--app-name", "Acme CRM"])
        .args(["--client-id", CLIENT_ID, "--require-pkce", "--redirect-uri"])
        .arg(format!("{platform}/oauth/callback"))
        .env("HUBSPOT_SANDBOX_CLIENT_SECRET", &project.hubspot_secret);
    for user in users {
        command
            .arg("--account")
            .arg(format!("{}:{}", user.hub_id, user.email));
    }
    command
}

/// The project's HubSpot app, with the stand-in's URLs in place of HubSpot's (README: "Real
/// HubSpot" gives the real ones).
pub fn point_at(dir: &Path, project: &Project, stand_in: &str) -> Result<(), String> {
    capture(
        state::paragon(dir)
            .args(["integration", "set", "--demo", "--project", &project.id])
            .args(["hubspot", "--client-id", CLIENT_ID, "--auth-url"])
            .arg(format!("{stand_in}/oauth/authorize"))
            .arg("--token-url")
            .arg(format!("{stand_in}/oauth/v3/token"))
            .args(["--api-base", stand_in])
            .env("PARAGON_CLIENT_SECRET", &project.hubspot_secret),
    )
    .map(drop)
}
