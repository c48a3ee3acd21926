//! Salesforce connected over HTTP against its stand-in, on both databases: the platform knows
//! Salesforce only from providers/salesforce.yaml. The consent (PKCE, the connected app's
//! scopes), the org named from userinfo, the REST API on the org's `instance_url` through the
//! proxy, a refresh after the org's session ended (Salesforce's token answers say no expiry),
//! and revocation on disconnect. The browser's part is in tests/salesforce_connect.test.mjs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::both_backends,
    salesforce_support::{ADA, CLIENT_SECRET, salesforce},
};

both_backends! {
    async fn a_user_connects_salesforce_and_the_org_is_named(app) {
        let sf = salesforce(&app).await;

        let (page, authorize) = sf.connect(&app, "ann").await;

        assert_eq!(page.status(), 200);
        let query: Vec<(String, String)> = reqwest::Url::parse(&authorize)
            .expect("a URL")
            .query_pairs()
            .into_owned()
            .collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(param("response_type"), Some("code"));
        assert_eq!(param("scope"), Some("api refresh_token"));
        assert_eq!(param("code_challenge_method"), Some("S256"));
        assert!(!authorize.contains(CLIENT_SECRET));
        let me: Value = app
            .get_me(sf.project.id, &sf.project.token("ann"))
            .await
            .json()
            .await
            .expect("JSON");
        let state = &me["integrations"]["salesforce"];
        assert_eq!(state["credentialStatus"], "VALID");
        assert_eq!(state["providerId"], sf.org_id().await.as_str());
        assert_eq!(state["providerData"]["accountName"], ADA);
        assert_eq!(state["providerData"]["instance_url"], sf.sandbox.base_url());
        // The vault holds the tokens: nothing of them in the database in the clear.
        let tokens = sf
            .knob(Method::GET, &format!("/orgs/{}/tokens", sf.org_id().await), None)
            .await;
        let dump = app.database_dump().await;
        let refresh = tokens["refreshTokens"][0].as_str().expect("a refresh token");
        assert!(!dump.contains(refresh), "the refresh token is sealed");
        assert!(!dump.contains(CLIENT_SECRET), "the client secret is sealed");
    }

    async fn the_proxy_calls_the_orgs_instance_and_refreshes_an_ended_session_once(app) {
        let sf = salesforce(&app).await;
        sf.connect(&app, "ann").await;
        let created = sf
            .proxy(&app, "ann", Method::POST, "sobjects/Contact", Some(json!({"LastName": "Lovelace", "Email": "ada@example.com"})))
            .await;
        assert_eq!(created.status(), 201);
        let org = sf.org_id().await;
        sf.knob(Method::POST, &format!("/orgs/{org}/expire-tokens"), None).await;
        let before = sf.counters().await;

        let q = "SELECT Id, Email FROM Contact WHERE Email = 'ada@example.com'";
        let found = sf
            .proxy(&app, "ann", Method::GET, &format!("query?q={}", q.replace(' ', "+").replace('=', "%3D").replace('\'', "%27")), None)
            .await;

        assert_eq!(found.status(), 200);
        let body: Value = found.json().await.expect("JSON");
        assert_eq!(body["output"]["totalSize"], 1, "{body}");
        let after = sf.counters().await;
        assert_eq!(after["refreshes"].as_u64().unwrap_or(0) - before["refreshes"].as_u64().unwrap_or(0), 1);
        let tokens = sf.knob(Method::GET, &format!("/orgs/{org}/tokens"), None).await;
        assert_eq!(tokens["refreshTokens"].as_array().map(Vec::len), Some(1), "not rotated, kept");
    }

    async fn disconnecting_revokes_the_refresh_token_at_salesforce(app) {
        let sf = salesforce(&app).await;
        sf.connect(&app, "ann").await;
        let org = sf.org_id().await;

        let deleted = sf.disconnect(&app, "ann").await;

        assert_eq!(deleted, 204);
        let tokens = sf.knob(Method::GET, &format!("/orgs/{org}/tokens"), None).await;
        assert_eq!(tokens, json!({"accessTokens": [], "refreshTokens": []}));
        assert_eq!(sf.counters().await["revocations"], 1);
    }
}
