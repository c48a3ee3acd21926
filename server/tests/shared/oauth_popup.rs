//! The browser's part of the OAuth popup, hop by hop over HTTP (no redirect followed):
//! create a flow with the user's token, open the start URL, grant on the sandbox's consent
//! page, land on the platform's callback. Shared by the test crates (`#[path]`-included).

use serde_json::{Value, json};

/// Connects `token`'s user to sandbox account `hub`; returns the callback page's status.
pub async fn connect(
    platform: &str,
    project: &str,
    token: &str,
    origin: &str,
    sandbox: &str,
    hub: u32,
) -> u16 {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let created: Value = browser
        .post(format!("{platform}/projects/{project}/sdk/oauth/flows"))
        .bearer_auth(token)
        .json(&json!({"integration": "hubspot", "origin": origin}))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    let start = created["startUrl"].as_str().expect("a start URL");
    let authorize = location(&browser.get(start).send().await.expect("answers"));
    let page = browser
        .get(&authorize)
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("HTML");
    let consent_id = consent_id(&page);
    let hub = hub.to_string();
    let granted = browser
        .post(format!("{sandbox}/oauth/authorize"))
        .form(&[
            ("consent_id", consent_id),
            ("hub_id", hub.as_str()),
            ("decision", "grant"),
        ])
        .send()
        .await
        .expect("answers");
    let callback = location(&granted);
    browser
        .get(callback)
        .send()
        .await
        .expect("answers")
        .status()
        .as_u16()
}

/// The consent id the sandbox's consent page carries in its form.
pub fn consent_id(page: &str) -> &str {
    page.split("name=\"consent_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the consent page carries its consent id")
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}
