//! A provider whose users paste an API key (SendGrid, `api_key` in providers/sendgrid.yaml)
//! against its stand-in, on both databases: the key checked with the definition's account call
//! before it is stored, sealed in the vault, sent by the proxy as the definition says, and the
//! attacks on the fields. The portal's form is tested in tests/keyed_connect.test.mjs.

use hubspot_sandbox::{
    SandboxHandle,
    sendgrid::{self, AccountConfig, SendGridConfig},
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestProject, both_backends};

const USERNAME: &str = "ada_lovelace";

struct SendGrid {
    sandbox: SandboxHandle,
    project: TestProject,
}

/// A stand-in with Ada's account, and a project whose SendGrid integration points at it.
async fn sendgrid(app: &TestApp) -> SendGrid {
    let sandbox = sendgrid::start(SendGridConfig {
        accounts: vec![AccountConfig::new(USERNAME)],
        ..SendGridConfig::default()
    })
    .await
    .expect("the stand-in starts");
    let project = app.new_project().await;
    app.set_integration(
        &project,
        "sendgrid",
        json!({ "apiBase": format!("{}/v3", sandbox.base_url()) }),
    )
    .await;
    SendGrid { sandbox, project }
}

impl SendGrid {
    /// A new key of Ada's account, as she copies it from SendGrid's settings.
    async fn new_key(&self) -> String {
        let made: Value = reqwest::Client::new()
            .post(format!(
                "{}/_sandbox/accounts/{USERNAME}/api-keys",
                self.sandbox.base_url()
            ))
            .json(&json!({"name": "Acme CRM"}))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        made["apiKey"].as_str().expect("a key").to_owned()
    }

    /// `POST /sdk/integrations/sendgrid/credential` as `user` with `fields`.
    async fn connect(&self, app: &TestApp, user: &str, fields: Value) -> reqwest::Response {
        app.client
            .post(app.url(&format!(
                "/projects/{}/sdk/integrations/sendgrid/credential",
                self.project.id
            )))
            .bearer_auth(self.project.token(user))
            .json(&json!({ "fields": fields }))
            .send()
            .await
            .expect("answers")
    }

    async fn state(&self, app: &TestApp, user: &str) -> Value {
        let me: Value = app
            .get_me(self.project.id, &self.project.token(user))
            .await
            .json()
            .await
            .expect("JSON");
        me["integrations"]["sendgrid"].clone()
    }

    /// The stand-in's request log, as text.
    async fn requests(&self) -> String {
        reqwest::get(format!("{}/_sandbox/requests", self.sandbox.base_url()))
            .await
            .expect("answers")
            .text()
            .await
            .expect("text")
    }

    /// How many calls reached SendGrid's API (not the knobs).
    async fn api_calls(&self) -> usize {
        let log: Value = serde_json::from_str(&self.requests().await).expect("JSON");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| {
                entry["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/v3/"))
            })
            .count()
    }
}

