//! The operator console (`/console`): the session cookie and its expiries, sign-out, the
//! sign-in throttle, CSRF (token and origin), and tenancy, over HTTP against the real server.

use std::time::Duration;

use paragon_server::config::Limits;
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};

use crate::{
    connect_support::{HUB, hubspot},
    engine_support::guide_payload,
    helpers::{Backend, OPERATOR_KEY, TestApp, both_backends, spawn_app_with_limits},
};

/// A browser of the console: follows no redirect, and keeps its cookie by hand so that the
/// test sees every `Set-Cookie`.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn sign_in(app: &TestApp, key: &str) -> reqwest::Response {
    browser()
        .post(app.url("/console/sign-in"))
        .header(header::ORIGIN, &app.base_url)
        .form(&[("key", key)])
        .send()
        .await
        .expect("answers")
}

/// `name=value` of the session cookie that a successful sign-in set.
async fn session(app: &TestApp, key: &str) -> String {
    let response = sign_in(app, key).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = set_cookie(&response);
    set.split(';').next().expect("name=value").to_owned()
}

fn set_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::SET_COOKIE)
        .expect("a Set-Cookie")
        .to_str()
        .expect("ASCII")
        .to_owned()
}

async fn get(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    browser()
        .get(app.url(path))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .expect("answers")
}

async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    csrf: Option<&str>,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut request = browser()
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .form(&csrf.map(|token| vec![("csrf", token)]).unwrap_or_default());
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.send().await.expect("answers")
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The CSRF token in a page's forms.
async fn csrf_of(response: reqwest::Response) -> String {
    let html = response.text().await.expect("a page");
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with the token")
        + r#"name="csrf" value=""#.len();
    html[start..]
        .split('"')
        .next()
        .expect("the value")
        .to_owned()
}

async fn stored_session(app: &TestApp, cookie: &str) -> bool {
    let id = cookie.split_once('=').expect("name=value").1;
    app.store
        .console_session(&Sha256::digest(id.as_bytes()))
        .await
        .expect("reads")
        .is_some()
}

