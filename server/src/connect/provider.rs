//! The OAuth client side of a provider's token endpoint, as its definition says
//! (`providers/<name>.yaml`): form-encoded bodies, the client's id and secret in the body or as
//! HTTP Basic, the token answer read by the definition (its expiry field or none, the values
//! kept with the connection), RFC 7009 revocation and RFC 7662 introspection.
//!
//! Hand-rolled over reqwest rather than the `oauth2` crate, which defaults to HTTP Basic (HubSpot
//! wants the secret in the body), insists on `token_type` and `expires_in` (HubSpot's answers may
//! lack the first, Salesforce's lack the second) and refuses non-https revoke URLs (the
//! stand-ins serve plain http on loopback).
//!
//! Answers are read up to [`answer_cap::TOKEN_ANSWER_MAX`]; calls to the API as a user go
//! through `api_client`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    answer_cap,
    egress::{self, EgressPolicy},
};
use crate::providers::{self, ExpiresIn, TokenKind};

/// How long a provider call may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// What the platform needs to call a provider's token endpoint.
#[derive(Clone)]
pub struct ClientAuth<'a> {
    /// The token endpoint.
    pub token_url: &'a str,
    /// The OAuth client id.
    pub client_id: &'a str,
    /// The OAuth client secret (opened from the vault for this call only).
    pub client_secret: &'a str,
    /// Where the id and secret go: the form body or an `Authorization: Basic` header.
    pub via: providers::ClientAuth,
}

impl std::fmt::Debug for ClientAuth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("via", &self.via)
            .finish()
    }
}

/// Tokens from a code exchange or a refresh, read as the definition says.
#[derive(Clone)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token; a refresh may or may not rotate it.
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires; `None` when the provider does not say (the
    /// token is then used until it is refused).
    pub expires_in: Option<i64>,
    /// The rest of the answer (`instance_url`, `hub_id`, `scope`), without the two tokens:
    /// where the definition's `token_fields` are read.
    pub answer: Map<String, Value>,
}

