//! The Connect Portal page `/ui`: every answer, the page itself and each refusal, carries a
//! Content-Security-Policy, so no path shows the portal (or an error page) unprotected.

use reqwest::Method;

use crate::helpers::{APP_ORIGIN, both_backends};

fn csp(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().expect("ASCII").to_owned())
        .unwrap_or_default()
}

both_backends! {
    async fn the_portal_page_frames_only_for_its_origin(app) {
        let project = app.new_project().await;

        let response = app.client.get(app.url(&format!("/ui?projectId={}&integration=hubspot&origin={APP_ORIGIN}", project.id))).send().await.expect("answers");

        assert_eq!(response.status(), 200);
        let policy = csp(&response);
        assert!(policy.contains("default-src 'none'"), "{policy}");
        assert!(policy.ends_with(&format!("frame-ancestors {APP_ORIGIN}")), "{policy}");
    }

    async fn every_refusal_and_asset_of_ui_carries_a_policy(app) {
        let project = app.new_project().await;
        let pid = project.id;

        for (name, method, path, status) in [
            ("no query", Method::GET, "/ui".to_owned(), 404),
            ("unknown project", Method::GET, format!("/ui?projectId={}&origin={APP_ORIGIN}", paragon_server::ids::ProjectId::new()), 404),
            ("a project id that is no UUID", Method::GET, format!("/ui?projectId=nope&origin={APP_ORIGIN}"), 404),
            ("an origin the project does not allow", Method::GET, format!("/ui?projectId={pid}&origin=http://evil.test"), 403),
            ("an origin that would add a directive", Method::GET, format!("/ui?projectId={pid}&origin={APP_ORIGIN}%3B%20script-src%20*"), 403),
            // A duplicated field fails axum's Query extractor, whose own answer has no headers of ours.
            ("a duplicated parameter", Method::GET, format!("/ui?projectId={pid}&projectId={pid}&origin={APP_ORIGIN}"), 400),
            ("an unknown page under /ui", Method::GET, "/ui/nope.html".to_owned(), 404),
            ("another method", Method::POST, format!("/ui?projectId={pid}&origin={APP_ORIGIN}"), 405),
            ("the script", Method::GET, "/ui/portal.js".to_owned(), 200),
            ("the stylesheet", Method::GET, "/ui/portal.css".to_owned(), 200),
            ("the integration's icon", Method::GET, "/ui/integration.svg".to_owned(), 200),
            ("a provider's icon", Method::GET, "/ui/icons/salesforce.svg".to_owned(), 200),
            ("the icon of no provider", Method::GET, "/ui/icons/nope.svg".to_owned(), 404),
            ("an icon path leaving the folder", Method::GET, "/ui/icons/..%2Fportal.js".to_owned(), 404),
        ] {
            let response = app.client.request(method, app.url(&path)).send().await.expect("answers");

            assert_eq!(response.status(), status, "{name}");
            let policy = csp(&response);
            assert!(policy.contains("default-src 'none'"), "{name}: {policy:?}");
            if status != 200 {
                assert!(policy.contains("frame-ancestors 'none'"), "{name}: {policy:?}");
            }
        }
    }

    async fn the_portal_page_has_no_inline_script_or_style_and_its_icon_is_a_plain_svg(app) {
        let project = app.new_project().await;

        let page = app.client.get(app.url(&format!("/ui?projectId={}&integration=hubspot&origin={APP_ORIGIN}", project.id))).send().await.expect("answers").text().await.expect("HTML");
        let icon = app.client.get(app.url("/ui/icons/hubspot.svg")).send().await.expect("answers");

        // The CSP allows only the platform's own files: anything inline would not run.
        assert!(!page.contains("<style") && !page.contains(" style=") && !page.contains("<script>"), "{page}");
        assert!(page.contains(r#"<img class="logo" src="/ui/icons/hubspot.svg""#), "{page}");
        assert_eq!(icon.headers()["content-type"], "image/svg+xml; charset=utf-8");
        let svg = icon.text().await.expect("SVG");
        assert!(svg.starts_with("<svg") && !svg.contains("<script") && !svg.contains("<style") && !svg.contains("href"), "{svg}");
    }
}
