//! CRM owners v3 and pipelines v3 (the Connect Portal's dynamic dropdowns): paging, the email
//! filter, owners by id, the default pipelines, HubSpot's errors, the owners' scope, and the
//! knob and configuration that set an account's owners. Every success answer is checked
//! against HubSpot's spec.

use hubspot_sandbox::{AccountConfig, OwnerConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{contact_errors::assert_crm_error, helpers::*, openapi::spec};

const OWNERS: &str = "/crm/v3/owners";
const OWNERS_SCOPE: &str = "crm.objects.owners.read";
const SCOPES_WITH_OWNERS: &str =
    "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read";

/// The test configuration with the app also requiring the owners scope.
fn owners_config() -> hubspot_sandbox::SandboxConfig {
    let mut config = config();
    if !config.apps[0].scopes.iter().any(|s| s == OWNERS_SCOPE) {
        config.apps[0].scopes.push(OWNERS_SCOPE.into());
    }
    config
}

/// The contacts scopes alone: an app registered before it asked for owners.
const CONTACTS_ONLY: &str = "oauth crm.objects.contacts.read crm.objects.contacts.write";

/// A sandbox whose app has the owners scope, and an access token of `HUB`.
async fn with_owners_scope(config: hubspot_sandbox::SandboxConfig) -> (TestSandbox, String) {
    let sandbox = spawn_with(config).await;
    let params = with(&authorize_params(), "scope", Some(SCOPES_WITH_OWNERS));
    let code = sandbox.code_with(&params, HUB).await;
    let answer = sandbox
        .token(&pairs(&TestSandbox::exchange_form(&code)))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let tokens: Value = answer.json().await.expect("JSON tokens");
    let access = tokens["access_token"].as_str().expect("a token").to_owned();
    (sandbox, access)
}

async fn get_ok(sandbox: &TestSandbox, path: &str, token: &str) -> Value {
    let answer = sandbox.crm(Method::GET, path, token, None).await;
    assert_eq!(answer.status(), StatusCode::OK, "GET {path}");
    assert_hubspot_json(&answer);
    answer.json().await.expect("a JSON body")
}

fn emails(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|o| o["email"].as_str().expect("an email"))
        .collect()
}

#[tokio::test]
async fn owners_page_with_a_small_limit_and_the_cursor_brings_the_rest() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    let doc = spec("crm-owners-v3.json");

    let first = get_ok(&sandbox, &format!("{OWNERS}?limit=2"), &token).await;
    doc.check(OWNERS, "get", 200, &first);
    assert_eq!(
        emails(&first),
        ["ada@example.com", "grace.hopper@example.com"]
    );
    let installing = &first["results"][0];
    assert_eq!(installing["firstName"], "Ada");
    assert_eq!(installing["lastName"], "");
    assert_eq!(installing["type"], "PERSON");
    assert_eq!(installing["archived"], false);
    let accounts = sandbox.get_json("/_sandbox/accounts").await;
    let account = accounts
        .as_array()
        .and_then(|all| all.iter().find(|a| a["hubId"] == HUB))
        .expect("the account");
    assert_eq!(
        installing["userId"], account["userId"],
        "the installing user's owner is the user the tokens name"
    );
    assert_eq!(installing["userIdIncludingInactive"], account["userId"]);

    let next = &first["paging"]["next"];
    let after = next["after"].as_str().expect("a cursor");
    let link = next["link"].as_str().expect("a link");
    assert_eq!(
        link,
        sandbox.url(&format!("{OWNERS}?after={after}&limit=2"))
    );
    let rest = get_ok(&sandbox, &format!("{OWNERS}?limit=2&after={after}"), &token).await;
    doc.check(OWNERS, "get", 200, &rest);
    assert_eq!(
        emails(&rest),
        ["alan.turing@example.com", "katherine.johnson@example.com"]
    );
    assert!(rest.get("paging").is_none(), "the last page has no paging");
    let teams = &rest["results"][0]["teams"];
    assert_eq!(teams[0]["name"], "Sales");
    assert_eq!(teams[0]["primary"], true);
    assert_eq!(teams[1]["name"], "Support");
    assert_eq!(teams[1]["primary"], false);

    // The default limit (100) takes all four live owners; the trailing-slash form answers too.
    for path in [OWNERS.to_owned(), format!("{OWNERS}/")] {
        let all = get_ok(&sandbox, &path, &token).await;
        assert_eq!(emails(&all).len(), 4, "{path}");
        assert!(all.get("paging").is_none());
    }
    // Every id is a numeric string; the list is in id order.
    let ids: Vec<u64> = get_ok(&sandbox, OWNERS, &token).await["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|o| {
            o["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("a numeric id")
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?} in id order");

    let archived = get_ok(&sandbox, &format!("{OWNERS}?archived=true"), &token).await;
    doc.check(OWNERS, "get", 200, &archived);
    assert_eq!(emails(&archived), ["margaret.hamilton@example.com"]);
    let former = &archived["results"][0];
    assert_eq!(former["archived"], true);
    assert!(
        former.get("userId").is_none(),
        "a deactivated user has no userId"
    );
    assert!(former["userIdIncludingInactive"].is_u64());

    for bad in [
        "limit=0",
        "limit=501",
        "limit=ten",
        "after=xyz",
        "archived=maybe",
    ] {
        let answer = sandbox
            .crm(Method::GET, &format!("{OWNERS}?{bad}"), &token, None)
            .await;
        assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    }
    let most = get_ok(&sandbox, &format!("{OWNERS}?limit=500"), &token).await;
    assert_eq!(emails(&most).len(), 4);
}

