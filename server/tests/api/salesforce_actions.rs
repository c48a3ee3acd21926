//! Salesforce's actions beside HubSpot's: the guide's Salesforce workflows deploy beside
//! HubSpot's and only run for users who connected Salesforce, and the SOQL `find_records` builds
//! is read by the Salesforce stand-in as meant, hostile values included.
//!
//! The SOQL test calls the stand-in's REST API with a token of its own OAuth flow, to check the
//! query text alone; the engine runs the actions against the stand-in in salesforce_engine.rs.

use std::time::Duration;

use hubspot_sandbox::salesforce::{self, OrgConfig, SalesforceConfig};
use paragon_server::workflows::{
    ApiName,
    soql::{Literal, Query},
};
use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::{GUIDE, guide_payload},
    helpers::both_backends,
    salesforce_support,
};

/// A deploy directory with the HubSpot guide and the Salesforce guide's create workflow and
/// page, both triggered by "Contact Created".
fn both_guides() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let guides = std::path::Path::new(GUIDE);
    let salesforce = std::path::Path::new(salesforce_support::GUIDE);
    for (from, file) in [
        (guides, "events/contact-created.yaml"),
        (guides, "integrations/hubspot.yaml"),
        (guides, "workflows/sync-contact.yaml"),
        (salesforce, "integrations/salesforce.yaml"),
        (salesforce, "workflows/sync-contact.yaml"),
    ] {
        let to = match file {
            "workflows/sync-contact.yaml" if from == salesforce => "workflows/salesforce.yaml",
            other => other,
        };
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("the folder");
        std::fs::copy(from.join(file), to).expect("the file");
    }
    dir
}

both_backends! {
    async fn a_salesforce_workflow_deploys_beside_hubspots_and_runs_only_for_its_users(app) {
        let hs = hubspot(&app).await;
        let dir = both_guides();
        let (_, deployed) = paragon_server::deploy::deploy_dir(&app.store, hs.project.id, dir.path())
            .await
            .expect("both guides deploy together");
        let integrations: Vec<(&str, &str)> = deployed
            .iter()
            .map(|w| (w.slug.as_str(), w.integration.as_str()))
            .collect();
        assert_eq!(
            integrations,
            [("sync-contact-to-hubspot", "hubspot"), ("sync-contact-to-salesforce", "salesforce")]
        );
        hs.connect(&app, "ann", HUB).await;
        for workflow in &deployed {
            hs.enable(&app, "ann", &workflow.id.to_string()).await;
        }

        let (status, body) = hs.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(status, 201);
        assert_eq!(body["runs"], 1, "Ann connected HubSpot, not Salesforce: {body}");
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(hs.contacts(HUB).await.len(), 1);
    }
}

/// The Salesforce stand-in with one org, and a token of its user.
struct Org {
    _handle: hubspot_sandbox::SandboxHandle,
    api_base: String,
    token: String,
    http: reqwest::Client,
}

const REDIRECT: &str = "http://127.0.0.1:8080/oauth/callback";

/// Starts the stand-in and connects its org's user through its web server flow.
async fn org() -> Org {
    let handle = salesforce::start(SalesforceConfig {
        apps: vec![SalesforceConfig::app("key", "secret", REDIRECT)],
        orgs: vec![OrgConfig::new("ada.lovelace@acme.test")],
        ..SalesforceConfig::default()
    })
    .await
    .expect("the stand-in starts");
    let base = handle.base_url();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let page = http
        .get(format!(
            "{base}/services/oauth2/authorize?response_type=code&client_id=key&redirect_uri={REDIRECT}&state=s1"
        ))
        .send()
        .await
        .expect("authorize")
        .text()
        .await
        .expect("the consent page");
    let between = |text: &str, before: &str| {
        text.split(before)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
            .expect("on the consent page")
    };
    let (consent, org_id) = (
        between(&page, "name=\"consent_id\" value=\""),
        between(&page, "<option value=\""),
    );
    let granted = http
        .post(format!("{base}/services/oauth2/authorize"))
        .form(&[
            ("consent_id", consent.as_str()),
            ("org_id", org_id.as_str()),
            ("decision", "grant"),
        ])
        .send()
        .await
        .expect("consent");
    let location = granted.headers()["location"].to_str().expect("a redirect");
    let code = location
        .split("code=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("a code")
        .to_owned();
    let token: Value = http
        .post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "key"),
            ("client_secret", "secret"),
            ("redirect_uri", REDIRECT),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("JSON");
    let instance = token["instance_url"].as_str().expect("an instance URL");
    Org {
        api_base: format!("{instance}/services/data/v60.0"),
        token: token["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned(),
        _handle: handle,
        http,
    }
}

impl Org {
    /// A Contact created as `salesforce.create_record` sends it.
    async fn create_contact(&self, fields: Value) {
        let answer = self
            .http
            .post(format!("{}/sobjects/Contact", self.api_base))
            .bearer_auth(&self.token)
            .json(&fields)
            .send()
            .await
            .expect("create");
        assert_eq!(answer.status(), 201);
    }

    /// The answer to `query` as `salesforce.find_records` sends it: `GET /query?q=`.
    async fn find(&self, query: &Query<'_>) -> (u16, Value) {
        let answer = self
            .http
            .get(format!("{}/query", self.api_base))
            .query(&[("q", query.soql())])
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("query");
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }
}

fn name(text: &str) -> ApiName {
    ApiName::parse(text).expect("an API name")
}

#[tokio::test]
async fn the_stand_in_reads_the_finds_soql_as_meant_hostile_values_included() {
    let org = org().await;
    org.create_contact(
        json!({ "LastName": "O'Brien", "Email": "o'brien@acme.test", "Title": "C:\\temp" }),
    )
    .await;
    org.create_contact(json!({ "LastName": "Lovelace", "Email": "ada@acme.test" }))
        .await;
    let (contact, email, last, title) = (
        name("Contact"),
        name("Email"),
        name("LastName"),
        name("Title"),
    );
    let select = [name("Id"), name("LastName")];

    let quoted = Query {
        object: &contact,
        select: &select,
        conditions: vec![(&email, Literal::Text("o'brien@acme.test".into()))],
        limit: 10,
    };
    let backslash = Query {
        object: &contact,
        select: &select,
        conditions: vec![(&title, Literal::Text("C:\\temp".into()))],
        limit: 10,
    };
    // Unescaped, these would select every contact.
    let injected = Query {
        object: &contact,
        select: &select,
        conditions: vec![
            (&email, Literal::Text("x\\".into())),
            (&last, Literal::Text(" OR Id != null OR LastName = ".into())),
        ],
        limit: 10,
    };
    let quote_injected = Query {
        object: &contact,
        select: &select,
        conditions: vec![(&email, Literal::Text("x' OR LastName != '".into()))],
        limit: 10,
    };

    let (status, found) = org.find(&quoted).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalSize"], 1);
    assert_eq!(found["records"][0]["LastName"], "O'Brien");
    let (status, found) = org.find(&backslash).await;
    assert_eq!((status, &found["totalSize"]), (200, &json!(1)), "{found}");
    for hostile in [&injected, &quote_injected] {
        let (status, found) = org.find(hostile).await;
        assert_eq!(status, 200, "{} answered {found}", hostile.soql());
        assert_eq!(found["totalSize"], 0, "{} found {found}", hostile.soql());
    }
}
