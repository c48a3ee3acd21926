//! The platform's webhooks to Acme CRM's backend (docs/webhooks.md, "Out"): an endpoint of the
//! project at the app's `/webhooks/paragon`, made with the project's API key as a real app's
//! operator would. Its signing secret is shown once, when the endpoint is made, so the demo
//! makes a new endpoint on each start (and removes the last run's at the same URL) rather than
//! keeping a secret in `state.json`: the app reads it from its settings file, never the browser.

use serde_json::{Value, json};

use super::state::Project;
use crate::http;

/// What the app's backend hears of: HubSpot's changes (`examples/hubspot-two-way`), the users'
/// connections coming and going, and runs that failed for good.
const EVENT_TYPES: [&str; 5] = [
    "contact.changed",
    "connection.created",
    "connection.deleted",
    "connection.invalid",
    "run.failed",
];

/// How the demo's endpoint describes itself, to find the last run's.
const DESCRIPTION: &str = "Acme CRM's backend (cargo xtask demo)";

/// The endpoint at `{app}/webhooks/paragon`, made anew. Answers its secret (`whsec_…`).
pub fn endpoint_for(platform: &str, project: &Project, app: &str) -> Result<String, String> {
    let endpoints = format!("{platform}/projects/{}/webhooks/endpoints", project.id);
    let url = format!("{app}/webhooks/paragon");
    let key = Some(project.api_key.as_str());
    // A reused project keeps the last run's endpoint, whose secret is gone with that run's app.
    let listed = http::expect_ok("GET", &endpoints, key, None)?;
    let listed = listed.get("data").unwrap_or(&listed);
    for old in listed.as_array().into_iter().flatten() {
        let ours = old["url"] == Value::String(url.clone()) || old["description"] == DESCRIPTION;
        if ours && let Some(id) = old["id"].as_str() {
            http::expect_ok("DELETE", &format!("{endpoints}/{id}"), key, None)?;
        }
    }
    let created = http::expect_ok(
        "POST",
        &endpoints,
        key,
        Some(&json!({
            "url": url,
            "eventTypes": EVENT_TYPES,
            "description": DESCRIPTION,
        })),
    )?;
    created["secret"]
        .as_str()
        .filter(|s| s.starts_with("whsec_"))
        .map(str::to_owned)
        .ok_or_else(|| format!("POST {endpoints} answered no whsec_ secret"))
}
