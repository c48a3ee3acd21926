//! Salesforce in the demo: the stand-in (`salesforce-sandbox`) with a connected app and one org
//! per demo user, and the project's Salesforce integration pointed at it.

use std::{path::Path, process::Command};

use super::{state, state::Project, users::DemoUser};
use crate::{http, process::capture, project};

/// The connected app's consumer key (its client id) in the Salesforce stand-in.
const CLIENT_ID: &str = "acme-crm-demo-salesforce";

/// The stand-in with the connected app "Acme CRM", whose callback is the platform's, and one
/// org per demo user, made in the users' order. PKCE is required, as a connected app may: the platform
/// always sends it for Salesforce. The consumer secret goes through the environment.
pub fn command(port: u16, platform: &str, project: &Project, users: &[DemoUser]) -> Command {
    let mut command = Command::new(project::salesforce_sandbox_bin());
    command
        .args(["--port", &port.to_string(), "--app-name", "Acme CRM"])
        .args(["--client-id", CLIENT_ID, "--require-pkce", "--redirect-uri"])
        .arg(format!("{platform}/oauth/callback"))
        .env(
            "SALESFORCE_SANDBOX_CLIENT_SECRET",
            &project.salesforce_secret,
        );
    for user in users {
        command.arg("--org").arg(&user.salesforce_username);
    }
    command
}

/// The project's Salesforce integration on the stand-in's login host. Only the consent and
/// token URLs are given: the revocation and userinfo endpoints move with them, and the API is
/// wherever each org's token answer says (`instance_url`), as with real Salesforce.
pub fn point_at(dir: &Path, project: &Project, stand_in: &str) -> Result<(), String> {
    capture(
        state::paragon(dir)
            .args(["integration", "set", "--demo", "--project", &project.id])
            .args(["salesforce", "--client-id", CLIENT_ID, "--auth-url"])
            .arg(format!("{stand_in}/services/oauth2/authorize"))
            .arg("--token-url")
            .arg(format!("{stand_in}/services/oauth2/token"))
            .env("PARAGON_CLIENT_SECRET", &project.salesforce_secret),
    )
    .map(drop)
}

/// The id (`00D…`) of the org whose user is `username`, as the stand-in's `/_sandbox/orgs`
/// lists it: where that user's records are to be seen.
pub fn org_of(stand_in: &str, username: &str) -> Result<String, String> {
    let orgs = http::expect_ok("GET", &format!("{stand_in}/_sandbox/orgs"), None, None)?;
    orgs.as_array()
        .into_iter()
        .flatten()
        .find(|org| org["username"] == username)
        .and_then(|org| org["orgId"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("the Salesforce stand-in has no org of {username}"))
}
