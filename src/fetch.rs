//! Every request of the SDK, sent by gloo-net's `http`, with the SDK's policy on top: a
//! timeout on each attempt (`AbortSignal.timeout`), a few quick retries of idempotent calls
//! that got no answer or a transient status, and the user token renewed before it expires and
//! once after the platform refused it. JSON is read and written with the browser's own `JSON`.
//!
//! The `web_sys::Request` is built here and handed to gloo-net's `Request` to send and to
//! read: gloo-net's `RequestBuilder` re-assembles the URL with `format!` (core's formatting
//! machinery, which the SDK's wasm otherwise does without) and throws on a header name the
//! browser refuses, where the SDK answers with an error instead (`request()`'s headers are
//! the app's). gloo-net costs the wasm 0.85 KB gzipped this way.

#[cfg(target_arch = "wasm32")]
pub use imp::{Reply, Request, TIMEOUT_MS};

#[cfg(target_arch = "wasm32")]
mod imp {
    use paragon_protocol::{ErrorBody, ErrorCode};
    use wasm_bindgen::JsValue;
    use web_sys::{AbortSignal, RequestCredentials, RequestInit, RequestMode};

    use crate::{SdkError, answers, js, retry, session::Auth};

    /// Each attempt gets this long to be answered unless the call says otherwise.
    pub const TIMEOUT_MS: u32 = 30_000;