both_backends! {
    async fn a_key_is_checked_sealed_and_sent_by_the_proxy(app) {
        let sg = sendgrid(&app).await;
        let key = sg.new_key().await;

        let connected = sg.connect(&app, "ann", json!({"api_key": key})).await;

        assert_eq!(connected.status(), 201);
        let credential: Value = connected.json().await.expect("JSON");
        assert_eq!(credential["status"], "VALID");
        assert!(!credential.to_string().contains(&key), "the answer never holds the key");
        let state = sg.state(&app, "ann").await;
        assert_eq!(state["credentialStatus"], "VALID");
        assert_eq!(state["providerData"]["accountName"], USERNAME, "named by /user/username");
        assert!(state["providerId"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(!state.to_string().contains(&key), "the SDK's view never holds the key");
        assert!(!app.database_dump().await.contains(&key), "sealed: not in the database in the clear");

        let upsert = app
            .client
            .put(app.url(&format!("/projects/{}/sdk/proxy/sendgrid/marketing/contacts", sg.project.id)))
            .bearer_auth(sg.project.token("ann"))
            .json(&json!({"contacts": [{"email": "grace@navy.test", "first_name": "Grace"}]}))
            .send()
            .await
            .expect("answers");
        assert_eq!(upsert.status(), 202, "{:?}", upsert.text().await);
        let contacts: Value = reqwest::get(format!("{}/_sandbox/accounts/{USERNAME}/contacts", sg.sandbox.base_url()))
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        assert!(contacts.to_string().contains("grace@navy.test"), "{contacts}");
        assert!(!sg.requests().await.contains(&key), "the stand-in's log keeps no key either");
    }

    async fn a_key_the_provider_refuses_is_never_stored(app) {
        let sg = sendgrid(&app).await;
        let real = sg.new_key().await;
        let wrong = format!("{}x", &real[..real.len() - 1]);

        let refused = sg.connect(&app, "ann", json!({"api_key": wrong})).await;

        assert_eq!(refused.status(), 422);
        let body: Value = refused.json().await.expect("JSON");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("SendGrid refused these credentials")), "{body}");
        assert_eq!(sg.state(&app, "ann").await["credentialStatus"], Value::Null, "nothing stored");
        assert!(!app.database_dump().await.contains(&wrong));
    }

    async fn fields_outside_the_definition_are_refused_before_any_call(app) {
        let sg = sendgrid(&app).await;
        let before = sg.api_calls().await;
        for (fields, words) in [
            (json!({}), "API key is required"),
            (json!({"api_key": ""}), "API key is required"),
            (json!({"api_key": 42}), "must be text"),
            (json!({"api_key": "SG.x", "instance_url": "https://evil.test"}), "unknown field"),
            (json!({"api_key": "x".repeat(3000)}), "longer than"),
        ] {
            let refused = sg.connect(&app, "ann", fields.clone()).await;
            assert_eq!(refused.status(), 422, "{fields}");
            let body: Value = refused.json().await.expect("JSON");
            assert!(body["message"].as_str().is_some_and(|m| m.contains(words)), "{fields}: {body}");
        }
        assert_eq!(sg.api_calls().await, before, "no call reached SendGrid");
    }

    async fn an_oauth_provider_takes_no_fields_and_a_key_provider_no_client(app) {
        let sg = sendgrid(&app).await;
        let hubspot = app
            .management(Method::PUT, &format!("/projects/{}/integrations/hubspot", sg.project.id), &sg.project.api_key)
            .json(&json!({"clientId": "id", "clientSecret": "secret"}))
            .send()
            .await
            .expect("answers");
        assert_eq!(hubspot.status(), 200);
        let refused = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/integrations/hubspot/credential", sg.project.id)))
            .bearer_auth(sg.project.token("ann"))
            .json(&json!({"fields": {"access_token": "stolen"}}))
            .send()
            .await
            .expect("answers");
        assert_eq!(refused.status(), 422, "a token cannot be planted as a HubSpot credential");
        let with_client = app
            .management(Method::PUT, &format!("/projects/{}/integrations/sendgrid", sg.project.id), &sg.project.api_key)
            .json(&json!({"clientId": "id", "clientSecret": "secret"}))
            .send()
            .await
            .expect("answers");
        assert_eq!(with_client.status(), 422);
        let unknown = app
            .management(Method::PUT, &format!("/projects/{}/integrations/no-such-provider", sg.project.id), &sg.project.api_key)
            .json(&json!({"clientId": "id", "clientSecret": "secret"}))
            .send()
            .await
            .expect("answers");
        assert_eq!(unknown.status(), 422);
        let no_client = app
            .management(Method::PUT, &format!("/projects/{}/integrations/salesforce", sg.project.id), &sg.project.api_key)
            .json(&json!({}))
            .send()
            .await
            .expect("answers");
        assert_eq!(no_client.status(), 422, "an OAuth provider needs the app's client id and secret");
        let flow = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/oauth/flows", sg.project.id)))
            .bearer_auth(sg.project.token("ann"))
            .json(&json!({"integration": "sendgrid", "origin": crate::helpers::APP_ORIGIN}))
            .send()
            .await
            .expect("answers");
        assert_eq!(flow.status(), 422, "a key provider has no consent page");
    }

    async fn a_user_cannot_use_the_platform_to_try_keys_at_the_provider(app) {
        let sg = sendgrid(&app).await;
        let key = sg.new_key().await;
        let wrong = format!("{}x", &key[..key.len() - 1]);
        let before = sg.api_calls().await;
        for _ in 0..10 {
            assert_eq!(sg.connect(&app, "mallory", json!({"api_key": wrong})).await.status(), 422);
        }

        let held = sg.connect(&app, "mallory", json!({"api_key": key})).await;

        assert_eq!(held.status(), 429);
        assert!(held.headers().contains_key("retry-after"));
        assert_eq!(sg.api_calls().await - before, 10, "the eleventh check never reached SendGrid");
        assert_eq!(sg.connect(&app, "ann", json!({"api_key": key})).await.status(), 201, "another user is not held");
    }

    async fn a_revoked_key_marks_the_credential_invalid_on_its_next_use(app) {
        let sg = sendgrid(&app).await;
        let key = sg.new_key().await;
        assert_eq!(sg.connect(&app, "ann", json!({"api_key": key})).await.status(), 201);
        let keys: Value = reqwest::get(format!("{}/_sandbox/accounts/{USERNAME}/api-keys", sg.sandbox.base_url()))
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        let id = keys[0]["apiKeyId"].as_str().or(keys[0]["id"].as_str()).expect("a key id").to_owned();
        let revoked = reqwest::Client::new()
            .delete(format!("{}/_sandbox/accounts/{USERNAME}/api-keys/{id}", sg.sandbox.base_url()))
            .send()
            .await
            .expect("answers");
        assert!(revoked.status().is_success());

        let call = app
            .client
            .get(app.url(&format!("/projects/{}/sdk/proxy/sendgrid/user/username", sg.project.id)))
            .bearer_auth(sg.project.token("ann"))
            .send()
            .await
            .expect("answers");

        assert_eq!(call.status(), 409, "the credential is invalid: the user must connect again");
        assert_eq!(sg.state(&app, "ann").await["credentialStatus"], "INVALID");
    }
}
