//! Connect over HTTP against the HubSpot sandbox: the flow, its attacks, the vault at rest,
//! refresh and disconnect. The browser's part is in
//! tests/connect_portal.test.mjs.

use paragon_server::vault::UserBinding;
use reqwest::Method;
use serde_json::Value;

use crate::{
    connect_support::{CLIENT_SECRET, HUB, OTHER_HUB, hubspot},
    helpers::{assert_error, both_backends, id, pid},
};

async fn me(
    app: &crate::helpers::TestApp,
    hs: &crate::connect_support::Hubspot,
    user: &str,
) -> Value {
    app.get_me(hs.project.id, &hs.project.token(user))
        .await
        .json()
        .await
        .expect("JSON")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

both_backends! {
    async fn a_user_connects_and_me_shows_a_valid_credential_of_their_hub(app) {
        let hs = hubspot(&app).await;

        let page = hs.connect(&app, "ann", HUB).await;

        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        let cleared = page.headers().get_all("set-cookie").iter().any(|v| v.to_str().is_ok_and(|c| c.contains("paragon-flow-") && c.contains("Max-Age=0")));
        assert!(cleared, "the callback removes the flow's binding cookie: {:?}", page.headers());
        let html = page.text().await.expect("HTML");
        assert!(html.contains("data-close=\"true\"") && html.contains("/oauth/popup.js"), "{html}");
        let user = me(&app, &hs, "ann").await;
        let state = &user["integrations"]["hubspot"];
        assert_eq!(state["credentialStatus"], "VALID");
        assert_eq!(state["enabled"], true);
        assert_eq!(state["providerId"], HUB.to_string());
        assert_eq!(state["providerData"]["accountName"], "ada@acme.test", "the account call (HubSpot: introspection) names the user");
        let listed: Value = app.get_integrations(hs.project.id, &hs.project.token("ann")).await.json().await.expect("JSON");
        assert_eq!(listed[0]["type"], "hubspot");
        assert_eq!(listed[0]["hasCredential"], true);
        let other = me(&app, &hs, "bob").await;
        assert_eq!(other["integrations"]["hubspot"]["credentialStatus"], Value::Null, "another user is not connected");
    }

    async fn missing_wrong_reused_and_expired_states_make_no_token_request(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "ann").await;
        let authorize = hs.start(&flow).await;
        let callback = hs.consent(&authorize, HUB, true).await;
        let without_state = callback.split("&state=").next().expect("url").replace("?state=", "?x=").to_owned();
        let wrong_state = format!("{}/oauth/callback?code=anything&state=not-the-state", app.base_url);

        for url in [without_state.as_str(), wrong_state.as_str()] {
            let refused = hs.browser.get(url).send().await.expect("answers");
            assert_eq!(refused.status(), 400, "{url}");
        }
        assert_eq!(hs.token_requests().await, 0, "no token request for a missing or wrong state");

        assert_eq!(hs.browser.get(&callback).send().await.expect("answers").status(), 200);
        let after_first = hs.token_requests().await;
        let replay = hs.browser.get(&callback).send().await.expect("answers");
        assert_eq!(replay.status(), 400, "a reused state is refused");
        assert_eq!(hs.token_requests().await, after_first, "and makes no token request");

        let flow = hs.create_flow(&app, "bob").await;
        let authorize = hs.start(&flow).await;
        let callback = hs.consent(&authorize, HUB, true).await;
        app.execute("UPDATE oauth_flows SET expires_at = 0 WHERE status = 'started'").await;
        let before = hs.token_requests().await;
        let expired = hs.browser.get(&callback).send().await.expect("answers");
        assert_eq!(expired.status(), 400, "an expired state is refused");
        assert_eq!(hs.token_requests().await, before, "and makes no token request");
    }

    async fn a_start_form_works_once(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "ann").await;

        hs.start(&flow).await;
        let again = crate::oauth_popup::post_start(&hs.browser, &flow, crate::helpers::APP_ORIGIN).await;

        assert_eq!(again.status(), 400);
        assert!(again.text().await.expect("HTML").contains("already used or has expired"));
    }

    async fn a_denied_consent_fails_the_flow_without_a_credential(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "ann").await;
        let authorize = hs.start(&flow).await;
        let flow = flow.id;

        let callback = hs.consent(&authorize, HUB, false).await;
        let page = hs.browser.get(&callback).send().await.expect("answers").text().await.expect("HTML");

        // A choice of the user, not an error: the window closes itself and the portal says it.
        assert!(page.contains("You cancelled the connection") && page.contains("data-close=\"true\""), "{page}");
        let state: Value = app
            .client
            .get(app.url(&format!("/projects/{}/sdk/oauth/flows/{flow}", hs.project.id)))
            .bearer_auth(hs.project.token("ann"))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        // `failed` for every client, `reason: "denied"` for those that tell a choice apart.
        assert_eq!(state["status"], "failed");
        assert_eq!(state["reason"], "denied");
        let why = state["error"].as_str().expect("why");
        assert!(why.starts_with("Access was not granted") && why.contains("reference"), "{why}");
        assert!(!why.contains("access_denied"), "the provider's own words stay in the log: {why}");
        assert_eq!(hs.token_requests().await, 0);
        let stored = app.store.flow(&crate::helpers::id(&flow)).await.expect("read").expect("flow");
        assert_eq!(stored.status, paragon_server::storage::FlowStatus::Denied);
    }

    async fn a_provider_error_other_than_a_denial_is_a_failure_without_a_reason(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "ann").await;
        let authorize = hs.start(&flow).await;
        let state = authorize.split("state=").nth(1).and_then(|r| r.split('&').next()).expect("a state");
        let callback = format!("{}/oauth/callback?state={state}&error=invalid_scope", app.base_url);
        let page = hs.browser.get(&callback).send().await.expect("answers").text().await.expect("HTML");

        assert!(page.contains("Access was not granted") && page.contains("data-close=\"false\""), "{page}");
        let state: Value = app
            .client
            .get(app.url(&format!("/projects/{}/sdk/oauth/flows/{}", hs.project.id, flow.id)))
            .bearer_auth(hs.project.token("ann"))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        assert_eq!(state["status"], "failed");
        assert!(state.get("reason").is_none(), "{state}");
    }

    async fn a_flow_is_readable_only_by_its_user_and_project(app) {
        let hs = hubspot(&app).await;
        let other_project = app.new_project().await;
        let flow = hs.create_flow(&app, "ann").await.id;
        let read = |project: paragon_server::ids::ProjectId, token: String| {
            app.client
                .get(app.url(&format!("/projects/{project}/sdk/oauth/flows/{flow}?wait=1")))
                .bearer_auth(token)
                .send()
        };

        assert_eq!(read(hs.project.id, hs.project.token("ann")).await.expect("answers").status(), 200);
        assert_error(read(hs.project.id, hs.project.token("bob")).await.expect("answers"), 404, "NOT_FOUND").await;
        assert_error(read(other_project.id, other_project.token("ann")).await.expect("answers"), 404, "NOT_FOUND").await;
        assert_error(read(hs.project.id, other_project.token("ann")).await.expect("answers"), 401, "UNAUTHORIZED").await;
    }

    async fn flows_are_bound_to_the_projects_origins(app) {
        let hs = hubspot(&app).await;

        let foreign = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/oauth/flows", hs.project.id)))
            .bearer_auth(hs.project.token("ann"))
            .json(&serde_json::json!({"integration": "hubspot", "origin": "http://evil.test"}))
            .send()
            .await
            .expect("answers");
        let mismatched = app
            .client
            .post(app.url(&format!("/projects/{}/sdk/oauth/flows", hs.project.id)))
            .bearer_auth(hs.project.token("ann"))
            .header("Origin", "http://evil.test")
            .json(&serde_json::json!({"integration": "hubspot", "origin": crate::helpers::APP_ORIGIN}))
            .send()
            .await
            .expect("answers");

        assert_error(foreign, 403, "FORBIDDEN").await;
        assert_error(mismatched, 403, "FORBIDDEN").await;
    }

    async fn tokens_and_the_client_secret_are_sealed_at_rest(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.connect(&app, "bob", OTHER_HUB).await;
        let project = hs.project.id.to_string();
        let keys = app.master_keys();
        let stored = app.store.user_credentials(pid(&project), &id("ann")).await.expect("read");
        let ann = &stored[0];
        let open = |sealed: &[u8], row: &str, column: &str| keys.open_string(sealed, UserBinding { project: &project, user: "ann", row, column });
        let access = open(&ann.access_token, ann.id.as_str(), "access_token").expect("opens where it belongs");
        let refresh = open(ann.refresh_token.as_deref().expect("a refresh token"), ann.id.as_str(), "refresh_token").expect("opens");

        let dump = app.database_dump().await;
        for secret in [access.as_str(), refresh.as_str(), CLIENT_SECRET] {
            assert!(!dump.contains(secret), "a secret is in the database in clear");
            assert!(!dump.contains(&hex(secret.as_bytes())), "a secret is in the database as hex");
        }

        let bob = &app.store.user_credentials(pid(&project), &id("bob")).await.expect("read")[0];
        app.execute("UPDATE credentials SET access_token = (SELECT access_token FROM credentials WHERE user_id = 'ann') WHERE user_id = 'bob'").await;
        let copied = app.store.credential(pid(&project), &bob.id).await.expect("read").expect("bob's credential");
        let error = open(&copied.access_token, bob.id.as_str(), "access_token").expect_err("a copied ciphertext must not open");
        assert!(error.to_string().contains("belongs to another row, column or user"), "{error}");
        let used = hs.proxy(&app, "bob", "crm/v3/objects/contacts").await;
        assert_error(used, 500, "INTERNAL").await;
    }

    async fn ten_concurrent_calls_after_expiry_cause_exactly_one_refresh(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        assert_eq!(hs.proxy(&app, "ann", "crm/v3/objects/contacts").await.status(), 200);
        hs.knob(Method::POST, &format!("/accounts/{HUB}/expire-tokens")).await;

        let url = app.url(&format!("/projects/{}/sdk/proxy/hubspot/crm/v3/objects/contacts?limit=1", hs.project.id));
        let token = hs.project.token("ann");
        let calls: Vec<_> = (0..10).map(|_| tokio::spawn(app.client.get(&url).bearer_auth(&token).send())).collect();

        for call in calls {
            assert_eq!(call.await.expect("task").expect("answers").status(), 200);
        }
        assert_eq!(hs.counters().await["refreshes"], 1, "one refresh for ten concurrent uses");
    }

    async fn a_revoked_refresh_token_marks_the_credential_invalid(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let project = hs.project.id.to_string();
        let ann = &app.store.user_credentials(pid(&project), &id("ann")).await.expect("read")[0];
        let refresh = app
            .master_keys()
            .open_string(ann.refresh_token.as_deref().expect("refresh"), UserBinding { project: &project, user: "ann", row: ann.id.as_str(), column: "refresh_token" })
            .expect("opens");
        let revoked = hs
            .browser
            .post(format!("{}/oauth/v3/token/revoke", hs.sandbox.base_url()))
            .form(&[("client_id", crate::connect_support::CLIENT_ID), ("client_secret", CLIENT_SECRET), ("token", refresh.as_str())])
            .send()
            .await
            .expect("answers");
        assert!(revoked.status().is_success());
        hs.knob(Method::POST, &format!("/accounts/{HUB}/expire-tokens")).await;

        let used = hs.proxy(&app, "ann", "crm/v3/objects/contacts").await;

        assert_error(used, 409, "CONFLICT").await;
        assert_eq!(me(&app, &hs, "ann").await["integrations"]["hubspot"]["credentialStatus"], "INVALID");
    }

    async fn disconnect_revokes_at_hubspot_and_deletes_the_credential(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;
        let listed: Value = app.get_integrations(hs.project.id, &hs.project.token("ann")).await.json().await.expect("JSON");
        let integration = listed[0]["id"].as_str().expect("id").to_owned();
        let path = format!("/projects/{}/sdk/integrations/{integration}", hs.project.id);

        let deleted = app.client.delete(app.url(&path)).bearer_auth(hs.project.token("ann")).send().await.expect("answers");

        assert_eq!(deleted.status(), 204);
        assert_eq!(hs.counters().await["revocations"], 1);
        assert_eq!(me(&app, &hs, "ann").await["integrations"]["hubspot"]["credentialStatus"], Value::Null);
        let again = app.client.delete(app.url(&path)).bearer_auth(hs.project.token("ann")).send().await.expect("answers");
        assert_error(again, 404, "NOT_FOUND").await;
    }

    async fn the_proxy_wraps_json_in_output_unless_raw_is_asked(app) {
        let hs = hubspot(&app).await;
        hs.connect(&app, "ann", HUB).await;

        let wrapped: Value = hs.proxy(&app, "ann", "crm/v3/objects/contacts").await.json().await.expect("JSON");
        let raw: Value = app
            .client
            .get(app.url(&format!("/projects/{}/sdk/proxy/hubspot/crm/v3/objects/contacts", hs.project.id)))
            .bearer_auth(hs.project.token("ann"))
            .header("X-Paragon-Use-Raw-Response", "1")
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");

        assert!(wrapped["output"]["results"].is_array(), "{wrapped}");
        assert!(raw["results"].is_array(), "{raw}");
        let not_connected = hs.proxy(&app, "bob", "crm/v3/objects/contacts").await;
        assert_error(not_connected, 404, "NOT_FOUND").await;
    }
}
