//! `GET`/`PATCH /projects/{pid}/sdk/me` and `GET /projects/{pid}/sdk/integrations`.

use serde_json::{Value, json};

use crate::helpers::{assert_error, both_backends};

both_backends! {
    async fn me_has_the_shape_of_paragons_sdk(app) {
        let project = app.new_project().await;

        let response = app.get_me(project.id, &project.token("user-42")).await;

        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["userId"], "user-42");
        assert_eq!(body["integrations"], json!({}));
        assert_eq!(body["meta"], json!({}));
        assert_eq!(body["project"]["id"], project.id.to_string());
        assert!(body["project"]["accessibleFeatures"].is_array());
    }

    async fn the_first_valid_token_creates_the_user_once(app) {
        let project = app.new_project().await;
        let id = paragon_server::ids::UserId::parse("new-user").expect("valid");

        app.get_me(project.id, &project.token("new-user")).await;
        let first = app.store.ensure_user(project.id, &id, 0).await.expect("exists");
        app.get_me(project.id, &project.token("new-user")).await;
        let second = app.store.ensure_user(project.id, &id, 0).await.expect("exists");

        assert_ne!(first.created_at, 0, "created by the request, not by this check");
        assert_eq!(first, second);
    }

    async fn patch_merges_metadata_and_me_shows_it(app) {
        let project = app.new_project().await;
        let token = project.token("u");

        let first = app.patch_me_raw(project.id, &token, json!({"meta": {"Name": "Ann", "plan": "pro"}}).to_string()).await;
        assert_eq!(first.status(), 200);
        let second = app.patch_me_raw(project.id, &token, json!({"meta": {"Email": "ann@acme.test", "plan": null}}).to_string()).await;
        assert_eq!(second.status(), 200);

        let me: Value = app.get_me(project.id, &token).await.json().await.expect("JSON");
        assert_eq!(me["meta"], json!({"Name": "Ann", "Email": "ann@acme.test"}));
    }

    async fn the_same_sub_in_two_projects_is_two_users(app) {
        let a = app.new_project().await;
        let b = app.new_project().await;

        app.patch_me_raw(a.id, &a.token("same"), json!({"meta": {"in": "a"}}).to_string()).await;
        let in_b: Value = app.get_me(b.id, &b.token("same")).await.json().await.expect("JSON");

        assert_eq!(in_b["meta"], json!({}), "project B cannot see project A's user");
    }

    async fn malformed_and_wrongly_typed_bodies_are_400(app) {
        let project = app.new_project().await;
        let token = project.token("u");

        for (name, body) in [
            ("not JSON", "{meta: nope".to_owned()),
            ("truncated JSON", r#"{"meta": {"a": "#.to_owned()),
            ("meta is a string", json!({"meta": "x"}).to_string()),
            ("meta is missing", json!({}).to_string()),
            ("an unknown field", json!({"meta": {}, "userId": "someone-else"}).to_string()),
            ("an array", "[]".to_owned()),
            ("binary", String::from_utf8_lossy(&[0xff, 0xfe, 0x00]).into_owned()),
        ] {
            let response = app.patch_me_raw(project.id, &token, body).await;
            assert_error(response, 400, "INVALID_REQUEST").await;
            let _ = name;
        }

        let no_type = app
            .client
            .patch(app.url(&format!("/projects/{}/sdk/me", project.id)))
            .bearer_auth(&token)
            .body(json!({"meta": {}}).to_string())
            .send()
            .await
            .expect("answers");
        assert_error(no_type, 400, "INVALID_REQUEST").await;
    }

    async fn an_oversized_body_is_413(app) {
        let project = app.new_project().await;
        let big = json!({"meta": {"blob": "x".repeat(paragon_server::http::MAX_BODY_BYTES + 1)}}).to_string();

        let response = app.patch_me_raw(project.id, &project.token("u"), big).await;

        assert_error(response, 413, "PAYLOAD_TOO_LARGE").await;
    }

    async fn integrations_is_an_empty_list_until_integrations_exist(app) {
        let project = app.new_project().await;

        let response = app.get_integrations(project.id, &project.token("u")).await;

        assert_eq!(response.status(), 200);
        assert_eq!(response.json::<Value>().await.expect("JSON"), json!([]));
    }
}
