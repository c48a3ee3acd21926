//! `spawn`: a real sandbox on 127.0.0.1:0 with one app and two accounts, a reqwest client that
//! does not follow redirects, and one helper per step of HubSpot's OAuth flow.

use hubspot_sandbox::{AccountConfig, AppConfig, SandboxConfig, SandboxHandle};
use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "4b1f5e8a-demo-client";
pub const CLIENT_SECRET: &str = "s3cr3t-client-secret-for-tests";
pub const APP_NAME: &str = "Paragon Connect test app";
pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/callback";
pub const SCOPES: &str =
    "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read";
pub const HUB: u32 = 12_345_678;
pub const OTHER_HUB: u32 = 87_654_321;
/// A PKCE verifier and its S256 challenge (RFC 7636 appendix B).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A running sandbox and a client for it.
pub struct TestSandbox {
    pub handle: SandboxHandle,
    pub base: String,
    pub http: reqwest::Client,
}

/// The tokens of a completed OAuth flow.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub body: Value,
}

/// The configuration every test starts from.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        apps: vec![AppConfig::new(CLIENT_ID, CLIENT_SECRET, APP_NAME).redirect_uri(REDIRECT_URI)],
        accounts: vec![
            AccountConfig::new(HUB, "ada@example.com"),
            AccountConfig::new(OTHER_HUB, "grace@example.org"),
        ],
        ..SandboxConfig::default()
    }
}

pub async fn spawn() -> TestSandbox {
    spawn_with(config()).await
}

pub async fn spawn_with(config: SandboxConfig) -> TestSandbox {
    let handle = hubspot_sandbox::start(config)
        .await
        .expect("the sandbox starts on a free port");
    TestSandbox {
        base: handle.base_url(),
        handle,
        http: client(),
    }
}

/// A client that does not follow redirects, so a test sees each one a browser would follow.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client builds")
}