both_backends! {
    async fn a_key_is_exchanged_for_a_strict_cookie_session_that_sign_out_ends_everywhere(app) {
        let project = app.new_project().await;

        let response = sign_in(&app, &project.api_key).await;

        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/console");
        let set = set_cookie(&response);
        let attributes: Vec<&str> = set.split(';').map(str::trim).collect();
        let (name, id) = attributes[0].split_once('=').expect("name=value");
        assert_eq!(name, "paragon_console", "no __Host- prefix on http: browsers refuse it without Secure");
        assert!(id.len() >= 43, "at least 256 bits of base64url");
        for expected in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(attributes.contains(&expected), "{expected} in {set}");
        }
        assert!(!attributes.contains(&"Secure"), "plain http: a Secure cookie would never come back");
        assert!(!set.contains(&project.api_key));
        let cookie = attributes[0].to_owned();
        assert!(stored_session(&app, &cookie).await, "stored by its hash");

        for unbuilt in ["/console/overview", "/console/projects/x/users", "/console/assets/other.css"] {
            assert_eq!(get(&app, &cookie, unbuilt).await.status(), StatusCode::NOT_FOUND, "{unbuilt}");
        }
        let home = get(&app, &cookie, "/console").await;
        assert_eq!(location(&home), format!("/console/projects/{}/runs", project.id));
        let runs = get(&app, &cookie, &location(&home)).await;
        assert_eq!(runs.status(), StatusCode::OK);
        let csp = runs.headers().get(header::CONTENT_SECURITY_POLICY).expect("a CSP").to_str().expect("ASCII").to_owned();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(runs.headers().get(header::CACHE_CONTROL).expect("no-store"), "no-store");
        let token = csrf_of(runs).await;

        let without_token = post(&app, &cookie, "/console/sign-out", None, Some(&app.base_url)).await;
        assert_eq!(without_token.status(), StatusCode::FORBIDDEN);
        assert!(stored_session(&app, &cookie).await, "a sign-out without the token ends nothing");

        let out = post(&app, &cookie, "/console/sign-out", Some(&token), Some(&app.base_url)).await;
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        assert!(set_cookie(&out).contains("Max-Age=0"));
        assert!(!stored_session(&app, &cookie).await, "deleted server-side");
        let after = get(&app, &cookie, &format!("/console/projects/{}/runs", project.id)).await;
        assert_eq!(after.status(), StatusCode::SEE_OTHER, "the old cookie no longer works");
        assert_eq!(location(&after), "/console/sign-in");
    }

    async fn sessions_end_after_idle_time_and_at_their_absolute_end(app) {
        let project = app.new_project().await;
        let runs = format!("/console/projects/{}/runs", project.id);

        let idle = session(&app, &project.api_key).await;
        assert_eq!(get(&app, &idle, &runs).await.status(), StatusCode::OK);
        // 30 minutes and a millisecond without a request.
        app.execute("UPDATE console_sessions SET last_seen_ms = last_seen_ms - 1800001").await;
        let idle_answer = get(&app, &idle, &runs).await;
        assert_eq!(location(&idle_answer), "/console/sign-in");
        assert!(!stored_session(&app, &idle).await, "an expired session is deleted");

        let busy = session(&app, &project.api_key).await;
        // Used a minute ago, but signed in 12 hours ago.
        app.execute("UPDATE console_sessions SET created_ms = created_ms - 43200000, expires_ms = expires_ms - 43200000").await;
        let busy_answer = get(&app, &busy, &runs).await;
        assert_eq!(location(&busy_answer), "/console/sign-in");
    }

    async fn a_project_session_sees_only_its_project_and_the_operator_sees_all(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.enable(&app, "ann", &workflow).await;
        hs.trigger(&app, "ann", &guide_payload(1), None).await;
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        let run_id = runs[0]["id"].as_str().expect("a run id").to_owned();
        let other = app.new_project().await;
        let theirs = session(&app, &other.api_key).await;
        let ours = session(&app, &hs.project.api_key).await;

        let own_run = get(&app, &ours, &format!("/console/projects/{}/runs/{run_id}", hs.project.id)).await;
        let foreign_project = get(&app, &theirs, &format!("/console/projects/{}/runs", hs.project.id)).await;
        let foreign_run = get(&app, &theirs, &format!("/console/projects/{}/runs/{run_id}", hs.project.id)).await;
        let guessed_run = get(&app, &theirs, &format!("/console/projects/{}/runs/{run_id}", other.id)).await;
        let their_page = get(&app, &theirs, &format!("/console/projects/{}/runs", other.id)).await;
        let token = csrf_of(their_page).await;
        let guessed_replay = post(&app, &theirs, &format!("/console/projects/{}/runs/{run_id}/replay", other.id), Some(&token), Some(&app.base_url)).await;

        assert_eq!(own_run.status(), StatusCode::OK);
        let html = own_run.text().await.expect("a page");
        assert!(html.contains("Contact Created") && html.contains("Replay"), "the trigger and the button");
        assert_eq!(foreign_project.status(), StatusCode::NOT_FOUND);
        assert_eq!(foreign_run.status(), StatusCode::NOT_FOUND);
        assert_eq!(guessed_run.status(), StatusCode::NOT_FOUND);
        assert_eq!(guessed_replay.status(), StatusCode::NOT_FOUND);
        assert_eq!(hs.executions(&app).await.len(), 1, "no replay happened");

        let operator = session(&app, OPERATOR_KEY).await;
        let list = get(&app, &operator, "/console").await.text().await.expect("a page");
        assert!(list.contains(&hs.project.id.to_string()) && list.contains(&other.id.to_string()));
        let run_page = get(&app, &operator, &format!("/console/projects/{}/runs", hs.project.id)).await;
        assert!(run_page.text().await.expect("a page").contains(&run_id));
        let runs_of = |query: &str| format!("/console/projects/{}/runs?{query}", hs.project.id);
        let since_long_ago = get(&app, &operator, &runs_of("since=2000-01-01T00:00")).await.text().await.expect("a page");
        let until_long_ago = get(&app, &operator, &runs_of("until=2000-01-01T00:00")).await.text().await.expect("a page");
        let failed_only = get(&app, &operator, &runs_of("status=failed")).await.text().await.expect("a page");
        let bad_time = get(&app, &operator, &runs_of("since=yesterday")).await;
        assert!(since_long_ago.contains(&run_id));
        assert!(!until_long_ago.contains(&run_id) && until_long_ago.contains("No run matches."));
        assert!(!failed_only.contains(&run_id), "the run succeeded");
        assert_eq!(bad_time.status(), StatusCode::BAD_REQUEST);
    }

    async fn a_replay_needs_the_sessions_token_and_the_consoles_origin(app) {
        let hs = hubspot(&app).await;
        let workflow = hs.deploy_guide(&app).await;
        hs.connect(&app, "ann", HUB).await;
        hs.enable(&app, "ann", &workflow).await;
        hs.trigger(&app, "ann", &guide_payload(1), None).await;
        let runs = hs.finished_runs(&app, 1, Duration::from_secs(30)).await;
        let run_id = runs[0]["id"].as_str().expect("a run id").to_owned();
        let cookie = session(&app, &hs.project.api_key).await;
        let page = format!("/console/projects/{}/runs/{run_id}", hs.project.id);
        let token = csrf_of(get(&app, &cookie, &page).await).await;
        let replay = format!("{page}/replay");

        let missing = post(&app, &cookie, &replay, None, Some(&app.base_url)).await;
        let wrong = post(&app, &cookie, &replay, Some("not-the-token"), Some(&app.base_url)).await;
        let cross_origin = post(&app, &cookie, &replay, Some(&token), Some("https://evil.example")).await;
        let no_origin = post(&app, &cookie, &replay, Some(&token), None).await;
        let cross_site = browser()
            .post(app.url(&replay))
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, &app.base_url)
            .header("sec-fetch-site", "cross-site")
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .expect("answers");
        let forged_sign_in = browser()
            .post(app.url("/console/sign-in"))
            .header(header::ORIGIN, "https://evil.example")
            .form(&[("key", hs.project.api_key.as_str())])
            .send()
            .await
            .expect("answers");

        for (what, response) in [("missing", missing), ("wrong", wrong), ("cross-origin", cross_origin), ("no origin", no_origin), ("cross-site", cross_site)] {
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
        }
        assert_eq!(forged_sign_in.status(), StatusCode::FORBIDDEN);
        assert!(forged_sign_in.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(hs.executions(&app).await.len(), 1, "nothing was replayed");

        let replayed = post(&app, &cookie, &replay, Some(&token), Some(&app.base_url)).await;
        assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
        let new_page = location(&replayed);
        assert!(new_page.starts_with(&format!("/console/projects/{}/runs/", hs.project.id)));
        assert_ne!(new_page, page);
        let runs = hs.finished_runs(&app, 2, Duration::from_secs(30)).await;
        assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
        assert_eq!(get(&app, &cookie, &new_page).await.status(), StatusCode::OK);

        // Paged with the API's cursor: after the newest run, only the older one.
        let api_page: serde_json::Value = app
            .management(reqwest::Method::GET, &format!("/projects/{}/task-history/workflow-executions?limit=1", hs.project.id), &hs.project.api_key)
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        let newest = api_page["data"][0]["id"].as_str().expect("an id").to_owned();
        let cursor = api_page["nextCursor"].as_str().expect("a cursor").to_owned();
        let older = get(&app, &cookie, &format!("/console/projects/{}/runs?cursor={cursor}", hs.project.id)).await.text().await.expect("a page");
        let older_id = runs.iter().map(|r| r["id"].as_str().expect("an id")).find(|id| *id != newest).expect("the other run");
        assert!(older.contains(older_id) && !older.contains(&newest), "{older}");
    }
}

