use crate::helpers::{APP_ORIGIN, both_backends};

fn has_allow_origin(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().expect("ascii").to_owned())
}

both_backends! {
    async fn a_preflight_from_the_projects_origin_is_allowed_on_its_sdk_api(app) {
        let project = app.new_project().await;

        for path in [format!("/projects/{}/sdk/me", project.id), format!("/v2/projects/{}/sdk/events/trigger", project.id)] {
            let response = app.preflight(&path, APP_ORIGIN).await;

            assert!(response.status().is_success());
            assert_eq!(has_allow_origin(&response).as_deref(), Some(APP_ORIGIN), "{path}");
            let allowed = response.headers()["access-control-allow-headers"].to_str().expect("ascii").to_owned();
            assert!(allowed.contains("authorization"), "Authorization may be sent: {allowed}");
            assert!(response.headers().contains_key("access-control-max-age"), "preflights are cached");
        }
    }

    async fn a_preflight_from_any_other_origin_gets_no_allow_origin(app) {
        let project = app.new_project().await;
        let path = format!("/projects/{}/sdk/me", project.id);

        for origin in ["http://evil.test", "http://app.test:3001", "https://app.test:3000", "null", "http://app.test:3000.evil.test"] {
            let response = app.preflight(&path, origin).await;
            assert_eq!(has_allow_origin(&response), None, "{origin} must not be allowed");
        }
    }

    async fn a_page_of_the_projects_origin_can_read_retry_after(app) {
        let project = app.new_project().await;

        let response = app
            .client
            .get(app.url(&format!("/projects/{}/sdk/me", project.id)))
            .header("Origin", APP_ORIGIN)
            .bearer_auth(project.token("u"))
            .send()
            .await
            .expect("answers");

        assert_eq!(has_allow_origin(&response).as_deref(), Some(APP_ORIGIN));
        let exposed = response.headers()["access-control-expose-headers"].to_str().expect("ascii").to_lowercase();
        assert!(exposed.contains("retry-after"), "{exposed}");
    }

    async fn another_projects_origins_do_not_open_this_project(app) {
        let project = app.new_project().await;
        let other = app.new_project().await;
        paragon_server::admin::update_project(
            &app.store,
            other.id,
            paragon_server::admin::ProjectChanges { origins: Some(vec!["http://other.test".into()]), ..Default::default() },
        )
        .await
        .expect("update");

        let response = app.preflight(&format!("/projects/{}/sdk/me", project.id), "http://other.test").await;

        assert_eq!(has_allow_origin(&response), None);
    }

    async fn the_management_api_answers_no_browser(app) {
        let project = app.new_project().await;

        let response = app.preflight(&format!("/projects/{}/keys", project.id), APP_ORIGIN).await;

        assert_eq!(has_allow_origin(&response), None, "API keys belong on servers");
    }

    async fn healthz_answers_the_servers_configured_origin_only(app) {
        assert_eq!(has_allow_origin(&app.preflight("/healthz", APP_ORIGIN).await).as_deref(), Some(APP_ORIGIN));
        assert_eq!(has_allow_origin(&app.preflight("/healthz", "http://evil.test").await), None);
    }
}
