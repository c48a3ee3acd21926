//! What Paragon's own SDK (`@useparagon/connect`) needs of the server, checked over HTTP (its
//! run in Chromium is tests/paragon_sdk.test.mjs): its headers through CORS for the project's
//! origins only, an inert frame at `/ui?projectId=…` framable by those origins only, the shapes
//! it reads, its credential headers naming the user's own credential only, and a clear 404 for
//! the parts of Paragon's API the platform does not provide.

use reqwest::Method;
use serde_json::Value;

use crate::{
    connect_support::{HUB, Hubspot, OTHER_HUB, hubspot},
    helpers::{APP_ORIGIN, TestApp, assert_error, both_backends},
};

/// The request headers Paragon's SDK 2.4.0 sends with every call.
const PARAGON_HEADERS: &str = "authorization,content-type,x-paragon-sdk-version,x-paragon-credential,x-paragon-configuration-id";

async fn paragon_preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "DELETE")
        .header("Access-Control-Request-Headers", PARAGON_HEADERS)
        .send()
        .await
        .expect("answers")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_owned())
}

/// `ann` and `bob` connected, to two accounts; returns their credential ids.
async fn two_connected_users(app: &TestApp) -> (Hubspot, String, String) {
    let hs = hubspot(app).await;
    assert_eq!(hs.connect(app, "ann", HUB).await.status(), 200);
    assert_eq!(hs.connect(app, "bob", OTHER_HUB).await.status(), 200);
    let ann = credential_id(app, &hs, "ann").await;
    let bob = credential_id(app, &hs, "bob").await;
    (hs, ann, bob)
}

