//! Server-side request forgery through an integration's URLs (issue 12, section 2). A project's
//! admin is a tenant: by default the server calls provider URLs over https and at public
//! addresses only, so neither the end user's access token nor the client secret and refresh
//! token can be sent to loopback, a private network or a cloud metadata address. The sandbox on
//! http://127.0.0.1 is reachable only because the test servers run in demo mode, which implies
//! `--allow-private-provider-urls`; `strict_replica` is a server without it.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    connect_support::{CLIENT_ID, CLIENT_SECRET, HUB, hubspot},
    helpers::{APP_ORIGIN, Backend, assert_error, spawn_app},
};

/// A port on 127.0.0.1 (and ::1 when the host has IPv6) that counts the connections made to
/// it: it stands for the internal service an attacker aims at.
struct Tripwire {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Tripwire {
    async fn start() -> Self {
        let v4 = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let port = v4.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let mut listeners = vec![v4];
        if let Ok(v6) = tokio::net::TcpListener::bind(("::1", port)).await {
            listeners.push(v6);
        }
        for listener in listeners {
            let hits = hits.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    hits.fetch_add(1, Ordering::SeqCst);
                    drop(stream);
                }
            });
        }
        Self { port, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// URLs that reach this machine or a private network without a private-looking scheme.
    fn targets(&self) -> Vec<String> {
        let port = self.port;
        vec![
            format!("https://127.0.0.1:{port}"),
            format!("https://[::1]:{port}"),
            format!("https://[::ffff:127.0.0.1]:{port}"),
            format!("https://localhost:{port}"),
            format!("https://0.0.0.0:{port}"),
            "https://10.0.0.1".to_owned(),
            "https://169.254.169.254/latest/meta-data".to_owned(),
            "https://100.64.0.1".to_owned(),
            "https://[fd00::1]".to_owned(),
        ]
    }
}

#[tokio::test]
async fn non_public_or_plain_http_provider_urls_are_refused_when_saved() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let (strict, _stop) = app.strict_replica().await;
    let project = app.new_project().await;
    let tripwire = Tripwire::start().await;
    let mut urls = tripwire.targets();
    urls.push(format!("http://127.0.0.1:{}", tripwire.port));
    urls.push("http://api.hubapi.com".to_owned());
    urls.push("https://user:password@api.hubapi.com".to_owned());

    for (field, name) in [
        ("authUrl", "authorize URL"),
        ("tokenUrl", "token URL"),
        ("apiBase", "API base"),
    ] {
        for url in &urls {
            let mut body = json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET});
            body[field] = json!(url);
            let response = app
                .client
                .put(format!(
                    "{strict}/projects/{}/integrations/hubspot",
                    project.id
                ))
                .bearer_auth(&project.api_key)
                .json(&body)
                .send()
                .await
                .expect("answers");

            let message = assert_error(response, 422, "UNPROCESSABLE").await;
            assert!(
                message.starts_with(&format!("the {name} ")),
                "{field} {url}: {message}"
            );
        }
    }

    let listed: Vec<Value> = app
        .management(
            Method::GET,
            &format!("/projects/{}/integrations", project.id),
            &project.api_key,
        )
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert!(listed.is_empty(), "nothing was saved: {listed:?}");
    assert_eq!(tripwire.hits(), 0, "nothing was called");
}

#[tokio::test]
async fn urls_saved_under_another_policy_are_refused_at_call_time_and_nothing_reaches_them() {
    // Arrange: Ann is connected through a server that allows the sandbox's http://127.0.0.1.
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let hs = hubspot(&app).await;
    assert_eq!(hs.connect(&app, "ann", HUB).await.status(), 200);
    let (strict, _stop) = app.strict_replica().await;
    let token = hs.project.token("ann");
    let proxy = format!(
        "{strict}/projects/{}/sdk/proxy/hubspot/crm/v3/objects/contacts",
        hs.project.id
    );
    let before = hs.request_count().await;

    // Act and assert: the proxy would send Ann's access token to plain http on loopback.
    let response = app
        .client
        .get(&proxy)
        .bearer_auth(&token)
        .send()
        .await
        .expect("answers");
    let message = assert_error(response, 502, "BAD_GATEWAY").await;
    assert!(message.contains("API base must use https"), "{message}");

    // A refresh would post the client secret and Ann's refresh token there.
    app.execute("UPDATE credentials SET access_expires_at = 0")
        .await;
    let response = app
        .client
        .get(&proxy)
        .bearer_auth(&token)
        .send()
        .await
        .expect("answers");
    let message = assert_error(response, 502, "BAD_GATEWAY").await;
    assert!(message.contains("token URL must use https"), "{message}");

    // `/oauth/start` would send the browser to it.
    let flow = app
        .client
        .post(format!(
            "{strict}/projects/{}/sdk/oauth/flows",
            hs.project.id
        ))
        .bearer_auth(&token)
        .json(&json!({"integration": "hubspot", "origin": APP_ORIGIN}))
        .send()
        .await
        .expect("answers");
    let flow = crate::oauth_popup::NewFlow::from_answer(&flow.json().await.expect("JSON"));
    let start = crate::oauth_popup::post_start(&hs.browser, &flow, APP_ORIGIN).await;
    assert_eq!(start.status(), 400);
    let page = start.text().await.expect("HTML");
    assert!(
        !page.contains("data-to"),
        "the popup is not sent on: {page}"
    );
    // The end user reads plain words; the reason is in the log under the page's reference.
    assert!(page.contains("could not be completed"), "{page}");

    assert_eq!(
        hs.requests_after(before).await,
        Vec::<String>::new(),
        "nothing reached the sandbox"
    );

    // The same over https to addresses of this machine and private networks.
    let tripwire = Tripwire::start().await;
    let mut integration = app
        .store
        .integration_by_provider(hs.project.id, "hubspot")
        .await
        .expect("read")
        .expect("the integration");
    // The proxy's answer when the egress policy refuses the call: a 502 and its message.
    let proxy_refusal = || async {
        let response = app
            .client
            .get(&proxy)
            .bearer_auth(&token)
            .send()
            .await
            .expect("answers");
        assert_error(response, 502, "BAD_GATEWAY").await
    };
    for target in tripwire.targets() {
        integration.api_base = target.clone();
        app.store
            .upsert_integration(&integration)
            .await
            .expect("write");
        app.execute("UPDATE credentials SET access_expires_at = 4102444800000")
            .await;
        let message = proxy_refusal().await;
        assert!(message.contains("API base"), "{target}: {message}");
        assert!(message.contains("public address"), "{target}: {message}");

        integration.token_url = format!("{target}/oauth/v3/token");
        app.store
            .upsert_integration(&integration)
            .await
            .expect("write");
        app.execute("UPDATE credentials SET access_expires_at = 0")
            .await;
        let message = proxy_refusal().await;
        assert!(message.contains("token URL"), "{target}: {message}");
        assert!(message.contains("public address"), "{target}: {message}");
    }
    assert_eq!(tripwire.hits(), 0, "no connection reached this machine");
}