/// SQLite only: the throttle is per process and reads no storage.
#[tokio::test]
async fn wrong_keys_are_refused_and_then_throttled() {
    let limits = Limits {
        auth_failures_per_minute: 3,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(Backend::Sqlite, 0, limits)
        .await
        .expect("SQLite always runs");
    let project = app.new_project().await;

    for n in 0..3 {
        let wrong = sign_in(&app, &format!("prgn_wrong-{n}")).await;
        assert_eq!(
            wrong.status(),
            StatusCode::UNAUTHORIZED,
            "failure {n} is checked"
        );
        assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    }
    let throttled = sign_in(&app, "prgn_wrong-3").await;
    let right_but_new = sign_in(&app, &project.api_key).await;

    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().get(header::RETRY_AFTER).is_some());
    assert_eq!(
        right_but_new.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a key never accepted from here waits out the minute too"
    );
}

/// A second sign-in from the same browser replaces its session: the first is deleted.
#[tokio::test]
async fn signing_in_again_replaces_the_browsers_previous_session() {
    let app = crate::helpers::spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let project = app.new_project().await;
    let first = session(&app, &project.api_key).await;

    let again = browser()
        .post(app.url("/console/sign-in"))
        .header(header::ORIGIN, &app.base_url)
        .header(header::COOKIE, &first)
        .form(&[("key", project.api_key.as_str())])
        .send()
        .await
        .expect("answers");

    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let second = set_cookie(&again);
    let second = second.split(';').next().expect("name=value");
    assert_ne!(second, first, "a new id at every sign-in");
    assert!(
        !stored_session(&app, &first).await,
        "the previous session is gone"
    );
    assert!(stored_session(&app, second).await);
}

