//! The portal's theme: `/ui/theme.css` from the project's `appearance.yaml` and the `theme` of
//! the portal's address, the refusals of an unknown theme or project, the page's link to the
//! stylesheet, and the accent in Paragon's `accentColor`.

use std::path::Path;

use serde_json::Value;

use crate::{
    connect_support::hubspot,
    engine_support::GUIDE,
    helpers::{APP_ORIGIN, TestApp},
};

/// Deploys the guide with `appearance` as its `appearance.yaml`.
async fn deploy_with_appearance(
    app: &TestApp,
    project: paragon_server::ids::ProjectId,
    appearance: &str,
) {
    let dir = tempfile::tempdir().expect("a folder");
    for sub in ["events", "integrations", "workflows"] {
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).expect("a folder");
        for entry in std::fs::read_dir(Path::new(GUIDE).join(sub)).expect("the guide") {
            let entry = entry.expect("a file");
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
        }
    }
    std::fs::write(dir.path().join("appearance.yaml"), appearance).expect("written");
    paragon_server::deploy::deploy_dir(&app.store, project, dir.path())
        .await
        .expect("deploys");
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("answers")
}

async fn stylesheet(app: &TestApp, query: &str) -> String {
    let response = get(app, &format!("/ui/theme.css?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.text().await.expect("CSS")
}

crate::helpers::both_backends! {
    async fn the_stylesheet_is_uncached_css_in_the_platforms_own_look_before_any_deploy(app) {
        let project = app.new_project().await;

        let response = get(&app, &format!("/ui/theme.css?projectId={}", project.id)).await;

        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/css; charset=utf-8");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let policy = response.headers()["content-security-policy"].to_str().expect("ASCII").to_owned();
        assert!(policy.contains("default-src 'none'"), "{policy}");
        let css = response.text().await.expect("CSS");
        // No deploy yet: the platform's own look, light.
        assert!(css.contains("  --accent: #1f5fd1;\n") && css.contains("  --surface: #ffffff;\n"), "{css}");
        assert!(!css.contains("@media"), "{css}");
    }

    async fn the_projects_appearance_is_the_default_and_the_address_can_ask_for_another_theme(app) {
        let project = app.new_project().await;
        let pid = project.id;
        deploy_with_appearance(&app, pid, "accent: \"#4A154B\"\ntheme: dark\nfont: \"'Inter', sans-serif\"\nradius: 14\n").await;

        let own = stylesheet(&app, &format!("projectId={pid}")).await;
        let light = stylesheet(&app, &format!("projectId={pid}&theme=light")).await;
        let auto = stylesheet(&app, &format!("projectId={pid}&theme=auto")).await;

        assert!(own.contains("  --surface: #171a21;\n") && own.contains("  --scheme: dark;\n"), "{own}");
        assert!(own.contains("  --font: 'Inter', sans-serif;\n") && own.contains("  --radius: 14px;\n"), "{own}");
        assert!(light.contains("  --surface: #ffffff;\n") && light.contains("  --accent: #4a154b;\n"), "{light}");
        assert!(!light.contains("#171a21"), "{light}");
        assert!(auto.contains("@media (prefers-color-scheme: dark) {\n  :root {\n    --scheme: dark;"), "{auto}");
    }

    async fn an_unknown_theme_is_a_400_that_names_the_choices_and_an_unknown_project_a_404(app) {
        let project = app.new_project().await;
        let pid = project.id;
        let unknown = paragon_server::ids::ProjectId::new();

        let theme = "Unknown theme: use light, dark or auto, or leave `theme` out for the project&#39;s own.";
        for (path, status, words) in [
            (format!("/ui/theme.css?projectId={pid}&theme=night"), 400, theme),
            (format!("/ui/theme.css?projectId={pid}&theme="), 400, theme),
            (format!("/ui?projectId={pid}&integration=hubspot&origin={APP_ORIGIN}&theme=Dark"), 400, theme),
            (format!("/ui/theme.css?projectId={pid}&theme=dark&theme=light"), 400, "malformed"),
            (format!("/ui/theme.css?projectId={unknown}"), 404, "No such project."),
            ("/ui/theme.css?projectId=nope".to_owned(), 404, "No such project."),
            ("/ui/theme.css".to_owned(), 404, "No such project."),
        ] {
            let response = get(&app, &path).await;

            assert_eq!(response.status(), status, "{path}");
            let policy = response.headers()["content-security-policy"].to_str().expect("ASCII").to_owned();
            assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
            let text = response.text().await.expect("HTML");
            assert!(text.contains(words), "{path}: {text}");
        }
    }

    async fn the_portal_links_the_stylesheet_after_its_own_with_the_theme_it_was_asked_for(app) {
        let project = app.new_project().await;
        let page = |theme: &'static str| {
            let url = app.url(&format!("/ui?projectId={}&integration=hubspot&origin={APP_ORIGIN}{theme}", project.id));
            let client = app.client.clone();
            async move { client.get(url).send().await.expect("answers").text().await.expect("HTML") }
        };

        let dark = page("&theme=dark").await;
        let own = page("").await;

        let link = format!(r#"<link rel="stylesheet" href="/ui/theme.css?projectId={}&amp;theme=dark">"#, project.id);
        assert!(dark.contains(&link), "{dark}");
        assert!(dark.find("/ui/portal.css") < dark.find("/ui/theme.css"), "the theme comes last: {dark}");
        let link = format!(r#"<link rel="stylesheet" href="/ui/theme.css?projectId={}">"#, project.id);
        assert!(own.contains(&link), "{own}");
    }

    async fn the_sdks_integrations_carry_the_accent_as_paragons_accent_color_only_when_set(app) {
        let hs = hubspot(&app).await;
        let token = hs.project.token("ann");
        let listed = || async {
            let value: Value = app.get_integrations(hs.project.id, &token).await.json().await.expect("JSON");
            value[0]["configs"][0]["values"].clone()
        };
        deploy_with_appearance(&app, hs.project.id, "theme: auto\n").await;
        let without = listed().await;

        deploy_with_appearance(&app, hs.project.id, "accent: \"#4A154B\"\n").await;
        let with = listed().await;

        assert!(without.get("accentColor").is_none(), "{without}");
        assert_eq!(with["accentColor"], "#4a154b", "{with}");
    }
}
