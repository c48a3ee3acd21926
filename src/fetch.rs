//! Every request of the SDK, sent by gloo-net's `http`, with the SDK's policy on top: a
//! timeout on each attempt, a few quick retries of idempotent calls that got no answer or a
//! transient status, and the user token renewed before it expires and once after a 401.
//!
//! Bodies are JS values: the protocol's types become JS objects with serde-wasm-bindgen
//! ([`crate::wire`]) and the browser's `JSON` turns them into text and back.
//!
//! The `web_sys::Request` is built here and handed to gloo-net's [`Request`](gloo_net::http::Request)
//! to send and to read. gloo-net's `RequestBuilder` would re-assemble the URL with `format!`
//! (core's formatting machinery, several kilobytes of wasm the SDK otherwise does without) and
//! throws on a header name the browser refuses, where the SDK answers with an error instead.

#[cfg(target_arch = "wasm32")]
pub use imp::{Body, Reply, Request, TIMEOUT_MS};

#[cfg(target_arch = "wasm32")]
mod imp {
    use gloo_net::http::{Method, Response};
    use paragon_protocol::ErrorBody;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::JsValue;
    use web_sys::{AbortSignal, RequestCredentials, RequestInit, RequestMode};

    use crate::{SdkError, error::decimal, js, retry, session::Auth, wire};

    /// Each attempt gets this long to be answered unless the call says otherwise.
    pub const TIMEOUT_MS: u32 = 30_000;

    /// What a request carries.
    pub enum Body {
        /// A value for `JSON.stringify`, sent as `application/json`.
        Json(JsValue),
        /// A string, `Blob`, `FormData`, … sent as it is (`request()`), with the caller's
        /// `Content-Type`.
        Raw(JsValue),
    }

