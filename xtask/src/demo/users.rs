//! The app's demo users (`www/demo-users.json`, the file the app's backend and the walk read
//! too): each owns one account in the HubSpot stand-in and one org in the Salesforce stand-in.

use serde_json::Value;

use crate::project;

/// A demo user of the app.
#[derive(Debug)]
pub struct DemoUser {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Their HubSpot account's id in the HubSpot stand-in.
    pub hub_id: u64,
    /// The username of their org's one user in the Salesforce stand-in. Not their email:
    /// a Salesforce username is unique across all of Salesforce, so it is often not one.
    pub salesforce_username: String,
}

/// The demo users, in the file's order (the stand-ins' accounts and orgs are made in it).
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
                salesforce_username: text("salesforceUsername")?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .filter(|users| !users.is_empty())
        .ok_or_else(|| {
            format!(
                "{}: expected [{{id, name, email, hubId, salesforceUsername}}, …]",
                path.display()
            )
        })
}
