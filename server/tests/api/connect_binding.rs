//! The connect flow is bound to the browser that started it (RFC 9700 section 4.7, RFC 6749
//! section 10.12): the attacks of an end user who creates a flow with his own token and gets a
//! victim's browser to complete it, and what the public pages tell end users. The sandbox's
//! counters prove that no attack reaches the token endpoint. The browser's part (two browser
//! contexts, third-party cookies blocked) is in tests/connect_binding.test.mjs.

use serde_json::Value;

use crate::{
    connect_support::{HUB, OTHER_HUB, hubspot},
    helpers::{APP_ORIGIN, both_backends, id, pid},
    oauth_popup::{self, browser, post_start},
};

/// No credential for anyone, no token request: what every attack below must leave.
async fn nothing_was_stored(app: &crate::helpers::TestApp, hs: &crate::connect_support::Hubspot) {
    assert_eq!(hs.token_requests().await, 0, "no token request");
    let project = hs.project.id.to_string();
    for user in ["mallory", "victim"] {
        let stored = app
            .store
            .user_credentials(pid(&project), &id(user))
            .await
            .expect("read");
        assert!(stored.is_empty(), "{user} has a credential: {stored:?}");
    }
}

both_backends! {
    async fn a_start_url_opened_as_a_link_in_another_browser_stores_nothing(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "mallory").await;
        let victim = browser();

        let as_link = victim.get(format!("{}?flow={}", flow.start_url, flow.id)).send().await.expect("answers");

        assert_eq!(as_link.status(), 400);
        let page = as_link.text().await.expect("HTML");
        assert!(page.contains("only works when it is opened from the app") && page.contains("Reference: "), "{page}");
        assert!(!page.contains(&flow.id), "the page does not echo the link");
        nothing_was_stored(&app, &hs).await;
    }

    async fn a_start_form_posted_by_another_origins_page_stores_nothing(app) {
        let hs = hubspot(&app).await;
        // Mallory knows his flow's secret; his page auto-posts the form in the victim's browser.
        let flow = hs.create_flow(&app, "mallory").await;
        let victim = browser();

        let from_evil = post_start(&victim, &flow, "http://evil.test").await;
        let without_origin = victim
            .post(&flow.start_url)
            .form(&[("flow", flow.id.as_str()), ("secret", flow.secret.as_str())])
            .send()
            .await
            .expect("answers");

        for refused in [from_evil, without_origin] {
            assert_eq!(refused.status(), 400);
            assert!(refused.headers().get("set-cookie").is_none(), "no binding cookie for a refused start");
            let page = refused.text().await.expect("HTML");
            assert!(!page.contains("data-to"), "the popup is not sent to the provider: {page}");
        }
        nothing_was_stored(&app, &hs).await;
        let state = app.store.flow(&id(&flow.id)).await.expect("read").expect("the flow");
        assert_eq!(state.status, paragon_server::storage::FlowStatus::Failed, "a foreign page's post ends the flow");
        assert_eq!(state.error.as_deref(), Some("The sign-in was started from a page the project does not allow."));
    }

    async fn a_start_form_without_a_usable_origin_tells_the_developer_why(app) {
        let hs = hubspot(&app).await;
        // What a page served with `Referrer-Policy: no-referrer` posts.
        let flow = hs.create_flow(&app, "victim").await;

        let refused = post_start(&hs.browser, &flow, "null").await;

        assert_eq!(refused.status(), 400);
        let state = app.store.flow(&id(&flow.id)).await.expect("read").expect("the flow");
        assert!(state.error.as_deref().is_some_and(|e| e.contains("Referrer-Policy")), "{state:?}");
        nothing_was_stored(&app, &hs).await;
    }

    async fn a_start_form_with_a_wrong_secret_is_refused(app) {
        let hs = hubspot(&app).await;
        let mut flow = hs.create_flow(&app, "victim").await;
        flow.secret = "not-the-secret".into();

        let refused = post_start(&hs.browser, &flow, APP_ORIGIN).await;

        assert_eq!(refused.status(), 400);
        assert!(refused.headers().get("set-cookie").is_none());
        nothing_was_stored(&app, &hs).await;
    }

    async fn an_authorize_url_completed_in_another_browser_stores_nothing(app) {
        let hs = hubspot(&app).await;
        // Mallory starts his own flow in his own browser (or with curl, any Origin he likes),
        // then sends the provider's authorize URL to the victim, who grants with her account.
        let flow = hs.create_flow(&app, "mallory").await;
        let authorize = hs.start(&flow).await;
        let victim = browser();
        let page = victim.get(&authorize).send().await.expect("answers").text().await.expect("HTML");
        let granted = victim
            .post(format!("{}/oauth/authorize", hs.sandbox.base_url()))
            .form(&[("consent_id", oauth_popup::consent_id(&page)), ("hub_id", &OTHER_HUB.to_string()), ("decision", "grant")])
            .send()
            .await
            .expect("answers");
        let callback = oauth_popup::location(&granted);

        let landed = victim.get(&callback).send().await.expect("answers");

        assert_eq!(landed.status(), 400);
        let page = landed.text().await.expect("HTML");
        assert!(page.contains("was not started in this browser"), "{page}");
        nothing_was_stored(&app, &hs).await;
        let me: Value = app.get_me(hs.project.id, &hs.project.token("mallory")).await.json().await.expect("JSON");
        assert_eq!(me["integrations"]["hubspot"]["credentialStatus"], Value::Null, "mallory holds nobody's HubSpot");
    }

    async fn a_callback_with_another_flows_cookie_stores_nothing(app) {
        let hs = hubspot(&app).await;
        // One browser holds the binding of its own flow; it lands on the callback of another
        // flow (whose authorize URL it was sent): that cookie is not this flow's.
        let own = hs.create_flow(&app, "victim").await;
        hs.start(&own).await;
        let foreign = hs.create_flow(&app, "mallory").await;
        let elsewhere = browser();
        let started = post_start(&elsewhere, &foreign, APP_ORIGIN).await;
        let authorize = oauth_popup::authorize_url(&started.text().await.expect("HTML"));
        let callback = hs.consent(&authorize, HUB, true).await;

        let landed = hs.browser.get(&callback).send().await.expect("answers");

        assert_eq!(landed.status(), 400);
        nothing_was_stored(&app, &hs).await;
    }

    async fn a_callback_with_a_forged_binding_cookie_stores_nothing(app) {
        let hs = hubspot(&app).await;
        // A cookie of the right name planted in the victim's browser (what a sibling subdomain
        // could do without the `__Host-` prefix) is not the binding the flow recorded.
        let flow = hs.create_flow(&app, "mallory").await;
        let authorize = hs.start(&flow).await;
        let callback = hs.consent(&authorize, OTHER_HUB, true).await;
        let victim = reqwest::Client::new();

        let landed = victim
            .get(&callback)
            .header("cookie", format!("paragon-flow-{}=planted-by-mallory", flow.id))
            .send()
            .await
            .expect("answers");

        assert_eq!(landed.status(), 400);
        nothing_was_stored(&app, &hs).await;
    }

    async fn the_binding_cookie_is_http_only_and_lax_and_lives_as_long_as_the_flow(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "victim").await;

        let started = post_start(&hs.browser, &flow, APP_ORIGIN).await;

        let cookie = started.headers()["set-cookie"].to_str().expect("ascii").to_owned();
        assert!(cookie.starts_with(&format!("paragon-flow-{}=", flow.id)), "{cookie}");
        for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age="] {
            assert!(cookie.contains(attribute), "{attribute} in {cookie}");
        }
        let max_age: i64 = cookie.split("Max-Age=").nth(1).and_then(|r| r.split(';').next()).and_then(|n| n.parse().ok()).expect("a number");
        assert!((1..=600).contains(&max_age), "{max_age}");
        assert!(!cookie.contains(&flow.secret), "the cookie is not the start secret");
        let page = started.text().await.expect("HTML");
        assert!(page.contains("/oauth/popup.js") && !page.contains(&flow.secret), "{page}");
    }

    async fn a_portal_started_flow_is_accepted_from_the_platforms_own_origin(app) {
        let hs = hubspot(&app).await;
        let flow = hs.create_flow(&app, "victim").await;

        let started = post_start(&hs.browser, &flow, &app.base_url).await;

        assert_eq!(started.status(), 200);
        let authorize = oauth_popup::authorize_url(&started.text().await.expect("HTML"));
        let callback = hs.consent(&authorize, HUB, true).await;
        assert_eq!(hs.browser.get(&callback).send().await.expect("answers").status(), 200);
        assert_eq!(hs.token_requests().await, 1);
    }

    async fn end_users_see_plain_words_and_a_reference_never_the_providers_or_the_platforms_detail(app) {
        let hs = hubspot(&app).await;
        // An attacker-chosen error description, and a provider configuration error.
        let flow = hs.create_flow(&app, "victim").await;
        let authorize = hs.start(&flow).await;
        let state = authorize.split("state=").nth(1).and_then(|r| r.split('&').next()).expect("a state");
        let crafted = format!(
            "{}/oauth/callback?state={state}&error=access_denied&error_description=%3Cb%3ECall%20%2B1-555%3C%2Fb%3E%20BAD_CLIENT_SECRET",
            app.base_url
        );
        let denied = hs.browser.get(&crafted).send().await.expect("answers").text().await.expect("HTML");

        app.execute("UPDATE integrations SET token_url = 'http://127.0.0.1:9/oauth/v3/token'").await;
        let second = hs.create_flow(&app, "victim").await;
        let authorize = hs.start(&second).await;
        let callback = hs.consent(&authorize, HUB, true).await;
        let broken = hs.browser.get(&callback).send().await.expect("answers").text().await.expect("HTML");

        for (page, flow_id) in [(denied, &flow.id), (broken, &second.id)] {
            assert!(page.contains("Reference: "), "{page}");
            let why = app.store.flow(&id(flow_id)).await.expect("read").expect("flow").error.expect("why");
            assert!(why.contains("(reference "), "{why}");
            for internal in ["Call +1-555", "<b>", "BAD_CLIENT_SECRET", "127.0.0.1", "error sending request", "access_denied"] {
                assert!(!page.contains(internal), "{internal:?} on the page: {page}");
                assert!(!why.contains(internal), "{internal:?} in the flow's error: {why}");
            }
        }
    }
}
