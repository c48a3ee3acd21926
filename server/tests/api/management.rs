//! The management API: projects (operator key to create, the project's API key after) and
//! signing keys.

use paragon_server::{
    auth::{signing_key, token},
    clock,
};
use reqwest::Method;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_KEY, assert_error, both_backends};

both_backends! {
    async fn the_operator_creates_a_project_and_its_key_manages_it(app) {
        let created = app
            .management(Method::POST, "/projects", OPERATOR_KEY)
            .json(&json!({"name": "Acme", "allowedOrigins": ["https://acme.test/"]}))
            .send()
            .await
            .expect("answers");
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.expect("JSON");
        let (id, key) = (created["project"]["id"].as_str().expect("id"), created["apiKey"].as_str().expect("key"));
        assert_eq!(created["project"]["allowedOrigins"], json!(["https://acme.test"]));
        assert_eq!(created["project"]["maxTokenLifetimeSecs"], 86_400);

        let shown = app.management(Method::GET, &format!("/projects/{id}"), key).send().await.expect("answers");
        assert_eq!(shown.status(), 200);
        assert_eq!(shown.json::<Value>().await.expect("JSON")["name"], "Acme");
    }

    async fn project_creation_needs_the_operator_key(app) {
        for key in ["", "wrong", "prgn_something"] {
            let response = app
                .management(Method::POST, "/projects", key)
                .json(&json!({"name": "x"}))
                .send()
                .await
                .expect("answers");
            assert_error(response, 401, "UNAUTHORIZED").await;
        }
    }

    async fn a_project_key_opens_its_own_project_only(app) {
        let a = app.new_project().await;
        let b = app.new_project().await;

        let own = app.management(Method::GET, &format!("/projects/{}", a.id), &a.api_key).send().await.expect("answers");
        let other = app.management(Method::GET, &format!("/projects/{}", b.id), &a.api_key).send().await.expect("answers");
        let bad = app.management(Method::GET, &format!("/projects/{}", a.id), "prgn_nope").send().await.expect("answers");
        let garbage_id = app.management(Method::GET, "/projects/not-a-uuid", &a.api_key).send().await.expect("answers");

        assert_eq!(own.status(), 200);
        assert_error(other, 401, "UNAUTHORIZED").await;
        assert_error(bad, 401, "UNAUTHORIZED").await;
        assert_error(garbage_id, 401, "UNAUTHORIZED").await;
    }

    async fn a_project_is_updated_and_bad_values_are_422(app) {
        let project = app.new_project().await;
        let path = format!("/projects/{}", project.id);

        let updated = app
            .management(Method::PATCH, &path, &project.api_key)
            .json(&json!({"allowedOrigins": ["http://localhost:3000"], "maxTokenLifetimeSecs": 3600}))
            .send()
            .await
            .expect("answers");
        assert_eq!(updated.status(), 200);
        let updated: Value = updated.json().await.expect("JSON");
        assert_eq!(updated["allowedOrigins"], json!(["http://localhost:3000"]));
        assert_eq!(updated["maxTokenLifetimeSecs"], 3600);

        for body in [
            json!({"allowedOrigins": ["localhost:3000"]}),
            json!({"allowedOrigins": ["http://x.test/path"]}),
            json!({"maxTokenLifetimeSecs": 0}),
            json!({"maxTokenLifetimeSecs": 365 * 86_400}),
            json!({"name": ""}),
        ] {
            let response = app.management(Method::PATCH, &path, &project.api_key).json(&body).send().await.expect("answers");
            assert_error(response, 422, "UNPROCESSABLE").await;
        }
        let wrong_type = app.management(Method::PATCH, &path, &project.api_key).json(&json!({"name": 5})).send().await.expect("answers");
        assert_error(wrong_type, 400, "INVALID_REQUEST").await;
    }

    async fn signing_keys_are_generated_listed_and_revoked_over_the_api(app) {
        let project = app.new_project().await;
        let keys_path = format!("/projects/{}/keys", project.id);

        let created = app.management(Method::POST, &keys_path, &project.api_key).json(&json!({})).send().await.expect("answers");
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.expect("JSON");
        let kid = created["key"]["kid"].as_str().expect("kid").to_owned();
        let pem = created["privateKeyPem"].as_str().expect("the private key, this once").to_owned();
        let request = token::TokenRequest { sub: "u", ttl_secs: 600, kid: Some(&kid), audience: None, now: clock::now_secs() };
        let user_token = token::sign(&pem, &request).expect("sign");
        assert_eq!(app.get_me(project.id, &user_token).await.status(), 200);

        let listed: Value = app.management(Method::GET, &keys_path, &project.api_key).send().await.expect("answers").json().await.expect("JSON");
        let kids: Vec<&str> = listed.as_array().expect("a list").iter().map(|k| k["kid"].as_str().expect("kid")).collect();
        assert!(kids.contains(&kid.as_str()) && kids.len() == 2, "{listed}");
        assert!(listed.to_string().find("PRIVATE").is_none(), "listing never shows private keys");

        let revoked = app.management(Method::DELETE, &format!("{keys_path}/{kid}"), &project.api_key).send().await.expect("answers");
        assert_eq!(revoked.status(), 204);
        assert_eq!(app.get_me(project.id, &user_token).await.status(), 401, "revocation takes effect at once");
        let again = app.management(Method::DELETE, &format!("{keys_path}/{kid}"), &project.api_key).send().await.expect("answers");
        assert_error(again, 404, "NOT_FOUND").await;
    }

    async fn an_apps_own_public_key_can_be_registered_but_never_a_private_one(app) {
        let project = app.new_project().await;
        let keys_path = format!("/projects/{}/keys", project.id);
        let own = signing_key::generate(3072).expect("keygen");
        let public_pem = rsa::PrivateKey::from_pkcs8_pem(&own.private_pem)
            .expect("key")
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");

        let registered = app.management(Method::POST, &keys_path, &project.api_key).json(&json!({"publicKeyPem": public_pem})).send().await.expect("answers");
        assert_eq!(registered.status(), 201);
        let registered: Value = registered.json().await.expect("JSON");
        assert_eq!(registered["key"]["kid"], own.public.kid.as_str());
        assert_eq!(registered["key"]["bits"], 3072);
        assert!(registered["privateKeyPem"].is_null());

        let duplicate = app.management(Method::POST, &keys_path, &project.api_key).json(&json!({"publicKeyPem": public_pem})).send().await.expect("answers");
        assert_error(duplicate, 409, "CONFLICT").await;
        let private = app.management(Method::POST, &keys_path, &project.api_key).json(&json!({"publicKeyPem": own.private_pem})).send().await.expect("answers");
        assert_error(private, 422, "UNPROCESSABLE").await;
        let junk = app.management(Method::POST, &keys_path, &project.api_key).json(&json!({"publicKeyPem": "junk"})).send().await.expect("answers");
        assert_error(junk, 422, "UNPROCESSABLE").await;
    }

    async fn a_public_key_active_in_another_project_is_refused_with_409(app) {
        let first = app.new_project().await;
        let second = app.new_project().await;
        let shared = signing_key::generate(2048).expect("keygen");
        let public_pem = rsa::PrivateKey::from_pkcs8_pem(&shared.private_pem)
            .expect("key")
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let register = |project: &crate::helpers::TestProject| {
            let request = app.management(Method::POST, &format!("/projects/{}/keys", project.id), &project.api_key).json(&json!({"publicKeyPem": public_pem}));
            async move { request.send().await.expect("answers") }
        };
        assert_eq!(register(&first).await.status(), 201);

        let message = assert_error(register(&second).await, 409, "CONFLICT").await;

        assert!(message.contains("another project"), "{message}");
        let token = token::sign(&shared.private_pem, &token::TokenRequest { sub: "u", ttl_secs: 600, kid: Some(shared.public.kid.as_str()), audience: None, now: clock::now_secs() }).expect("sign");
        assert_eq!(app.get_me(first.id, &token).await.status(), 200, "the first project keeps its key");
        assert_eq!(app.get_me(second.id, &token).await.status(), 401, "the second never accepts it");

        // Once the first project revokes it, the key is free for another project.
        let kid = shared.public.kid.as_str();
        let revoked = app.management(Method::DELETE, &format!("/projects/{}/keys/{kid}", first.id), &first.api_key).send().await.expect("answers");
        assert_eq!(revoked.status(), 204);
        assert_eq!(register(&second).await.status(), 201);
        assert_eq!(app.get_me(second.id, &token).await.status(), 200);
        assert_eq!(app.get_me(first.id, &token).await.status(), 401);
    }
}
