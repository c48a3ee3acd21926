//! HubSpot in the demo: the stand-in (`hubspot-sandbox`) with the app "Acme CRM" and one
//! account per demo user, and the project's HubSpot app pointed at it (the guide's step 5).

use std::{path::Path, process::Command};

use serde_json::{Value, json};

use super::{state, state::Project, users::DemoUser};
use crate::{http, process::capture, project};

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

/// The contact properties whose changes HubSpot sends: the ones Acme CRM's form has.
const WATCHED: [&str; 6] = [
    "firstname",
    "lastname",
    "email",
    "company",
    "jobtitle",
    "phone",
];

/// The app's webhook settings in HubSpot's developer portal, set through the stand-in's knob:
/// each change of a watched property in an account that installed the app is sent, signed, to
/// the platform's HubSpot webhook URL for the project (docs/webhooks.md, "In").
pub fn send_webhooks(stand_in: &str, platform: &str, project: &Project) -> Result<(), String> {
    let subscriptions: Vec<Value> = WATCHED
        .iter()
        .map(|p| json!({ "subscriptionType": "contact.propertyChange", "propertyName": p }))
        .collect();
    http::expect_ok(
        "PUT",
        &format!("{stand_in}/_sandbox/apps/{CLIENT_ID}/webhooks"),
        None,
        Some(&json!({
            "targetUrl": webhook_target(platform, project),
            "subscriptions": subscriptions,
        })),
    )
    .map(drop)
}

/// Where HubSpot sends the project's webhooks.
pub fn webhook_target(platform: &str, project: &Project) -> String {
    format!("{platform}/webhooks/hubspot/{}", project.id)
}

/// A shell command that changes `contact`'s last name in account `hub_id` as a person in
/// HubSpot's UI would (the stand-in's knob; real HubSpot has its UI for that).
pub fn edit_contact_hint(stand_in: &str, hub_id: u64) -> String {
    format!(
        "curl -s {stand_in}/_sandbox/accounts/{hub_id}/contacts   # find the contact's id, then\n     \
         curl -X PATCH {stand_in}/_sandbox/accounts/{hub_id}/contacts/<id> \\\n       \
         -H 'content-type: application/json' -d '{{\"properties\": {{\"lastname\": \"Byron\"}}}}'"
    )
}