impl Tokens {
    /// Reads a token endpoint's JSON answer; `expires` names the expiry field.
    pub fn read(
        mut answer: Map<String, Value>,
        expires: &ExpiresIn,
    ) -> Result<Self, ProviderError> {
        let access_token = match answer.remove("access_token") {
            Some(Value::String(token)) if !token.is_empty() => token,
            _ => {
                return Err(ProviderError::Protocol(
                    "the token answer lacks an access token".into(),
                ));
            }
        };
        let refresh_token = match answer.remove("refresh_token") {
            Some(Value::String(token)) if !token.is_empty() => Some(token),
            _ => None,
        };
        let expires_in = match expires {
            ExpiresIn::Never => None,
            ExpiresIn::Field(field) => match answer.get(field.as_str()) {
                None | Some(Value::Null) => None,
                Some(value) => {
                    let seconds = value
                        .as_i64()
                        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                        .filter(|s| *s > 0);
                    Some(seconds.ok_or_else(|| {
                        ProviderError::Protocol(format!(
                            "the token answer's `{field}` is not a lifetime in seconds"
                        ))
                    })?)
                }
            },
        };
        Ok(Self {
            access_token,
            refresh_token,
            expires_in,
            answer,
        })
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The tokens are the user's access to their account: never in a log line. The rest of
        // the answer is shown by its keys only (a provider may put more secrets in it).
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_in", &self.expires_in)
            .field("answer", &self.answer.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why a provider call failed, classified for what the platform does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The grant is dead (`invalid_grant`, `BAD_REFRESH_TOKEN`, `BAD_AUTH_CODE`): the user must
    /// connect again. Never retried.
    #[error("the provider refused the grant: {0}")]
    InvalidGrant(String),
    /// The integration's configuration is wrong (client id, secret, redirect URI).
    #[error("the provider refused the app's configuration: {0}")]
    Config(String),
    /// Network, timeout, 429 or 5xx: worth another try later.
    #[error("the provider is unavailable: {0}")]
    Transient(String),
    /// The answer is not what the contract says.
    #[error("unexpected answer from the provider: {0}")]
    Protocol(String),
    /// The integration's URL points where the server's egress policy forbids (a private
    /// address, plain http): nothing was sent. Never retried: only the operator or the
    /// project's admin can change it.
    #[error("the integration's {0}")]
    Refused(String),
    /// The answer's body passed the cap of what the server reads (see `answer_cap`): the
    /// provider, or a server a tenant pointed the integration at, answered far more than any
    /// real answer holds. Never retried: the same call would answer the same.
    #[error("the provider's answer was too large: more than {max} bytes")]
    AnswerTooLarge {
        /// The cap, in bytes.
        max: usize,
    },
}

impl ProviderError {
    /// What a failed send to the integration's `what` ("token URL") means: the egress
    /// policy's refusal, or a transient failure.
    pub fn from_send(error: reqwest::Error, what: &str) -> Self {
        match egress::refusal_of(&error) {
            Some(refusal) => Self::Refused(format!("{what} {refusal}")),
            // reqwest's error names the URL unless the caller removed it (an API URL may hold
            // a key in its query); its causes say what happened to the connection, which
            // matters to whoever reads why a write may or may not have been made.
            None => Self::Transient(with_causes(&error)),
        }
    }
}

/// An error and its causes, as one line: `error sending request: connection closed before
/// message completed`.
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let said = next.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = next.source();
    }
    text
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// The HTTP client for providers, shared by every request (one connection pool). Every call
/// to a tenant-set URL goes through [`ProviderClient::request`], under the egress policy.
#[derive(Debug, Clone)]
pub struct ProviderClient {
    http: reqwest::Client,
    policy: EgressPolicy,
}

impl ProviderClient {
    /// A client with the platform's timeout under `policy` ([`EgressPolicy::client`]: no
    /// redirects; https, checked addresses and no proxy under the default policy).
    pub fn new(policy: EgressPolicy) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: policy.client(TIMEOUT)?,
            policy,
        })
    }

    /// Where this client may send requests.
    pub fn policy(&self) -> EgressPolicy {
        self.policy
    }

    /// A request to `url` (a provider URL: the token endpoint, the API), checked by the policy
    /// first; `what` names the URL in the refusal ("API base", "token URL").
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        what: &str,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let checked = self
            .policy
            .check(url)
            .map_err(|refusal| ProviderError::Refused(format!("{what} {refusal}")))?;
        Ok(self.http.request(method, checked))
    }

    /// Exchanges an authorization code (RFC 6749 section 4.1.3, with RFC 7636's verifier when
    /// the flow sent a challenge).
    pub async fn exchange_code(
        &self,
        auth: &ClientAuth<'_>,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
        expires: &ExpiresIn,
    ) -> Result<Tokens, ProviderError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        self.token_call(auth, form, expires).await
    }

    /// Refreshes an access token.
    pub async fn refresh(
        &self,
        auth: &ClientAuth<'_>,
        refresh_token: &str,
        expires: &ExpiresIn,
    ) -> Result<Tokens, ProviderError> {
        let form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.token_call(auth, form, expires).await
    }

    /// Revokes `token` at `url` with `method`: a POST is RFC 7009's form (`token`,
    /// `token_type_hint`, the client's authentication); a DELETE or GET carries the token in
    /// the URL already (HubSpot v1's `…/refresh-tokens/{token}`) and nothing else.
    pub async fn revoke(
        &self,
        auth: &ClientAuth<'_>,
        url: &str,
        method: &str,
        token: &str,
        kind: TokenKind,
    ) -> Result<(), ProviderError> {
        let response = if method == "POST" {
            let hint = match kind {
                TokenKind::Access => "access_token",
                TokenKind::Refresh => "refresh_token",
            };
            let form = vec![("token", token), ("token_type_hint", hint)];
            self.post_form(auth, url, form, "revocation URL").await?
        } else {
            let method = reqwest::Method::from_bytes(method.as_bytes())
                .map_err(|e| ProviderError::Protocol(e.to_string()))?;
            self.request(method, url, "revocation URL")?
                .send()
                .await
                .map_err(|e| ProviderError::from_send(e.without_url(), "revocation URL"))?
        };
        if response.status().is_success() {
            Ok(())
        } else {
            Err(classify(response).await)
        }
    }

    /// Asks the provider about an access token (RFC 7662 introspection at `url`, with the
    /// client's authentication): HubSpot names the account only there.
    pub async fn introspect(
        &self,
        auth: &ClientAuth<'_>,
        url: &str,
        access_token: &str,
    ) -> Result<Value, ProviderError> {
        let form = vec![("token", access_token), ("token_type_hint", "access_token")];
        let response = self.post_form(auth, url, form, "introspection URL").await?;
        if !response.status().is_success() {
            return Err(classify(response).await);
        }
        json(response).await
    }

    async fn token_call(
        &self,
        auth: &ClientAuth<'_>,
        form: Vec<(&str, &str)>,
        expires: &ExpiresIn,
    ) -> Result<Tokens, ProviderError> {
        let response = self
            .post_form(auth, auth.token_url, form, "token URL")
            .await?;
        if !response.status().is_success() {
            return Err(classify(response).await);
        }
        Tokens::read(json(response).await?, expires)
    }

    /// A form POST to `url` with the client's authentication where the definition puts it.
    async fn post_form(
        &self,
        auth: &ClientAuth<'_>,
        url: &str,
        mut form: Vec<(&str, &str)>,
        what: &str,
    ) -> Result<reqwest::Response, ProviderError> {
        let builder = self
            .request(reqwest::Method::POST, url, what)?
            .header(reqwest::header::ACCEPT, "application/json");
        let builder = match auth.via {
            providers::ClientAuth::Body => {
                form.push(("client_id", auth.client_id));
                form.push(("client_secret", auth.client_secret));
                builder
            }
            // RFC 6749 section 2.3.1: each part form-encoded before the Basic encoding.
            providers::ClientAuth::Basic => builder.basic_auth(
                form_encode(auth.client_id),
                Some(form_encode(auth.client_secret)),
            ),
        };
        builder
            .form(&form)
            .send()
            .await
            .map_err(|e| ProviderError::from_send(e, what))
    }
}

