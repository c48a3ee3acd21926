//! The Salesforce stand-in: the web server flow with PKCE, non-rotating refresh, revoke,
//! userinfo, and the REST API's records, query, errors and limit header.

use hubspot_sandbox::salesforce::{self, OrgConfig, SalesforceConfig};
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:8080/oauth/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Org {
    _handle: hubspot_sandbox::SandboxHandle,
    base: String,
    http: reqwest::Client,
}

async fn start() -> Org {
    let handle = salesforce::start(SalesforceConfig {
        apps: vec![SalesforceConfig::app("key", "secret", REDIRECT)],
        orgs: vec![OrgConfig::new("ada.lovelace@acme.test")],
        ..SalesforceConfig::default()
    })
    .await
    .expect("the stand-in starts");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    Org {
        base: handle.base_url(),
        _handle: handle,
        http,
    }
}

impl Org {
    /// Authorize with PKCE, grant on the consent page, answer the code.
    async fn code(&self) -> String {
        let page = self
            .http
            .get(format!(
                "{}/services/oauth2/authorize?response_type=code&client_id=key&redirect_uri={REDIRECT}&state=s1&code_challenge={CHALLENGE}",
                self.base
            ))
            .send()
            .await
            .expect("authorize")
            .text()
            .await
            .expect("page");
        let consent_id = page
            .split("name=\"consent_id\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("consent id");
        let org_id = page
            .split("<option value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("an org");
        let answer = self
            .http
            .post(format!("{}/services/oauth2/authorize", self.base))
            .form(&[
                ("consent_id", consent_id),
                ("org_id", org_id),
                ("decision", "grant"),
            ])
            .send()
            .await
            .expect("consent");
        let location = answer.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        assert!(
            location.starts_with(REDIRECT) && location.ends_with("&state=s1"),
            "{location}"
        );
        location
            .split("code=")
            .nth(1)
            .and_then(|r| r.split('&').next())
            .expect("code")
            .to_owned()
    }

    async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let answer = self
            .http
            .post(format!("{}/services/oauth2/token", self.base))
            .form(form)
            .send()
            .await
            .expect("token");
        (answer.status().as_u16(), answer.json().await.expect("json"))
    }

    async fn connect(&self) -> Value {
        let code = self.code().await;
        let (status, body) = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", "key"),
                ("client_secret", "secret"),
                ("redirect_uri", REDIRECT),
                ("code", &code),
                ("code_verifier", VERIFIER),
            ])
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn rest(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Option<String>, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/services/data/v60.0/{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("rest");
        let limit = answer
            .headers()
            .get("sforce-limit-info")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = answer.status().as_u16();
        let text = answer.text().await.expect("body");
        (
            status,
            limit,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn the_code_exchange_answers_salesforces_token_fields() {
    let org = start().await;
    let token = org.connect().await;
    for field in [
        "access_token",
        "refresh_token",
        "instance_url",
        "id",
        "issued_at",
        "signature",
        "scope",
    ] {
        assert!(token[field].is_string(), "{field} in {token}");
    }
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["instance_url"], json!(org.base));
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused_and_the_code_is_single_use() {
    let org = start().await;
    let code = org.code().await;
    let form = |verifier| {
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", "key"),
            ("client_secret", "secret"),
            ("redirect_uri", REDIRECT),
            ("code", code.as_str()),
            ("code_verifier", verifier),
        ]
    };
    let wrong = "x".repeat(43);
    let (status, body) = org.token(&form(wrong.as_str())).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = org.token(&form(VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn refresh_does_not_rotate_and_revoke_ends_the_grant() {
    let org = start().await;
    let first = org.connect().await;
    let refresh = first["refresh_token"].as_str().expect("refresh token");
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "key"),
        ("client_secret", "secret"),
        ("refresh_token", refresh),
    ];
    let (status, again) = org.token(&form).await;
    assert_eq!(status, 200);
    assert!(again.get("refresh_token").is_none(), "{again}");
    let (status, _) = org.token(&form).await;
    assert_eq!(status, 200, "the same refresh token works twice");
    let revoked = org
        .http
        .post(format!("{}/services/oauth2/revoke", org.base))
        .form(&[("token", refresh)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 200);
    let (status, body) = org.token(&form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let access = again["access_token"].as_str().expect("access token");
    let (status, _, body) = org
        .rest(
            reqwest::Method::GET,
            "query?q=SELECT+Id+FROM+Contact",
            access,
            None,
        )
        .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (401, Some("INVALID_SESSION_ID"))
    );
}

#[tokio::test]
async fn userinfo_names_the_user_and_refuses_a_bad_token() {
    let org = start().await;
    let token = org.connect().await;
    let access = token["access_token"].as_str().expect("access token");
    let info: Value = org
        .http
        .get(format!("{}/services/oauth2/userinfo", org.base))
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["email"], "ada.lovelace@acme.test");
    assert_eq!(info["name"], "Ada Lovelace");
    assert_eq!(info["sub"], token["id"]);
    let bad = org
        .http
        .get(format!("{}/services/oauth2/userinfo", org.base))
        .bearer_auth("nope")
        .send()
        .await
        .expect("userinfo");
    assert_eq!(bad.status(), 403);
}

#[tokio::test]
async fn contacts_are_created_read_updated_queried_and_deleted() {
    let org = start().await;
    let access = org.connect().await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    use reqwest::Method;
    let (status, limit, created) = org
        .rest(
            Method::POST,
            "sobjects/Contact",
            &access,
            Some(json!({"LastName": "Hopper", "Email": "grace@acme.test"})),
        )
        .await;
    assert_eq!(
        (
            status,
            created["success"].as_bool(),
            created["errors"].clone()
        ),
        (201, Some(true), json!([]))
    );
    assert_eq!(limit.as_deref(), Some("api-usage=1/15000"));
    let id = created["id"].as_str().expect("id");
    let (status, _, _) = org
        .rest(
            Method::PATCH,
            &format!("sobjects/Contact/{id}"),
            &access,
            Some(json!({"FirstName": "Grace"})),
        )
        .await;
    assert_eq!(status, 204);
    let (_, _, read) = org
        .rest(
            Method::GET,
            &format!("sobjects/Contact/{id}"),
            &access,
            None,
        )
        .await;
    assert_eq!(
        (read["Name"].as_str(), read["attributes"]["type"].as_str()),
        (Some("Grace Hopper"), Some("Contact"))
    );
    let (_, _, found) = org
        .rest(
            Method::GET,
            "query?q=SELECT+Id,+FirstName+FROM+Contact+WHERE+Email+=+'GRACE@acme.test'+LIMIT+1",
            &access,
            None,
        )
        .await;
    assert_eq!(
        (found["totalSize"].as_u64(), found["done"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(found["records"][0]["FirstName"], "Grace");
    let (status, _, _) = org
        .rest(
            Method::DELETE,
            &format!("sobjects/Contact/{id}"),
            &access,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _, gone) = org
        .rest(
            Method::GET,
            &format!("sobjects/Contact/{id}"),
            &access,
            None,
        )
        .await;
    assert_eq!(
        (status, gone[0]["errorCode"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn rules_answer_salesforces_error_codes() {
    let org = start().await;
    let access = org.connect().await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    use reqwest::Method;
    let (status, _, body) = org
        .rest(
            Method::POST,
            "sobjects/Lead",
            &access,
            Some(json!({"LastName": "Turing"})),
        )
        .await;
    assert_eq!(
        (
            status,
            body[0]["errorCode"].as_str(),
            body[0]["fields"].clone()
        ),
        (400, Some("REQUIRED_FIELD_MISSING"), json!(["Company"]))
    );
    let lead = json!({"LastName": "Turing", "Company": "Bletchley", "Email": "alan@acme.test"});
    let (status, _, _) = org
        .rest(Method::POST, "sobjects/Lead", &access, Some(lead.clone()))
        .await;
    assert_eq!(status, 201);
    let (status, _, body) = org
        .rest(Method::POST, "sobjects/Lead", &access, Some(lead))
        .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (400, Some("DUPLICATES_DETECTED"))
    );
    let (status, _, body) = org
        .rest(
            Method::GET,
            "query?q=SELECT+Id+FROM+Lead+WHERE+Email+LIKE+'a%25'",
            &access,
            None,
        )
        .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (400, Some("MALFORMED_QUERY"))
    );
}

#[tokio::test]
async fn faults_and_the_request_limit_answer_before_the_work() {
    let org = start().await;
    let access = org.connect().await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let orgs: Value = org
        .http
        .get(format!("{}/_sandbox/orgs", org.base))
        .send()
        .await
        .expect("orgs")
        .json()
        .await
        .expect("json");
    let org_id = orgs[0]["orgId"].as_str().expect("org id").to_owned();
    let knob = |path: &str, body: Value| {
        org.http
            .post(format!("{}/_sandbox/orgs/{org_id}/{path}", org.base))
            .json(&body)
            .send()
    };
    assert_eq!(
        knob("faults", json!({"force503": 1}))
            .await
            .expect("knob")
            .status(),
        200
    );
    let (status, _, body) = org
        .rest(
            reqwest::Method::GET,
            "query?q=SELECT+Id+FROM+Lead",
            &access,
            None,
        )
        .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (503, Some("SERVER_UNAVAILABLE"))
    );
    assert_eq!(
        knob("api-usage", json!({"used": 5, "limit": 5}))
            .await
            .expect("knob")
            .status(),
        200
    );
    let (status, limit, body) = org
        .rest(
            reqwest::Method::GET,
            "query?q=SELECT+Id+FROM+Lead",
            &access,
            None,
        )
        .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (403, Some("REQUEST_LIMIT_EXCEEDED"))
    );
    assert_eq!(limit.as_deref(), Some("api-usage=5/5"));
}