    /// One request to the platform.
    pub struct Request<'a> {
        /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
        pub method: Method,
        /// The absolute URL: never holds a token.
        pub url: &'a str,
        /// The user whose token is sent as `Authorization: Bearer`.
        pub auth: Option<&'a Auth>,
        /// The body.
        pub body: Option<Body>,
        /// The caller's headers (`request()`); the SDK's own are set after them, so that a
        /// caller cannot replace the token.
        pub headers: Vec<(String, String)>,
        /// The `Idempotency-Key` header.
        pub idempotency_key: Option<&'a str>,
        /// How long each attempt may wait for the answer.
        pub timeout_ms: u32,
    }

    impl<'a> Request<'a> {
        /// A request without body, token or key.
        pub fn new(method: Method, url: &'a str) -> Self {
            Self {
                method,
                url,
                auth: None,
                body: None,
                headers: Vec::new(),
                idempotency_key: None,
                timeout_ms: TIMEOUT_MS,
            }
        }

        /// The same request with a JSON body: one of the protocol's types.
        pub fn json<T: serde::Serialize>(mut self, body: &T) -> Self {
            self.body = Some(Body::Json(wire::to_js(body)));
            self
        }
    }

    /// The platform's answer, whatever its status.
    #[derive(Debug)]
    pub struct Reply {
        /// The HTTP status.
        pub status: u16,
        /// The body's text (empty when there was none).
        pub text: String,
        /// Whether the `Content-Type` is JSON.
        pub is_json: bool,
        /// `Retry-After` in seconds, when the answer has one and the platform exposes it to
        /// the page (`Access-Control-Expose-Headers`).
        pub retry_after: Option<f64>,
    }

    impl Reply {
        /// The parsed JSON body: `undefined` when empty or not JSON.
        pub fn body(&self) -> JsValue {
            if self.text.is_empty() {
                return JsValue::UNDEFINED;
            }
            js::parse(&self.text).unwrap_or(JsValue::UNDEFINED)
        }

        /// Whether the status is 2xx.
        pub fn is_success(&self) -> bool {
            (200..300).contains(&self.status)
        }

        /// The answer if it is 2xx, or the platform's error.
        pub fn success(self) -> Result<Self, SdkError> {
            if self.is_success() {
                Ok(self)
            } else {
                Err(self.server_error())
            }
        }

        /// The platform's `ErrorBody` as an error. A proxy or load balancer in front may answer
        /// with HTML: then the status is all there is.
        pub fn server_error(&self) -> SdkError {
            let body: Option<ErrorBody> = wire::from_js(self.body(), "error").ok();
            let (code, message) = match body {
                Some(body) => (body.code, body.message),
                None => (
                    paragon_protocol::ErrorCode::Unknown,
                    ["HTTP ", &decimal(self.status.into())].concat(),
                ),
            };
            SdkError::Server {
                status: self.status,
                code,
                message,
            }
        }
    }

    impl Request<'_> {
        /// Sends the request across origins (CORS, no cookies). Only a request that did not
        /// get an answer is an `Err`: error statuses are in the [`Reply`]. An idempotent
        /// request is tried again, soon, after no answer or a transient status. With a user
        /// whose app gave a `tokenProvider`, an expiring token is renewed first and a 401 is
        /// retried once with a new token.
        pub async fn send(&self) -> Result<Reply, SdkError> {
            let idempotent = matches!(
                self.method,
                Method::GET | Method::HEAD | Method::PUT | Method::DELETE
            );
            let mut attempt = 0;
            loop {
                let sent = self.send_authenticated().await;
                let status = sent.as_ref().ok().map(|r| r.status);
                let retry_after = sent.as_ref().ok().and_then(|r| r.retry_after);
                let wait = retry::call_retry_ms(
                    idempotent,
                    attempt,
                    status,
                    js_sys::Math::random(),
                    retry_after,
                );
                match wait {
                    Some(ms) => js::sleep(ms).await,
                    None => return sent,
                }
                attempt += 1;
            }
        }

        /// Sends the request and returns the body of a 2xx answer as the protocol's `T`.
        pub async fn fetch<T: DeserializeOwned>(&self, what: &str) -> Result<T, SdkError> {
            // Only the conversion is generic: one copy of the sending for every `T`.
            wire::from_js(self.body().await?, what)
        }

        /// Sends the request and returns the parsed body of a 2xx answer.
        pub async fn body(&self) -> Result<JsValue, SdkError> {
            Ok(self.send().await?.success()?.body())
        }

        async fn send_authenticated(&self) -> Result<Reply, SdkError> {
            let Some(auth) = self.auth else {
                return self.send_with(None).await;
            };
            let token = auth.fresh_token().await?;
            let reply = self.send_with(Some(&token)).await?;
            if reply.status != 401 || !auth.renewable() {
                return Ok(reply);
            }
            auth.renew(&token).await?;
            self.send_with(Some(&auth.token())).await
        }

        async fn send_with(&self, token: Option<&str>) -> Result<Reply, SdkError> {
            let request = self.build(token)?;
            let response: Response = gloo_net::http::Request::from(request)
                .send()
                .await
                .map_err(|e| self.failed(e))?;
            let text = response.text().await.map_err(|e| self.failed(e))?;
            let headers = response.headers();
            // JS's `includes`: Rust's substring search would add its searcher to the wasm.
            let is_json = headers
                .get("Content-Type")
                .is_some_and(|t| js_sys::JsString::from(t).includes("json", 0));
            let retry_after = headers
                .get("Retry-After")
                // The browser's own number parser: Rust's would add kilobytes to the wasm.
                .map(|v| js_sys::Number::from(JsValue::from_str(&v)).value_of())
                .filter(|secs| secs.is_finite());
            Ok(Reply {
                status: response.status(),
                text,
                is_json,
                retry_after,
            })
        }

        fn build(&self, token: Option<&str>) -> Result<web_sys::Request, SdkError> {
            let init = RequestInit::new();
            init.set_method(self.method.as_str());
            init.set_mode(RequestMode::Cors);
            // The platform authenticates with a bearer token, never a cookie: send none.
            init.set_credentials(RequestCredentials::Omit);
            init.set_signal(Some(&AbortSignal::timeout_with_u32(self.timeout_ms)));
            let headers = web_sys::Headers::new().map_err(invalid_header)?;
            headers
                .set("Accept", "application/json")
                .map_err(invalid_header)?;
            for (name, value) in &self.headers {
                headers.set(name, value).map_err(invalid_header)?;
            }
            match &self.body {
                Some(Body::Json(value)) => {
                    let text = js::stringify(value)
                        .ok_or_else(|| SdkError::InvalidArgument("the body is not JSON".into()))?;
                    init.set_body(&text.into());
                    headers
                        .set("Content-Type", "application/json")
                        .map_err(invalid_header)?;
                }
                Some(Body::Raw(value)) => init.set_body(value),
                None => {}
            }
            if let Some(token) = token {
                headers
                    .set("Authorization", &["Bearer ", token].concat())
                    .map_err(invalid_header)?;
            }
            if let Some(key) = self.idempotency_key {
                headers
                    .set("Idempotency-Key", key)
                    .map_err(invalid_header)?;
            }
            init.set_headers(&headers);
            web_sys::Request::new_with_str_and_init(self.url, &init).map_err(|e| {
                SdkError::InvalidArgument(js::error_message(&e, "the request is invalid"))
            })
        }

        /// No answer: the browser's reason, or the timeout.
        fn failed(&self, error: gloo_net::Error) -> SdkError {
            match error {
                gloo_net::Error::JsError(e) if e.name == "TimeoutError" => SdkError::Network(
                    ["no answer within ", &decimal(self.timeout_ms / 1000), " s"].concat(),
                ),
                gloo_net::Error::JsError(e) => SdkError::Network(e.message),
                gloo_net::Error::GlooError(message) => SdkError::Network(message),
            }
        }
    }

    fn invalid_header(error: JsValue) -> SdkError {
        SdkError::InvalidArgument(js::error_message(&error, "a header the browser refuses"))
    }
}
