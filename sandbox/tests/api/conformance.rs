//! Conformance: every success answer the sandbox gives matches the schema HubSpot's OpenAPI
//! spec declares for that path, method and status (with undeclared fields refused too).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::*,
    openapi::{listed_sums, spec, verified_bytes},
};

async fn json_of(answer: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(answer.status(), status);
    assert_hubspot_json(&answer);
    answer.json().await.expect("a JSON body")
}

#[test]
fn the_fixtures_are_hubspots_published_specs_byte_for_byte() {
    let sums = listed_sums();
    assert_eq!(sums.len(), 8, "SHA256SUMS lists the eight specs");
    for name in sums.keys() {
        verified_bytes(name);
    }
}

#[test]
fn the_schema_check_can_fail() {
    let contacts = spec("crm-contacts-v3.json");
    let path = "/crm/v3/objects/contacts";
    let good = json!({"id": "1", "properties": {}, "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false});
    assert!(contacts.validate(path, "post", 201, &good).is_ok());
    let mut missing = good.clone();
    missing.as_object_mut().map(|o| o.remove("archived"));
    assert!(contacts.validate(path, "post", 201, &missing).is_err());
    let mut invented = good.clone();
    invented["surprise"] = json!(1);
    assert!(contacts.validate(path, "post", 201, &invented).is_err());
    let mut number = good.clone();
    number["properties"] = json!({"email": 5});
    assert!(contacts.validate(path, "post", 201, &number).is_err());
    let mut date = good;
    date["createdAt"] = json!("yesterday");
    assert!(contacts.validate(path, "post", 201, &date).is_err());
    let owners = spec("crm-owners-v3.json");
    let owner = json!({"id": "1", "type": "PERSON", "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false});
    assert!(
        owners
            .validate("/crm/v3/owners/{ownerId}", "get", 200, &owner)
            .is_ok()
    );
    let mut robot = owner.clone();
    robot["type"] = json!("ROBOT");
    assert!(
        owners
            .validate("/crm/v3/owners/{ownerId}", "get", 200, &robot)
            .is_err()
    );
    let mut no_type = owner;
    no_type.as_object_mut().map(|o| o.remove("type"));
    assert!(
        owners
            .validate("/crm/v3/owners", "get", 200, &json!({"results": [no_type]}))
            .is_err()
    );
    let pipelines = spec("crm-pipelines-v3.json");
    let stage = json!({"id": "1", "label": "New", "displayOrder": 0, "metadata": {"probability": 0.2},
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false});
    let pipeline = json!({"id": "0", "label": "P", "displayOrder": 0, "stages": [stage],
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false});
    assert!(
        pipelines
            .validate(
                "/crm/v3/pipelines/{objectType}/{pipelineId}",
                "get",
                200,
                &pipeline
            )
            .is_err(),
        "metadata values are strings"
    );
    let properties = spec("crm-properties-v3.json");
    let one = "/crm/v3/properties/{objectType}/{propertyName}";
    let property = json!({"name": "p", "label": "P", "type": "string", "fieldType": "text",
        "groupName": "contactinformation", "description": "", "options": []});
    assert!(properties.validate(one, "get", 200, &property).is_ok());
    let mut no_options = property.clone();
    no_options.as_object_mut().map(|o| o.remove("options"));
    assert!(
        properties.validate(one, "get", 200, &no_options).is_err(),
        "options is required, even empty"
    );
    let mut bad_option = property.clone();
    bad_option["options"] = json!([{"label": "A", "value": "a"}]);
    assert!(
        properties.validate(one, "get", 200, &bad_option).is_err(),
        "an option needs hidden"
    );
    let mut bad_metadata = property;
    bad_metadata["modificationMetadata"] = json!({"archivable": false, "readOnlyValue": true});
    assert!(
        properties.validate(one, "get", 200, &bad_metadata).is_err(),
        "readOnlyDefinition is required"
    );
    let token = json!({"access_token": "a", "refresh_token": "r", "expires_in": 1800, "token_type": "bearer"});
    let oauth = spec("oauth-v3.json");
    assert!(
        oauth
            .validate("/oauth/v3/token", "post", 200, &token)
            .is_err(),
        "token_use is required"
    );
}

#[tokio::test]
async fn oauth_answers_match_the_v1_v3_and_2026_03_specs() {
    let sandbox = spawn().await;
    let (v1, v3, dated) = (
        spec("oauth-v1.json"),
        spec("oauth-v3.json"),
        spec("oauth-2026-03.json"),
    );

    let code = sandbox.code(HUB).await;
    let form = TestSandbox::exchange_form(&code);
    let tokens = json_of(sandbox.token(&pairs(&form)).await, StatusCode::OK).await;
    v3.check("/oauth/v3/token", "post", 200, &tokens);

    let refresh = |token: &Value| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
            (
                "refresh_token",
                token["refresh_token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
        ]
    };
    let answer = sandbox
        .token_at("/oauth/v1/token", &pairs(&refresh(&tokens)))
        .await;
    let tokens = json_of(answer, StatusCode::OK).await;
    v1.check("/oauth/v1/token", "post", 200, &tokens);
    let answer = sandbox
        .token_at("/oauth/2026-03/token", &pairs(&refresh(&tokens)))
        .await;
    let tokens = json_of(answer, StatusCode::OK).await;
    dated.check("/oauth/2026-03/token", "post", 200, &tokens);

    for (kind, hint) in [
        ("access_token", "access_token"),
        ("refresh_token", "refresh_token"),
    ] {
        let token = tokens[kind].as_str().unwrap_or_default();
        let form = [
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("token", token),
            ("token_type_hint", hint),
        ];
        for (doc, path) in [
            (v3, "/oauth/v3/token/introspect"),
            (dated, "/oauth/2026-03/token/introspect"),
        ] {
            let info = json_of(sandbox.token_at(path, &form).await, StatusCode::OK).await;
            assert_eq!(info["active"], true, "{path} {kind}");
            assert_eq!(info["token_use"], kind);
            doc.check(path, "post", 200, &info);
        }
    }

    let access = tokens["access_token"].as_str().unwrap_or_default();
    let answer = sandbox
        .http
        .get(sandbox.url(&format!("/oauth/v1/access-tokens/{access}")))
        .send()
        .await;
    let info = json_of(
        answer.expect("v1 access-token info answers"),
        StatusCode::OK,
    )
    .await;
    v1.check("/oauth/v1/access-tokens/{token}", "get", 200, &info);
    let refresh_token = tokens["refresh_token"].as_str().unwrap_or_default();
    let answer = sandbox
        .http
        .get(sandbox.url(&format!("/oauth/v1/refresh-tokens/{refresh_token}")))
        .send()
        .await;
    let info = json_of(
        answer.expect("v1 refresh-token info answers"),
        StatusCode::OK,
    )
    .await;
    v1.check("/oauth/v1/refresh-tokens/{token}", "get", 200, &info);
}

/// Runs every contacts endpoint under `prefix` and checks each answer against `spec_name`.
async fn check_contacts(prefix: &str, spec_name: &'static str) {
    let doc = spec(spec_name);
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let one = format!("{prefix}/{{contactId}}");
    let call = |method: Method, path: String, body: Option<Value>| {
        let sandbox = &sandbox;
        let token = token.clone();
        async move { sandbox.crm(method, &path, &token, body).await }
    };

    let mut ids = Vec::new();
    for (email, first) in [
        ("ada@example.com", "Ada"),
        ("grace@example.org", "Grace"),
        ("alan@example.net", "Alan"),
    ] {
        let body =
            json!({"properties": {"email": email, "firstname": first, "lifecyclestage": "lead"}});
        let created = json_of(
            call(Method::POST, prefix.into(), Some(body)).await,
            StatusCode::CREATED,
        )
        .await;
        doc.check(prefix, "post", 201, &created);
        ids.push(created["id"].as_str().unwrap_or_default().to_owned());
    }
    let read = json_of(
        call(
            Method::GET,
            format!("{prefix}/{}?properties=email,company", ids[0]),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    doc.check(&one, "get", 200, &read);
    let by_email = json_of(
        call(
            Method::GET,
            format!("{prefix}/grace@example.org?idProperty=email"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    doc.check(&one, "get", 200, &by_email);
    let patch = json!({"properties": {"jobtitle": "Engineer"}});
    let updated = json_of(
        call(
            Method::PATCH,
            format!("{prefix}/{}", ids[0]),
            Some(patch.clone()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    doc.check(&one, "patch", 200, &updated);
    let updated = json_of(
        call(
            Method::PATCH,
            format!("{prefix}/alan@example.net?idProperty=email"),
            Some(patch),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    doc.check(&one, "patch", 200, &updated);

    let page = json_of(
        call(
            Method::GET,
            format!("{prefix}?limit=2&properties=email"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        page["paging"]["next"]["after"].is_string(),
        "two of three leaves a next page"
    );
    doc.check(prefix, "get", 200, &page);

    let search = json!({"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}], "limit": 2});
    let found = json_of(
        call(Method::POST, format!("{prefix}/search"), Some(search)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["total"], 3);
    doc.check(&format!("{prefix}/search"), "post", 200, &found);

    let upsert = format!("{prefix}/batch/upsert");
    let inputs = json!({"inputs": [
        {"idProperty": "email", "id": "ada@example.com", "properties": {"company": "Analytical Engines"}},
        {"idProperty": "email", "id": "new@example.com", "properties": {"firstname": "New"}},
    ]});
    let batch = json_of(
        call(Method::POST, upsert.clone(), Some(inputs)).await,
        StatusCode::OK,
    )
    .await;
    doc.check(&upsert, "post", 200, &batch);
    let inputs = json!({"inputs": [
        {"idProperty": "email", "id": "ada@example.com", "properties": {"company": "AE"}},
        {"idProperty": "email", "id": "bad@example.com", "properties": {"nosuchproperty": "x"}},
    ]});
    let partial = json_of(
        call(Method::POST, upsert.clone(), Some(inputs)).await,
        StatusCode::MULTI_STATUS,
    )
    .await;
    doc.check(&upsert, "post", 207, &partial);
}

#[tokio::test]
async fn contacts_v3_answers_match_the_contacts_v3_spec() {
    check_contacts("/crm/v3/objects/contacts", "crm-contacts-v3.json").await;
}

#[tokio::test]
async fn contacts_2026_03_answers_match_the_contacts_2026_03_spec() {
    check_contacts("/crm/objects/2026-03/contacts", "crm-contacts-2026-03.json").await;
}

#[tokio::test]
async fn owners_and_pipelines_answers_match_their_specs() {
    let mut config = config();
    config.apps[0].scopes.push("crm.objects.owners.read".into());
    let sandbox = spawn_with(config).await;
    let params = with(
        &authorize_params(),
        "scope",
        Some("oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read"),
    );
    let code = sandbox.code_with(&params, HUB).await;
    let form = TestSandbox::exchange_form(&code);
    let tokens = json_of(sandbox.token(&pairs(&form)).await, StatusCode::OK).await;
    let token = tokens["access_token"].as_str().unwrap_or_default();
    let get = |path: String| {
        let sandbox = &sandbox;
        async move {
            let answer = sandbox.crm(Method::GET, &path, token, None).await;
            json_of(answer, StatusCode::OK).await
        }
    };

    let owners = spec("crm-owners-v3.json");
    for query in ["", "?limit=1", "?archived=true", "?email=ada%40example.com"] {
        let page = get(format!("/crm/v3/owners{query}")).await;
        owners.check("/crm/v3/owners", "get", 200, &page);
        let first = page["results"][0]["id"].as_str().unwrap_or_default();
        let archived = query == "?archived=true";
        let one = get(format!("/crm/v3/owners/{first}?archived={archived}")).await;
        owners.check("/crm/v3/owners/{ownerId}", "get", 200, &one);
    }

    let pipelines = spec("crm-pipelines-v3.json");
    for (object, id) in [("deals", "default"), ("tickets", "0")] {
        let all = get(format!("/crm/v3/pipelines/{object}")).await;
        pipelines.check("/crm/v3/pipelines/{objectType}", "get", 200, &all);
        let one = get(format!("/crm/v3/pipelines/{object}/{id}")).await;
        pipelines.check(
            "/crm/v3/pipelines/{objectType}/{pipelineId}",
            "get",
            200,
            &one,
        );
    }
}

#[tokio::test]
async fn properties_answers_match_their_spec() {
    let sandbox = spawn().await;
    let token = sandbox.connect(HUB).await.access;
    let get = |path: String| {
        let sandbox = &sandbox;
        let token = token.clone();
        async move {
            let answer = sandbox.crm(Method::GET, &path, &token, None).await;
            json_of(answer, StatusCode::OK).await
        }
    };

    let properties = spec("crm-properties-v3.json");
    for object in ["contacts", "contact", "0-1"] {
        for query in ["", "?archived=true", "?dataSensitivity=sensitive&locale=en"] {
            let all = get(format!("/crm/v3/properties/{object}{query}")).await;
            properties.check("/crm/v3/properties/{objectType}", "get", 200, &all);
        }
    }
    let all = get("/crm/v3/properties/contacts".into()).await;
    let names: Vec<String> = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(names.len() > 20, "the whole catalogue: {names:?}");
    for name in names {
        let one = get(format!("/crm/v3/properties/contacts/{name}")).await;
        properties.check(
            "/crm/v3/properties/{objectType}/{propertyName}",
            "get",
            200,
            &one,
        );
    }
}