/// The standard authorize parameters, with PKCE.
pub fn authorize_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPES),
        ("state", "st4te-123"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

/// The value of `name` in a URL's query.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

impl TestSandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn authorize_page(&self, params: &[(&str, &str)]) -> Response {
        self.http
            .get(self.url("/oauth/authorize"))
            .query(params)
            .send()
            .await
            .expect("GET /oauth/authorize answers")
    }

    /// Opens the consent page and posts a decision; returns the decision's response.
    pub async fn decide(&self, params: &[(&str, &str)], hub: &str, decision: &str) -> Response {
        let page = self.authorize_page(params).await;
        assert_eq!(page.status(), StatusCode::OK, "the consent page is shown");
        let html = page.text().await.expect("the page has a body");
        let consent_id = consent_id(&html);
        self.http
            .post(self.url("/oauth/authorize"))
            .form(&[
                ("consent_id", consent_id.as_str()),
                ("hub_id", hub),
                ("decision", decision),
            ])
            .send()
            .await
            .expect("POST /oauth/authorize answers")
    }

    /// Grants access for `hub` and returns the code from the redirect.
    pub async fn code_with(&self, params: &[(&str, &str)], hub: u32) -> String {
        let answer = self.decide(params, &hub.to_string(), "grant").await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        query_value(location(&answer), "code").expect("the redirect carries a code")
    }

    pub async fn code(&self, hub: u32) -> String {
        self.code_with(&authorize_params(), hub).await
    }

    pub async fn token_at(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("the token endpoint answers")
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        self.token_at("/oauth/v3/token", form).await
    }

    /// The code-exchange form for `code`, with the verifier.
    pub fn exchange_form(code: &str) -> Vec<(&'static str, String)> {
        vec![
            ("grant_type", "authorization_code".into()),
            ("client_id", CLIENT_ID.into()),
            ("client_secret", CLIENT_SECRET.into()),
            ("redirect_uri", REDIRECT_URI.into()),
            ("code", code.into()),
            ("code_verifier", VERIFIER.into()),
        ]
    }

    /// The whole flow: consent for `hub`, code exchange with PKCE.
    pub async fn connect(&self, hub: u32) -> Tokens {
        let code = self.code(hub).await;
        let form = Self::exchange_form(&code);
        let answer = self.token(&pairs(&form)).await;
        assert_eq!(
            answer.status(),
            StatusCode::OK,
            "the code exchange succeeds"
        );
        let body: Value = answer.json().await.expect("a JSON token body");
        Tokens {
            access: body["access_token"].as_str().unwrap_or_default().to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body,
        }
    }

    /// A CRM call with a bearer token and an optional JSON body.
    pub async fn crm(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the CRM answers")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let answer = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("GET answers");
        answer.json().await.expect("a JSON body")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("POST answers")
    }

    pub async fn counters(&self) -> Value {
        self.get_json("/_sandbox/counters").await
    }

    /// The account's CRM calls counted since `before` (a read of the counters), and its
    /// rate-limited calls now.
    pub async fn crm_counts_since(&self, before: &Value) -> (u64, u64) {
        let after = self.counters().await;
        let hub = HUB.to_string();
        let count = |counters: &Value, name: &str| counters["hubs"][&hub][name].as_u64();
        let requests =
            count(&after, "apiRequests").unwrap_or(0) - count(before, "apiRequests").unwrap_or(0);
        (requests, count(&after, "rateLimited").unwrap_or(0))
    }

    /// `(path, status)` of every logged request whose path starts with one of `prefixes`.
    pub async fn logged(&self, prefixes: &[&str]) -> Vec<(String, u64)> {
        let log = self.get_json("/_sandbox/requests").await;
        log.as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                let path = e["path"].as_str().unwrap_or_default().to_owned();
                (path, e["status"].as_u64().unwrap_or_default())
            })
            .filter(|(path, _)| prefixes.iter().any(|p| path.starts_with(p)))
            .collect()
    }

    /// The status of a CRM GET.
    pub async fn get_status(&self, path: &str, token: &str) -> StatusCode {
        self.crm(Method::GET, path, token, None).await.status()
    }

    /// Proves the account's faults reach every path of `paths`: `errorRate` 1 makes each a 5xx
    /// `INTERNAL_ERROR`; then `force429` 1 makes the next call of the first path a 429 and
    /// lets the one after it through.
    pub async fn assert_faults_apply(&self, token: &str, paths: &[&str]) {
        let faults = format!("/_sandbox/accounts/{HUB}/faults");
        let set = self.post_json(&faults, json!({"errorRate": 1.0})).await;
        assert_eq!(set.status(), StatusCode::OK);
        for path in paths {
            let answer = self.crm(Method::GET, path, token, None).await;
            let status = answer.status();
            assert!(status.is_server_error(), "{path}: {status}");
            let body: Value = answer.json().await.expect("JSON");
            assert_eq!(body["category"], "INTERNAL_ERROR");
        }
        let set = self.post_json(&faults, json!({"force429": 1})).await;
        assert_eq!(set.status(), StatusCode::OK);
        let first = paths[0];
        assert_eq!(
            self.get_status(first, token).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(self.get_status(first, token).await, StatusCode::OK);
    }

    /// Creates a contact and returns its body.
    pub async fn create_contact(&self, token: &str, properties: Value) -> Value {
        let body = serde_json::json!({ "properties": properties });
        let answer = self
            .crm(Method::POST, "/crm/v3/objects/contacts", token, Some(body))
            .await;
        assert_eq!(
            answer.status(),
            StatusCode::CREATED,
            "the contact is created"
        );
        answer.json().await.expect("a JSON contact")
    }
}

/// A form of owned values as borrowed pairs.
pub fn pairs<'a>(form: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The same form with `name` replaced (or removed when `value` is None).
pub fn with<'a>(
    form: &[(&'a str, &'a str)],
    name: &'a str,
    value: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = form.iter().copied().filter(|(k, _)| *k != name).collect();
    if let Some(value) = value {
        out.push((name, value));
    }
    out
}

pub fn location(answer: &Response) -> &str {
    answer
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
}

pub fn consent_id(html: &str) -> String {
    let marker = "name=\"consent_id\" value=\"";
    let start = html.find(marker).expect("the page carries a consent id") + marker.len();
    let end = html[start..].find('"').expect("the value ends") + start;
    html[start..end].to_owned()
}

/// The `X-HubSpot-RateLimit-Remaining` header.
pub fn remaining(answer: &Response) -> Option<&str> {
    answer
        .headers()
        .get("x-hubspot-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
}

/// Asserts HubSpot's 429 `RATE_LIMIT` with a `Retry-After`.
pub async fn assert_rate_limited(answer: Response) {
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers().get("retry-after").is_some());
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["errorType"], "RATE_LIMIT");
}

/// Asserts HubSpot's JSON content type.
pub fn assert_hubspot_json(answer: &Response) {
    assert_eq!(
        answer
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json;charset=utf-8")
    );
}

/// Asserts that a `correlationId` is a UUID.
pub fn assert_correlation_id(body: &Value) {
    let id = body["correlationId"].as_str().expect("a correlationId");
    assert_eq!(id.len(), 36, "{id} is a UUID");
    assert_eq!(id.matches('-').count(), 4, "{id} is a UUID");
}