#[tokio::test]
async fn the_email_filter_finds_one_owner_case_insensitively() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    let doc = spec("crm-owners-v3.json");

    let found = get_ok(
        &sandbox,
        &format!("{OWNERS}?email=Grace.Hopper%40EXAMPLE.com"),
        &token,
    )
    .await;
    doc.check(OWNERS, "get", 200, &found);
    assert_eq!(emails(&found), ["grace.hopper@example.com"]);
    assert_eq!(found["results"][0]["firstName"], "Grace");
    assert_eq!(found["results"][0]["lastName"], "Hopper");

    let nobody = get_ok(
        &sandbox,
        &format!("{OWNERS}?email=nobody%40example.com"),
        &token,
    )
    .await;
    doc.check(OWNERS, "get", 200, &nobody);
    assert_eq!(nobody, json!({"results": []}));

    // The other account's owners are not this account's.
    let theirs = get_ok(
        &sandbox,
        &format!("{OWNERS}?email=grace%40example.org"),
        &token,
    )
    .await;
    assert_eq!(theirs["results"], json!([]));
}

#[tokio::test]
async fn an_owner_is_read_by_id_or_user_id_and_an_unknown_one_is_not_found() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    let doc = spec("crm-owners-v3.json");
    let one = "/crm/v3/owners/{ownerId}";

    let listed = get_ok(&sandbox, OWNERS, &token).await;
    let alan = listed["results"][2].clone();
    let id = alan["id"].as_str().expect("an id");
    let read = get_ok(&sandbox, &format!("{OWNERS}/{id}"), &token).await;
    doc.check(one, "get", 200, &read);
    assert_eq!(read, alan);
    let user_id = alan["userId"].as_u64().expect("a user id");
    let by_user = get_ok(
        &sandbox,
        &format!("{OWNERS}/{user_id}?idProperty=userId"),
        &token,
    )
    .await;
    assert_eq!(by_user, alan);

    let archived = get_ok(&sandbox, &format!("{OWNERS}?archived=true"), &token).await;
    let former_id = archived["results"][0]["id"].as_str().expect("an id");
    let former = get_ok(
        &sandbox,
        &format!("{OWNERS}/{former_id}?archived=true"),
        &token,
    )
    .await;
    doc.check(one, "get", 200, &former);

    for path in [
        "/99999999".to_owned(),
        "/not-a-number".to_owned(),
        format!("/{former_id}"),
        format!("/{id}?archived=true"),
    ] {
        let answer = sandbox
            .crm(Method::GET, &format!("{OWNERS}{path}"), &token, None)
            .await;
        let body = assert_crm_error(answer, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND").await;
        assert!(body["message"].is_string(), "{path}: {body}");
    }
    let answer = sandbox
        .crm(
            Method::GET,
            &format!("{OWNERS}/{id}?idProperty=email"),
            &token,
            None,
        )
        .await;
    assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn deals_and_tickets_have_hubspots_default_pipelines() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    let doc = spec("crm-pipelines-v3.json");
    let list = "/crm/v3/pipelines/{objectType}";
    let one = "/crm/v3/pipelines/{objectType}/{pipelineId}";
    let stage_ids = |pipeline: &Value| -> Vec<String> {
        pipeline["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .map(|s| s["id"].as_str().expect("an id").to_owned())
            .collect()
    };

    let deals = get_ok(&sandbox, "/crm/v3/pipelines/deals", &token).await;
    doc.check(list, "get", 200, &deals);
    let sales = &deals["results"][0];
    assert_eq!(deals["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(sales["id"], "default");
    assert_eq!(sales["label"], "Sales Pipeline");
    assert_eq!(sales["displayOrder"], 0);
    assert_eq!(
        stage_ids(sales),
        [
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost"
        ]
    );
    assert_eq!(sales["stages"][0]["label"], "Appointment Scheduled");
    assert_eq!(sales["stages"][0]["metadata"]["probability"], "0.2");
    assert_eq!(sales["stages"][5]["metadata"]["isClosed"], "true");
    assert_eq!(sales["stages"][6]["displayOrder"], 6);
    assert_eq!(sales["createdAt"], "1970-01-01T00:00:00.000Z");
    let read = get_ok(&sandbox, "/crm/v3/pipelines/deals/default", &token).await;
    doc.check(one, "get", 200, &read);
    assert_eq!(&read, sales);
    let by_type_id = get_ok(&sandbox, "/crm/v3/pipelines/0-3", &token).await;
    assert_eq!(by_type_id, deals);

    let tickets = get_ok(&sandbox, "/crm/v3/pipelines/tickets", &token).await;
    doc.check(list, "get", 200, &tickets);
    let support = &tickets["results"][0];
    assert_eq!(support["id"], "0");
    assert_eq!(support["label"], "Support Pipeline");
    assert_eq!(stage_ids(support), ["1", "2", "3", "4"]);
    let labels: Vec<&str> = support["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["label"].as_str().expect("a label"))
        .collect();
    assert_eq!(
        labels,
        ["New", "Waiting on contact", "Waiting on us", "Closed"]
    );
    assert_eq!(
        support["stages"][0]["metadata"],
        json!({"ticketState": "OPEN"})
    );
    assert_eq!(
        support["stages"][3]["metadata"],
        json!({"ticketState": "CLOSED"})
    );
    let read = get_ok(&sandbox, "/crm/v3/pipelines/tickets/0", &token).await;
    doc.check(one, "get", 200, &read);
    assert_eq!(&read, support);

    for path in [
        "/crm/v3/pipelines/deals/0",
        "/crm/v3/pipelines/tickets/default",
    ] {
        let answer = sandbox.crm(Method::GET, path, &token, None).await;
        assert_crm_error(answer, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND").await;
    }
}

#[tokio::test]
async fn an_unknown_object_type_is_a_validation_error() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    for path in [
        "/crm/v3/pipelines/widgets",
        "/crm/v3/pipelines/widgets/default",
        "/crm/v3/pipelines/contacts",
    ] {
        let answer = sandbox.crm(Method::GET, path, &token, None).await;
        let body = assert_crm_error(answer, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
        let object_type = path.split('/').nth(4).expect("a type");
        assert_eq!(
            body["message"],
            format!("Unable to infer object type from: {object_type}")
        );
    }
}

#[tokio::test]
async fn a_bad_or_expired_token_is_refused_as_for_contacts() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    for path in [OWNERS, "/crm/v3/owners/1", "/crm/v3/pipelines/deals"] {
        let answer = sandbox.crm(Method::GET, path, "not-a-token", None).await;
        assert_crm_error(answer, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
        let bare = sandbox
            .http
            .get(sandbox.url(path))
            .send()
            .await
            .expect("answers");
        assert_crm_error(bare, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION").await;
    }
    let expired = sandbox
        .http
        .post(sandbox.url(&format!("/_sandbox/accounts/{HUB}/expire-tokens")))
        .send()
        .await
        .expect("the knob answers");
    assert_eq!(expired.status(), StatusCode::OK);
    for path in [OWNERS, "/crm/v3/pipelines/tickets"] {
        let answer = sandbox.crm(Method::GET, path, &token, None).await;
        assert_crm_error(answer, StatusCode::UNAUTHORIZED, "EXPIRED_AUTHENTICATION").await;
    }
}

#[tokio::test]
async fn a_token_with_only_the_contacts_scopes_gets_missing_scopes_for_owners_not_pipelines() {
    let mut config = config();
    config.apps[0].scopes.retain(|s| s != OWNERS_SCOPE);
    let sandbox = spawn_with(config).await;
    let params = with(&authorize_params(), "scope", Some(CONTACTS_ONLY));
    let code = sandbox.code_with(&params, HUB).await;
    let answer = sandbox
        .token(&pairs(&TestSandbox::exchange_form(&code)))
        .await;
    let tokens: Value = answer.json().await.expect("JSON tokens");
    let token = tokens["access_token"].as_str().expect("a token").to_owned();

    for path in [OWNERS, "/crm/v3/owners/50000001"] {
        let answer = sandbox.crm(Method::GET, path, &token, None).await;
        let body = assert_crm_error(answer, StatusCode::FORBIDDEN, "MISSING_SCOPES").await;
        assert_eq!(
            body["errors"][0]["context"]["requiredGranularScopes"],
            json!([OWNERS_SCOPE, "automation"])
        );
    }
    // HubSpot's pipelines spec accepts any of 100 scopes, crm.objects.contacts.read among them.
    let deals = get_ok(&sandbox, "/crm/v3/pipelines/deals", &token).await;
    assert_eq!(deals["results"][0]["id"], "default");
}

#[tokio::test]
async fn owners_and_pipelines_count_log_and_share_the_rate_limit_and_faults() {
    let mut config = owners_config();
    config.rate_limit_max = 3;
    let (sandbox, token) = with_owners_scope(config).await;
    let before = sandbox.counters().await;

    let answer = sandbox.crm(Method::GET, OWNERS, &token, None).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(remaining(&answer), Some("2"));
    let pipelines = "/crm/v3/pipelines/deals";
    assert_eq!(sandbox.get_status(pipelines, &token).await, StatusCode::OK);
    let contacts = "/crm/v3/objects/contacts";
    assert_eq!(sandbox.get_status(contacts, &token).await, StatusCode::OK);
    assert_rate_limited(sandbox.crm(Method::GET, OWNERS, &token, None).await).await;

    assert_eq!(sandbox.crm_counts_since(&before).await, (4, 1));
    let logged = sandbox
        .logged(&["/crm/v3/owners", "/crm/v3/pipelines"])
        .await;
    let expected = [(OWNERS, 200), (pipelines, 200), (OWNERS, 429)];
    assert_eq!(logged, expected.map(|(p, s)| (p.to_owned(), s)));
}

#[tokio::test]
async fn injected_faults_apply_to_owners_and_pipelines() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    let paths = [OWNERS, "/crm/v3/pipelines/tickets"];
    sandbox.assert_faults_apply(&token, &paths).await;
}

#[tokio::test]
async fn the_owners_knob_adds_owners_and_lists_them_all() {
    let (sandbox, token) = with_owners_scope(owners_config()).await;
    let knob = format!("/_sandbox/accounts/{HUB}/owners");

    let added = sandbox
        .post_json(
            &knob,
            json!({"email": "Linus.Torvalds@example.com", "teams": ["Kernel", "Sales"]}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let owner: Value = added.json().await.expect("JSON");
    spec("crm-owners-v3.json").check("/crm/v3/owners/{ownerId}", "get", 200, &owner);
    assert_eq!(owner["email"], "linus.torvalds@example.com");
    assert_eq!(owner["firstName"], "Linus");
    assert_eq!(owner["lastName"], "Torvalds");
    assert_eq!(
        owner["teams"][0],
        json!({"id": owner["teams"][0]["id"], "name": "Kernel", "primary": true})
    );
    let sales_team = get_ok(
        &sandbox,
        &format!("{OWNERS}?email=grace.hopper%40example.com"),
        &token,
    )
    .await["results"][0]["teams"][0]["id"]
        .clone();
    assert_eq!(owner["teams"][1]["id"], sales_team, "one team, one id");

    let named = sandbox
        .post_json(
            &knob,
            json!({"email": "q@example.com", "firstName": "Queue", "lastName": "Bot", "archived": true}),
        )
        .await;
    assert_eq!(named.status(), StatusCode::CREATED);
    let named: Value = named.json().await.expect("JSON");
    assert_eq!(named["firstName"], "Queue");
    assert_eq!(named["archived"], true);

    let live = get_ok(&sandbox, OWNERS, &token).await;
    assert_eq!(emails(&live).last(), Some(&"linus.torvalds@example.com"));
    assert_eq!(emails(&live).len(), 5);
    let all = sandbox.get_json(&knob).await;
    assert_eq!(all.as_array().map(Vec::len), Some(7), "live and archived");

    for (body, status) in [
        (json!({"email": "ADA@example.com"}), StatusCode::CONFLICT),
        (
            json!({"email": "linus.torvalds@example.com"}),
            StatusCode::CONFLICT,
        ),
        (json!({"email": "nope"}), StatusCode::BAD_REQUEST),
        (
            json!({"email": "x@example.com", "team": "typo"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"email": "y@example.com", "teams": [" "]}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let answer = sandbox.post_json(&knob, body.clone()).await;
        assert_eq!(answer.status(), status, "{body}");
    }
    let unknown = sandbox
        .post_json(
            "/_sandbox/accounts/1/owners",
            json!({"email": "z@example.com"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // A reset goes back to the configured owners, with the same ids.
    let ids_before: Vec<Value> = live["results"].as_array().expect("results")[..4].to_vec();
    let reset = sandbox
        .http
        .post(sandbox.url("/_sandbox/reset"))
        .send()
        .await
        .expect("answers");
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let all = sandbox.get_json(&knob).await;
    let ids_after: Vec<&Value> = all
        .as_array()
        .expect("owners")
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids_after.len(), 5);
    let before: Vec<&Value> = ids_before.iter().map(|o| &o["id"]).collect();
    assert_eq!(ids_after[..4], before[..]);
}

#[tokio::test]
async fn configured_owners_replace_or_follow_the_samples() {
    let mut config = owners_config();
    config.accounts[0] = AccountConfig::new(HUB, "ada.lovelace@acme.test")
        .sample_owners(false)
        .owner(
            OwnerConfig::new("charles@acme.test")
                .name("Charles", "Babbage")
                .team("Engines"),
        )
        .owner(OwnerConfig::new("former@acme.test").archived());
    let (sandbox, token) = with_owners_scope(config).await;

    let live = get_ok(&sandbox, OWNERS, &token).await;
    spec("crm-owners-v3.json").check(OWNERS, "get", 200, &live);
    assert_eq!(
        emails(&live),
        ["ada.lovelace@acme.test", "charles@acme.test"]
    );
    assert_eq!(live["results"][0]["firstName"], "Ada");
    assert_eq!(live["results"][0]["lastName"], "Lovelace");
    assert_eq!(live["results"][1]["lastName"], "Babbage");
    assert_eq!(live["results"][1]["teams"][0]["name"], "Engines");
    let archived = get_ok(&sandbox, &format!("{OWNERS}?archived=true"), &token).await;
    assert_eq!(emails(&archived), ["former@acme.test"]);

    // The other configured account keeps the samples, at its own domain.
    let theirs = sandbox
        .get_json(&format!("/_sandbox/accounts/{OTHER_HUB}/owners"))
        .await;
    let theirs: Vec<&str> = theirs
        .as_array()
        .expect("owners")
        .iter()
        .map(|o| o["email"].as_str().expect("an email"))
        .collect();
    assert_eq!(
        theirs,
        [
            "grace@example.org",
            "grace.hopper@example.org",
            "alan.turing@example.org",
            "katherine.johnson@example.org",
            "margaret.hamilton@example.org"
        ]
    );

    // An account added at run time gets its user and the samples too.
    let added = sandbox
        .post_json(
            "/_sandbox/accounts",
            json!({"hubId": 777, "email": "new@startup.test"}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let owners = sandbox.get_json("/_sandbox/accounts/777/owners").await;
    assert_eq!(owners.as_array().map(Vec::len), Some(5));
    assert_eq!(owners[0]["email"], "new@startup.test");
    assert_eq!(owners[0]["firstName"], "New");
}

#[test]
fn a_duplicate_owner_is_refused_at_start() {
    let mut config = owners_config();
    config.accounts[0] =
        AccountConfig::new(HUB, "ada@example.com").owner(OwnerConfig::new("ADA@example.com"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let started = runtime.block_on(hubspot_sandbox::start(config));
    assert!(
        started.is_err(),
        "the installing user cannot be added twice"
    );
}
