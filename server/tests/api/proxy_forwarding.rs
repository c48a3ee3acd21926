//! What the proxy passes on to the provider (the sandbox's `/_sandbox/echo` shows what it
//! received): the caller's own headers but never its token, cookies or the platform's
//! instructions; `Content-Type: auto` inferred from the body; and the account's pacing shared
//! with the engine's calls.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    connect_support::{HUB, Hubspot, hubspot},
    engine_support::guide_payload,
    helpers::{TestApp, assert_error, both_backends},
};

async fn connected(app: &TestApp) -> Hubspot {
    let hs = hubspot(app).await;
    assert_eq!(hs.connect(app, "ann", HUB).await.status(), 200);
    hs
}

/// A proxied `POST _sandbox/echo` as ann with `headers` and `body`; the echo's `output`.
async fn echoed(app: &TestApp, hs: &Hubspot, headers: &[(&str, &str)], body: &str) -> Value {
    let mut request = app
        .client
        .post(app.url(&format!(
            "/projects/{}/sdk/proxy/hubspot/_sandbox/echo",
            hs.project.id
        )))
        .bearer_auth(hs.project.token("ann"))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = request.send().await.expect("answers");
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.expect("JSON");
    body["output"].clone()
}

fn values(echo: &Value, name: &str) -> Vec<String> {
    echo["headers"][name]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

both_backends! {
    async fn the_provider_gets_the_callers_headers_but_never_its_token_or_cookies(app) {
        let hs = connected(&app).await;
        let token = hs.project.token("ann");

        let echo = echoed(&app, &hs, &[
            ("X-Custom", "kept"),
            ("Accept", "application/json"),
            ("Cookie", "session=platform-cookie"),
            ("X-Paragon-SDK-Version", "2.4.0"),
            ("X-Paragon-Use-Raw-Response", "0"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("Connection", "x-hop"),
            ("X-Hop", "1"),
        ], "").await;

        assert_eq!(values(&echo, "authorization"), [format!("Bearer <sandbox access token of hub {HUB}>")]);
        let all = echo["headers"].to_string();
        assert!(!all.contains(&token), "the user token never reaches the provider: {all}");
        assert_eq!(values(&echo, "x-custom"), ["kept"]);
        assert_eq!(values(&echo, "accept"), ["application/json"]);
        for name in ["cookie", "x-paragon-sdk-version", "x-paragon-use-raw-response", "x-forwarded-for", "x-hop"] {
            assert!(values(&echo, name).is_empty(), "{name} is not forwarded: {all}");
        }
    }

    async fn a_full_url_in_x_paragon_proxy_url_is_refused_and_nothing_is_sent(app) {
        let hs = connected(&app).await;
        let before = hs.request_count().await;

        let answer = app.client
            .get(app.url(&format!("/projects/{}/sdk/proxy/hubspot/_sandbox/echo", hs.project.id)))
            .bearer_auth(hs.project.token("ann"))
            .header("X-Paragon-Proxy-Url", "https://metadata.internal/latest")
            .send().await.expect("answers");

        let message = assert_error(answer, 400, "INVALID_REQUEST").await;
        assert!(message.contains("X-Paragon-Proxy-Url is not supported"), "{message}");
        assert_eq!(hs.requests_after(before).await, Vec::<String>::new());
    }

    async fn content_type_auto_is_inferred_from_the_body(app) {
        let hs = connected(&app).await;
        let cases = [
            (r#"{"properties":{"email":"a@b.test"}}"#, Some("application/json")),
            ("[1,2]", Some("application/json")),
            ("grant=1&scope=crm%20read", Some("application/x-www-form-urlencoded")),
            ("just words", Some("text/plain; charset=utf-8")),
            ("", None),
        ];

        for (body, expected) in cases {
            let echo = echoed(&app, &hs, &[("Content-Type", "auto")], body).await;

            let got = values(&echo, "content-type");
            assert_eq!(got.first().map(String::as_str), expected, "{body:?}: {echo}");
            assert_eq!(echo["body"], body);
        }
        let own = echoed(&app, &hs, &[("Content-Type", "application/vnd.test+json")], "{}").await;
        assert_eq!(values(&own, "content-type"), ["application/vnd.test+json"], "a caller's own type is kept");
    }

    async fn the_proxy_and_the_engine_share_an_accounts_pacing(app) {
        let hs = connected(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.enable(&app, "ann", &workflow).await;
        let faults = hs.browser
            .post(format!("{}/_sandbox/accounts/{HUB}/faults", hs.sandbox.base_url()))
            .json(&json!({"force429": 1}))
            .send().await.expect("answers");
        assert!(faults.status().is_success());

        // The proxy's call takes the 429 (Retry-After: 1), which pauses the account.
        let limited = hs.proxy(&app, "ann", "crm/v3/objects/contacts").await;
        let paused_at = Instant::now();
        let (status, _) = hs.trigger(&app, "ann", &guide_payload(1), None).await;

        assert_eq!(limited.status(), 429);
        assert_eq!(status, 201);
        while hs.contacts(HUB).await.is_empty() {
            assert!(paused_at.elapsed() < Duration::from_secs(20), "the run's contact arrives");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let created_after = paused_at.elapsed();
        assert!(
            created_after >= Duration::from_millis(900),
            "the engine's call waited out the pause the proxy's call caused ({created_after:?})"
        );
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
        assert_eq!(runs[0]["attempts"], 1, "the step waited, it was not refused and retried: {runs:?}");
    }
}
