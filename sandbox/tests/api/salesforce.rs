//! The Salesforce stand-in: the web server flow with PKCE, non-rotating refresh, revoke,
//! userinfo, and the REST API's records, query, errors and limit header.

use hubspot_sandbox::salesforce::{self, OrgConfig, SalesforceConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers;

mod faults;

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
    Org {
        base: handle.base_url(),
        _handle: handle,
        http: helpers::client(),
    }
}

/// What a REST call answered.
struct Rest {
    status: u16,
    /// `Sforce-Limit-Info`.
    limit: Option<String>,
    body: Value,
}

impl Rest {
    /// The status and the first error's `errorCode`, what every refusal is checked by.
    fn error(&self) -> (u16, Option<&str>) {
        (self.status, self.body[0]["errorCode"].as_str())
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

    /// A fresh connection's access token.
    async fn access(&self) -> String {
        self.connect().await["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    async fn rest(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Rest {
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
        Rest {
            status,
            limit,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str, token: &str) -> Rest {
        self.rest(Method::GET, path, token, None).await
    }

    /// Posts a knob of the only org.
    async fn org_knob(&self, path: &str, body: Value) -> u16 {
        let orgs: Value = self
            .http
            .get(format!("{}/_sandbox/orgs", self.base))
            .send()
            .await
            .expect("orgs")
            .json()
            .await
            .expect("json");
        let org_id = orgs[0]["orgId"].as_str().expect("org id");
        self.http
            .post(format!("{}/_sandbox/orgs/{org_id}/{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("knob")
            .status()
            .as_u16()
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
    let refused = org.get("query?q=SELECT+Id+FROM+Contact", access).await;
    assert_eq!(refused.error(), (401, Some("INVALID_SESSION_ID")));
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
    let access = org.access().await;
    let created = org
        .rest(
            Method::POST,
            "sobjects/Contact",
            &access,
            Some(json!({"LastName": "Hopper", "Email": "grace@acme.test"})),
        )
        .await;
    let body = &created.body;
    assert_eq!(
        (created.status, body["success"].as_bool(), &body["errors"]),
        (201, Some(true), &json!([]))
    );
    assert_eq!(created.limit.as_deref(), Some("api-usage=1/15000"));
    let contact = format!("sobjects/Contact/{}", body["id"].as_str().expect("id"));
    let patch = Some(json!({"FirstName": "Grace"}));
    let updated = org.rest(Method::PATCH, &contact, &access, patch).await;
    assert_eq!(updated.status, 204);
    let read = org.get(&contact, &access).await.body;
    assert_eq!(
        (read["Name"].as_str(), read["attributes"]["type"].as_str()),
        (Some("Grace Hopper"), Some("Contact"))
    );
    let query = "query?q=SELECT+Id,+FirstName+FROM+Contact+WHERE+Email+=+'GRACE@acme.test'+LIMIT+1";
    let found = org.get(query, &access).await.body;
    assert_eq!(
        (found["totalSize"].as_u64(), found["done"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(found["records"][0]["FirstName"], "Grace");
    let deleted = org.rest(Method::DELETE, &contact, &access, None).await;
    assert_eq!(deleted.status, 204);
    let gone = org.get(&contact, &access).await;
    assert_eq!(gone.error(), (404, Some("NOT_FOUND")));
}

#[tokio::test]
async fn rules_answer_salesforces_error_codes() {
    let org = start().await;
    let access = org.access().await;
    let post_lead = |lead: Value| org.rest(Method::POST, "sobjects/Lead", &access, Some(lead));
    let no_company = post_lead(json!({"LastName": "Turing"})).await;
    assert_eq!(no_company.error(), (400, Some("REQUIRED_FIELD_MISSING")));
    assert_eq!(no_company.body[0]["fields"], json!(["Company"]));
    let lead = json!({"LastName": "Turing", "Company": "Bletchley", "Email": "alan@acme.test"});
    assert_eq!(post_lead(lead.clone()).await.status, 201);
    let again = post_lead(lead).await;
    assert_eq!(again.error(), (400, Some("DUPLICATES_DETECTED")));
    let like = org
        .get(
            "query?q=SELECT+Id+FROM+Lead+WHERE+Email+LIKE+'a%25'",
            &access,
        )
        .await;
    assert_eq!(like.error(), (400, Some("MALFORMED_QUERY")));
}

#[tokio::test]
async fn faults_and_the_request_limit_answer_before_the_work() {
    let org = start().await;
    let access = org.access().await;
    let leads = "query?q=SELECT+Id+FROM+Lead";
    assert_eq!(org.org_knob("faults", json!({"force503": 1})).await, 200);
    let unavailable = org.get(leads, &access).await;
    assert_eq!(unavailable.error(), (503, Some("SERVER_UNAVAILABLE")));
    let usage = json!({"used": 5, "limit": 5});
    assert_eq!(org.org_knob("api-usage", usage).await, 200);
    let exceeded = org.get(leads, &access).await;
    assert_eq!(exceeded.error(), (403, Some("REQUEST_LIMIT_EXCEEDED")));
    assert_eq!(exceeded.limit.as_deref(), Some("api-usage=5/5"));
}