/// `application/x-www-form-urlencoded`'s byte serializer (WHATWG URL): letters, digits and
/// `*-._` as they are, a space as `+`, every other byte as `%XX`.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A token or introspection endpoint's JSON answer, read up to the cap.
async fn json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ProviderError> {
    let body = answer_cap::read(response, answer_cap::TOKEN_ANSWER_MAX).await?;
    serde_json::from_slice(&body).map_err(|e| ProviderError::Protocol(e.to_string()))
}

/// Turns a non-2xx token-endpoint answer into what to do about it.
async fn classify(response: reqwest::Response) -> ProviderError {
    let status = response.status();
    if status.as_u16() == 429 || status.is_server_error() {
        return ProviderError::Transient(format!("HTTP {status}"));
    }
    let body: ErrorBody = match answer_cap::read(response, answer_cap::TOKEN_ANSWER_MAX).await {
        Ok(body) => serde_json::from_slice(&body).unwrap_or_default(),
        Err(too_large @ ProviderError::AnswerTooLarge { .. }) => return too_large,
        Err(_) => ErrorBody::default(),
    };
    let code = body
        .status
        .clone()
        .or(body.error.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let detail = body.message.or(body.error_description).unwrap_or_default();
    let text = format!("{code}: {detail}");
    // HubSpot's own `status` first: BAD_REDIRECT_URI comes with `invalid_grant` (RFC 6749) yet
    // is the app's configuration, not a dead grant.
    let config = matches!(
        body.status.as_deref(),
        Some(
            "BAD_CLIENT_ID"
                | "BAD_CLIENT_SECRET"
                | "BAD_REDIRECT_URI"
                | "BAD_GRANT_TYPE"
                | "BAD_SCOPES"
        )
    );
    let dead = !config
        && (matches!(body.error.as_deref(), Some("invalid_grant"))
            || matches!(
                body.status.as_deref(),
                Some(
                    "BAD_REFRESH_TOKEN"
                        | "BAD_AUTH_CODE"
                        | "EXPIRED_AUTH_CODE"
                        | "BAD_CODE_VERIFIER"
                        | "BAD_HUB"
                )
            ));
    if dead {
        ProviderError::InvalidGrant(text)
    } else if status.is_client_error() {
        ProviderError::Config(text)
    } else {
        ProviderError::Protocol(text)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A server on 127.0.0.1 that answers every request with `answer`; returns its port and
    /// how many connections it accepted.
    async fn serve(answer: String) -> (u16, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        });
        (port, hits)
    }

    /// A refresh at the token endpoint of the server on `port`.
    async fn refresh_at(port: u16) -> Result<Tokens, ProviderError> {
        let client = ProviderClient::new(EgressPolicy::AllowPrivate).expect("a client");
        let auth = ClientAuth {
            token_url: &format!("http://127.0.0.1:{port}/oauth/v3/token"),
            client_id: "id",
            client_secret: "secret",
            via: providers::ClientAuth::Body,
        };
        let expires = ExpiresIn::Field("expires_in".into());
        client.refresh(&auth, "refresh-token", &expires).await
    }

    #[tokio::test]
    async fn a_redirect_from_a_token_endpoint_is_not_followed() {
        // Even where private addresses are allowed, a provider's redirect could lead anywhere:
        // the client answers the redirect itself and never calls its target.
        let (target, target_hits) =
            serve("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into()).await;
        let redirect = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{target}/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let (provider, provider_hits) = serve(redirect).await;

        let refreshed = refresh_at(provider).await;

        assert!(refreshed.is_err(), "{refreshed:?}");
        assert_eq!(provider_hits.load(Ordering::SeqCst), 1);
        assert_eq!(
            target_hits.load(Ordering::SeqCst),
            0,
            "the redirect was followed"
        );
    }

    /// A token answer longer than `TOKEN_ANSWER_MAX`, as one body with its length or in chunks
    /// without one.
    fn huge_token_answer(chunked: bool) -> String {
        let padding = "x".repeat(answer_cap::TOKEN_ANSWER_MAX);
        let body = format!("{{\"access_token\":\"{padding}\",\"expires_in\":1800}}");
        if !chunked {
            let length = body.len();
            return format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}"
            );
        }
        let mut answer = String::from(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        );
        for chunk in body.as_bytes().chunks(64 * 1024) {
            let text = std::str::from_utf8(chunk).expect("ASCII");
            answer.push_str(&format!("{:x}\r\n{text}\r\n", chunk.len()));
        }
        answer.push_str("0\r\n\r\n");
        answer
    }

    #[tokio::test]
    async fn a_token_answer_past_the_cap_fails_whether_announced_or_streamed() {
        for chunked in [false, true] {
            let (provider, _) = serve(huge_token_answer(chunked)).await;

            let refreshed = refresh_at(provider).await;

            assert_eq!(
                refreshed.map(|_| ()),
                Err(ProviderError::AnswerTooLarge {
                    max: answer_cap::TOKEN_ANSWER_MAX
                }),
                "chunked: {chunked}"
            );
        }
    }
}
