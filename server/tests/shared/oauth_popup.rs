//! The browser's part of the OAuth popup, hop by hop over HTTP (no redirect followed): create
//! a flow with the user's token, post the start form from the app's page, grant on the
//! sandbox's consent page, land on the platform's callback. A browser is a client with a
//! cookie jar (the flow's binding cookie) that follows no redirect. Shared by the test crates
//! (`#[path]`-included).

use serde_json::{Value, json};

/// A client that keeps cookies and follows no redirects, like a browser hop by hop.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// A created flow, as `POST /sdk/oauth/flows` answers it.
#[derive(Debug, Clone)]
pub struct NewFlow {
    pub id: String,
    pub start_url: String,
    pub secret: String,
}

impl NewFlow {
    /// Reads the answer of `POST /sdk/oauth/flows`.
    pub fn from_answer(created: &Value) -> Self {
        let text = |key: &str| created[key].as_str().expect(key).to_owned();
        Self {
            id: text("flowId"),
            start_url: text("startUrl"),
            secret: text("startSecret"),
        }
    }
}

/// The popup's first navigation: the start form posted from a page of `origin`.
pub async fn post_start(
    browser: &reqwest::Client,
    flow: &NewFlow,
    origin: &str,
) -> reqwest::Response {
    browser
        .post(&flow.start_url)
        .header("origin", origin)
        .form(&[("flow", flow.id.as_str()), ("secret", flow.secret.as_str())])
        .send()
        .await
        .expect("answers")
}

/// The provider's authorize URL that the start page sends the popup to.
pub fn authorize_url(start_page: &str) -> String {
    let encoded = start_page
        .split("data-to=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the start page sends the popup on");
    encoded.replace("&amp;", "&")
}

/// Connects `token`'s user to sandbox account `hub`; returns the callback page's status.
pub async fn connect(
    platform: &str,
    project: &str,
    token: &str,
    origin: &str,
    sandbox: &str,
    hub: u32,
) -> u16 {
    let browser = browser();
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
    let flow = NewFlow::from_answer(&created);
    let started = post_start(&browser, &flow, origin).await;
    let authorize = authorize_url(&started.text().await.expect("HTML"));
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

/// The `Location` of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}