async fn me(app: &TestApp, hs: &Hubspot, user: &str) -> Value {
    let response = app.get_me(hs.project.id, &hs.project.token(user)).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

async fn credential_id(app: &TestApp, hs: &Hubspot, user: &str) -> String {
    me(app, hs, user).await["integrations"]["hubspot"]["credentialId"]
        .as_str()
        .expect("connected")
        .to_owned()
}

both_backends! {
    async fn paragons_headers_pass_the_preflight_of_the_projects_origins_only(app) {
        let project = app.new_project().await;
        let path = format!("/projects/{}/sdk/integrations/some-id", project.id);

        let allowed = paragon_preflight(&app, &path, APP_ORIGIN).await;
        let refused = paragon_preflight(&app, &path, "http://evil.test").await;

        assert_eq!(header(&allowed, "access-control-allow-origin").as_deref(), Some(APP_ORIGIN));
        let headers = header(&allowed, "access-control-allow-headers").unwrap_or_default();
        for name in PARAGON_HEADERS.split(',') {
            assert!(headers.contains(name), "{name} may be sent: {headers}");
        }
        assert_eq!(header(&refused, "access-control-allow-origin"), None, "another origin's page may not call");
    }

    async fn paragons_frame_is_an_empty_page_only_the_projects_origins_may_frame(app) {
        let project = app.new_project().await;

        let frame = app.client.get(app.url(&format!("/ui?projectId={}", project.id))).send().await.expect("answers");
        let unknown = app.client.get(app.url("/ui?projectId=3f6c1a52-8d1e-4b7a-9c3d-5e2f1a0b9c8d")).send().await.expect("answers");

        assert_eq!(frame.status(), 200);
        let csp = header(&frame, "content-security-policy").expect("a policy");
        assert!(csp.contains(&format!("frame-ancestors {APP_ORIGIN}")), "{csp}");
        assert!(csp.starts_with("default-src 'none'") && !csp.contains("script-src"), "no script may run: {csp}");
        let body = frame.text().await.expect("HTML");
        assert!(!body.contains("<script"), "{body}");
        assert_eq!(unknown.status(), 404);
        let csp = header(&unknown, "content-security-policy").expect("a policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }

    async fn me_and_integrations_have_the_shapes_paragons_sdk_reads(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        assert_eq!(hs.connect(&app, "ann", HUB).await.status(), 200);
        hs.enable(&app, "ann", &workflow).await;

        let user = me(&app, &hs, "ann").await;
        let listed: Value = app.get_integrations(hs.project.id, &hs.project.token("ann")).await.json().await.expect("JSON");

        let features = user["project"]["accessibleFeatures"].as_array().expect("a list");
        assert!(features.iter().any(|f| f == "headless-cp"), "{features:?}");
        let item = &listed[0];
        assert_eq!(item["configs"][0]["values"]["workflowMeta"][&workflow]["id"], workflow.as_str(), "{item}");
        let credential = &user["integrations"]["hubspot"]["allCredentials"][0];
        let config = &credential["configurations"][0];
        assert_eq!(config["isDefault"], true, "{credential}");
        assert_eq!(config["id"], credential["id"]);
        assert_eq!(config["connectCredentialId"], credential["id"]);
        assert_eq!(config["workflowSettings"][&workflow]["enabled"], true, "{config}");
    }

    async fn another_users_credential_in_paragons_headers_is_refused(app) {
        let (hs, ann, bob) = two_connected_users(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        let token = hs.project.token("ann");
        let pid = hs.project.id;
        let integration = me(&app, &hs, "ann").await["integrations"]["hubspot"]["allCredentials"][0]["integrationId"]
            .as_str().expect("an id").to_owned();
        let before = hs.request_count().await;

        let proxied = app.client.get(app.url(&format!("/projects/{pid}/sdk/proxy/hubspot/crm/v3/objects/contacts")))
            .bearer_auth(&token).header("X-Paragon-Credential", &bob).send().await.expect("answers");
        let removed = app.client.delete(app.url(&format!("/projects/{pid}/sdk/integrations/{integration}")))
            .bearer_auth(&token).header("X-Paragon-Credential", &bob).send().await.expect("answers");
        let enabled = app.client.post(app.url(&format!("/projects/{pid}/sdk/workflows/{workflow}")))
            .bearer_auth(&token).header("X-Paragon-Credential", &ann).header("X-Paragon-Configuration-Id", &bob)
            .send().await.expect("answers");
        let event = app.client.post(app.url(&format!("/v2/projects/{pid}/sdk/events/trigger")))
            .bearer_auth(&token).header("X-Paragon-Credential", &bob)
            .json(&serde_json::json!({"name": "Contact Created", "payload": {}}))
            .send().await.expect("answers");

        for (what, answer) in [("proxy", proxied), ("uninstall", removed), ("enable", enabled), ("event", event)] {
            let message = assert_error(answer, 404, "NOT_FOUND").await;
            assert!(message.contains("names no credential of this user"), "{what}: {message}");
        }
        assert_eq!(hs.requests_after(before).await, Vec::<String>::new(), "nothing reached HubSpot");
        assert_eq!(credential_id(&app, &hs, "ann").await, ann, "ann's credential is kept");
        assert_eq!(credential_id(&app, &hs, "bob").await, bob, "bob's credential is kept");
        let own = app.client.get(app.url(&format!("/projects/{pid}/sdk/proxy/hubspot/crm/v3/objects/contacts")))
            .bearer_auth(&token).header("X-Paragon-Credential", &ann).send().await.expect("answers");
        assert_eq!(own.status(), 200, "the user's own credential may be named");
        let own_event = app.client.post(app.url(&format!("/v2/projects/{pid}/sdk/events/trigger")))
            .bearer_auth(&token).header("X-Paragon-Credential", &ann)
            .json(&serde_json::json!({"name": "Contact Created", "payload": {}}))
            .send().await.expect("answers");
        assert_eq!(own_event.status(), 201, "an App Event may name the user's own credential");
    }

    async fn paragons_endpoints_the_platform_lacks_answer_a_clear_404(app) {
        let project = app.new_project().await;
        let pid = project.id;
        let token = project.token("ann");
        let calls = [
            (Method::GET, format!("/projects/{pid}/sdk/credentials?integration=hubspot")),
            (Method::PATCH, format!("/projects/{pid}/sdk/credentials/c1/configurations")),
            (Method::POST, format!("/projects/{pid}/sdk/actions")),
            (Method::GET, format!("/v2/projects/{pid}/sdk/actions/build-oauth?action=hubspot")),
            (Method::POST, format!("/projects/{pid}/sdk/resources/r1/connect")),
            (Method::GET, format!("/projects/{pid}/sdk/metadata")),
        ];

        for (method, path) in calls {
            let answer = app.client.request(method, app.url(&path)).bearer_auth(&token).send().await.expect("answers");
            let message = assert_error(answer, 404, "NOT_FOUND").await;
            assert!(message.contains("this platform does not provide"), "{path}: {message}");
        }
    }
}