    /// One request to the platform.
    pub struct Request<'a> {
        /// `GET`, `POST`, `PATCH` or `DELETE`.
        pub method: &'a str,
        /// The absolute URL: never holds a token.
        pub url: &'a str,
        /// The user whose token is sent as `Authorization: Bearer`.
        pub auth: Option<&'a Auth>,
        /// A JSON body.
        pub body: Option<&'a JsValue>,
        /// A body sent as it is (`request()`: a string, `Blob`, `FormData`, …).
        pub raw_body: Option<&'a JsValue>,
        /// The caller's headers (`request()`), set before the SDK's own so that they cannot
        /// replace the token.
        pub headers: &'a [(String, String)],
        /// The `Idempotency-Key` header.
        pub idempotency_key: Option<&'a str>,
        /// How long each attempt may wait for the answer.
        pub timeout_ms: u32,
    }

    impl<'a> Request<'a> {
        /// A request without body, token or key.
        pub fn new(method: &'a str, url: &'a str) -> Self {
            Self {
                method,
                url,
                auth: None,
                body: None,
                raw_body: None,
                headers: &[],
                idempotency_key: None,
                timeout_ms: TIMEOUT_MS,
            }
        }
    }

    /// The platform's answer, whatever its status.
    #[derive(Debug)]
    pub struct Reply {
        /// The HTTP status.
        pub status: u16,
        /// The parsed JSON body (`undefined` when empty or not JSON).
        pub body: JsValue,
        /// The body's text.
        pub text: String,
        /// Whether the answer's `Content-Type` is JSON.
        pub is_json: bool,
        /// `Retry-After` in seconds, when the answer has one and the platform exposes it to
        /// the page (`Access-Control-Expose-Headers`).
        pub retry_after: Option<f64>,
    }

    impl Reply {
        /// The body of a 2xx answer, or the platform's error.
        pub fn ok(self) -> Result<JsValue, SdkError> {
            if self.is_success() {
                Ok(self.body)
            } else {
                Err(server_error(self.status, self.body))
            }
        }

        /// Whether the status is 2xx.
        pub fn is_success(&self) -> bool {
            (200..300).contains(&self.status)
        }

        /// Whether this is the platform's own error (`{message, code}` with a code it
        /// defines), not the provider's answer passed through the proxy.
        pub fn is_platform_error(&self) -> bool {
            answers::proxy_output(&self.body).is_none()
                && answers::error_body(&self.body).is_some_and(|e| e.code != ErrorCode::Unknown)
        }

        /// The platform's error.
        pub fn error(self) -> SdkError {
            server_error(self.status, self.body)
        }
    }

    impl Request<'_> {
        /// Sends the request across origins (CORS, no cookies). Only a request that did not
        /// get an answer (within [`Request::timeout_ms`]) is an `Err`: error statuses are in
        /// the [`Reply`]. An idempotent request (GET, PUT, DELETE) is tried again, soon, after
        /// no answer or a transient status ([`retry::call_retry_ms`]). With a user whose app
        /// gave a `tokenProvider`, an expiring token is renewed first and a 401 is retried once
        /// with a new token.
        pub async fn send(&self) -> Result<Reply, SdkError> {
            let idempotent = matches!(self.method, "GET" | "PUT" | "DELETE");
            let mut attempt = 0;
            loop {
                let sent = self.send_authenticated().await;
                let status = sent.as_ref().ok().map(|r| r.status);
                let retry_after = sent.as_ref().ok().and_then(|r| r.retry_after);
                let random = js_sys::Math::random();
                match retry::call_retry_ms(idempotent, attempt, status, random, retry_after) {
                    Some(ms) => js::sleep(ms).await,
                    None => return sent,
                }
                attempt += 1;
            }
        }

        async fn send_authenticated(&self) -> Result<Reply, SdkError> {
            let Some(auth) = self.auth else {
                return self.send_with(None).await;
            };
            let token = auth.fresh_token().await?;
            let reply = self.send_with(Some(&token)).await?;
            // Only the platform's refusal of the token: a 401 of the provider, through the
            // proxy, is the provider's answer (the platform has refreshed its token already).
            if reply.status != 401 || !auth.renewable() || !reply.is_platform_error() {
                return Ok(reply);
            }
            auth.renew(&token).await?;
            self.send_with(Some(&auth.token())).await
        }

        async fn send_with(&self, token: Option<&str>) -> Result<Reply, SdkError> {
            let init = RequestInit::new();
            init.set_method(self.method);
            init.set_mode(RequestMode::Cors);
            // The platform authenticates with a bearer token, never a cookie: send none.
            init.set_credentials(RequestCredentials::Omit);
            init.set_signal(Some(&AbortSignal::timeout_with_u32(self.timeout_ms)));
            if let Some(body) = self.body {
                let text = js::stringify(body)
                    .ok_or_else(|| SdkError::InvalidArgument("the body is not JSON".into()))?;
                init.set_body(&text.into());
            } else if let Some(raw) = self.raw_body {
                init.set_body(raw);
            }
            let request = web_sys::Request::new_with_str_and_init(self.url, &init)
                .map_err(invalid_request)?;
            let headers = request.headers();
            headers.set("Accept", "application/json").map_err(network)?;
            if self.body.is_some() {
                headers
                    .set("Content-Type", "application/json")
                    .map_err(network)?;
            }
            for (name, value) in self.headers {
                headers.set(name, value).map_err(invalid_request)?;
            }
            if let Some(token) = token {
                headers
                    .set("Authorization", &crate::text::concat(&["Bearer ", token]))
                    .map_err(network)?;
            }
            if let Some(key) = self.idempotency_key {
                headers.set("Idempotency-Key", key).map_err(network)?;
            }
            let response = gloo_net::http::Request::from(request)
                .send()
                .await
                .map_err(|e| self.failed(e))?;
            let text = response.text().await.map_err(|e| self.failed(e))?;
            let body = Some(&text)
                .filter(|t| !t.is_empty())
                .and_then(|t| js::parse(t))
                .unwrap_or(JsValue::UNDEFINED);
            // JS's `includes`: Rust's substring search would add its searcher to the wasm.
            let is_json = response
                .headers()
                .get("Content-Type")
                .is_some_and(|t| js_sys::JsString::from(t).includes("json", 0));
            let retry_after = response
                .headers()
                .get("Retry-After")
                // The browser's own number parser: Rust's would add kilobytes to the wasm.
                .map(|v| js_sys::Number::from(JsValue::from_str(&v)).value_of())
                .filter(|secs| secs.is_finite());
            Ok(Reply {
                status: response.status(),
                body,
                text,
                is_json,
                retry_after,
            })
        }

        /// No answer: the timeout, or the browser's reason.
        fn failed(&self, error: gloo_net::Error) -> SdkError {
            match error {
                gloo_net::Error::JsError(e) if e.name == "TimeoutError" => {
                    let secs = crate::text::decimal(self.timeout_ms / 1000);
                    SdkError::Network(crate::text::concat(&["no answer within ", &secs, " s"]))
                }
                gloo_net::Error::JsError(e) => SdkError::Network(e.message),
                gloo_net::Error::GlooError(message) => SdkError::Network(message),
            }
        }

        /// Sends the request and returns the body of a 2xx answer.
        pub async fn json(&self) -> Result<JsValue, SdkError> {
            self.send().await?.ok()
        }
    }

    fn server_error(status: u16, body: JsValue) -> SdkError {
        // The platform's `ErrorBody`; a proxy or load balancer in front may answer with HTML:
        // then the status is all there is.
        let error = answers::error_body(&body).unwrap_or_else(|| ErrorBody {
            message: crate::text::concat(&["HTTP ", &crate::text::decimal(status.into())]),
            code: ErrorCode::Unknown,
        });
        SdkError::Server {
            status,
            code: error.code,
            message: error.message,
        }
    }

    fn network(error: JsValue) -> SdkError {
        SdkError::Network(js::error_message(&error, "fetch failed"))
    }

    /// The browser refused to build the request: a method, header or body of the caller's.
    fn invalid_request(error: JsValue) -> SdkError {
        SdkError::InvalidArgument(js::error_message(
            &error,
            "the browser refuses this request",
        ))
    }
}