both_backends! {
    async fn housekeeping_deletes_sessions_that_expired_and_were_never_presented_again(app) {
        let project = app.new_project().await;
        let idle = session(&app, &project.api_key).await;
        // Idle past its limit (and never presented again, so never deleted on a request).
        app.execute("UPDATE console_sessions SET last_seen_ms = last_seen_ms - 1800001").await;
        let live = session(&app, &project.api_key).await;

        let swept = paragon_server::housekeeping::sweep(
            &app.store,
            &Default::default(),
            paragon_server::clock::now_ms(),
        )
        .await
        .expect("sweep");

        assert_eq!(swept.console_sessions, 1, "{swept:?}");
        assert!(!stored_session(&app, &idle).await);
        assert!(stored_session(&app, &live).await);
    }
}

/// Under an https public URL the cookie is `__Host-` prefixed and `Secure`, and the public URL's
/// origin is the console's own (a reverse proxy in front of the server).
#[tokio::test]
async fn under_https_the_cookie_is_host_prefixed_and_secure() {
    let app =
        crate::helpers::spawn_app_configured(Backend::Sqlite, 0, Limits::default(), |config| {
            config.public.url = Some("https://paragon.example".to_owned());
        })
        .await
        .expect("SQLite always runs");
    let project = app.new_project().await;

    let response = browser()
        .post(app.url("/console/sign-in"))
        .header(header::ORIGIN, "https://paragon.example")
        .form(&[("key", project.api_key.as_str())])
        .send()
        .await
        .expect("answers");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = set_cookie(&response);
    let attributes: Vec<&str> = set.split(';').map(str::trim).collect();
    assert!(
        attributes[0].starts_with("__Host-paragon_console="),
        "{set}"
    );
    for expected in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attributes.contains(&expected), "{expected} in {set}");
    }
    assert!(!set.contains("Domain"), "host-only, as the prefix requires");
}
