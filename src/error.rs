//! [`SdkError`]: every way an SDK call fails, turned into a JS `Error` with a `code` at the
//! boundary so that apps can branch on `error.code` instead of parsing messages.

use paragon_protocol::{
    ErrorCode,
    browser::{code, error_name, message},
};

/// A failed SDK call.
#[derive(Debug, Clone, PartialEq)]
pub enum SdkError {
    /// A call that talks to the platform ran before `configureGlobal`.
    NotConfigured,
    /// An argument from JS has the wrong shape.
    InvalidArgument(String),
    /// The request did not reach the platform or its answer was unreadable (offline, DNS,
    /// refused, or blocked by CORS: the browser does not tell these apart).
    Network(String),
    /// The platform answered with an error status and its error body.
    Server {
        /// The HTTP status.
        status: u16,
        /// The platform's stable error code.
        code: ErrorCode,
        /// The platform's message.
        message: String,
    },
    /// The platform answered 2xx with a body this SDK cannot read.
    InvalidResponse(String),
    /// The integration's API answered `request()` with an error status (passed through the
    /// platform's proxy).
    Provider {
        /// The provider's HTTP status.
        status: u16,
        /// What the answer says, when it says something in a `message`.
        detail: Option<String>,
        /// The provider's answer as `request()` would have resolved with it.
        body: wasm_bindgen::JsValue,
    },
    /// A call that needs a user ran before `authenticate` succeeded (or after `logout`).
    NotAuthenticated,
    /// The user token is not a JWT whose payload this SDK can read.
    InvalidToken(String),
    /// The user token's `exp` is in the past: the app must sign a new one.
    TokenExpired,
    /// The app's `tokenProvider` threw, rejected or resolved with something other than a
    /// string.
    TokenProviderFailed,
    /// The project has no integration of this type.
    UnknownIntegration(String),
    /// The browser blocked the OAuth popup (call `installIntegration` inside a click).
    OAuthBlocked,
    /// The user did not finish the provider's consent within `oauthTimeout`.
    OAuthTimeout,
    /// The user closed the OAuth popup before finishing.
    OAuthCancelled,
    /// The user turned the consent down on the provider's page.
    OAuthDenied,
    /// The provider or the platform ended the flow with an error.
    OAuthFailed(String),
    /// `event()` found the user's outbox at its limit (`maxPendingEvents` events or
    /// `maxPendingBytes` bytes of JSON): the event was not stored.
    OutboxFull {
        /// The limit on the number of events.
        events: u32,
        /// The limit on the outbox's JSON, in bytes.
        bytes: u32,
    },
    /// `localStorage` refused to store the event (QuotaExceededError): the event was not
    /// stored. The browser's message.
    StorageFull(String),
    /// `logout()` removed the event from this browser before the platform confirmed it.
    EventDiscarded,
}

impl SdkError {
    /// The stable code apps branch on, set as `error.code` on the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => code::NOT_CONFIGURED,
            Self::InvalidArgument(_) => code::INVALID_ARGUMENT,
            Self::Network(_) => code::NETWORK_ERROR,
            Self::Server { .. } => code::SERVER_ERROR,
            Self::InvalidResponse(_) => code::INVALID_RESPONSE,
            Self::Provider { .. } => code::PROVIDER_ERROR,
            Self::NotAuthenticated => code::NOT_AUTHENTICATED,
            Self::InvalidToken(_) => code::INVALID_TOKEN,
            Self::TokenExpired => code::TOKEN_EXPIRED,
            Self::TokenProviderFailed => code::TOKEN_PROVIDER_FAILED,
            Self::UnknownIntegration(_) => code::UNKNOWN_INTEGRATION,
            Self::OAuthBlocked => code::OAUTH_BLOCKED,
            Self::OAuthTimeout => code::OAUTH_TIMEOUT,
            Self::OAuthCancelled => code::OAUTH_CANCELLED,
            Self::OAuthDenied => code::OAUTH_DENIED,
            Self::OAuthFailed(_) => code::OAUTH_FAILED,
            Self::OutboxFull { .. } => code::OUTBOX_FULL,
            Self::StorageFull(_) => code::STORAGE_FULL,
            Self::EventDiscarded => code::EVENT_DISCARDED,
        }
    }

    /// The JS `name` of the error: `AuthenticationError` for every failure the app fixes by
    /// authenticating again (a bad, expired or refused token), `OAuthBlockedError` and
    /// `OAuthTimeoutError` for the headless popup, `ParagonError` otherwise.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotAuthenticated
            | Self::InvalidToken(_)
            | Self::TokenExpired
            | Self::TokenProviderFailed => error_name::AUTHENTICATION,
            Self::Server { status: 401, .. } => error_name::AUTHENTICATION,
            Self::OAuthBlocked => error_name::OAUTH_BLOCKED,
            Self::OAuthTimeout => error_name::OAUTH_TIMEOUT,
            _ => error_name::PARAGON,
        }
    }
}

impl SdkError {
    /// The message of the JS `Error`. Built by concatenation, not `format!`: `core::fmt`'s
    /// padding and integer printing would add kilobytes to the wasm.
    pub fn message(&self) -> String {
        let text: &str = match self {
            Self::NotConfigured => message::NOT_CONFIGURED,
            Self::InvalidArgument(detail) => {
                return crate::text::concat(&["invalid argument: ", detail]);
            }
            Self::Network(detail) => {
                return crate::text::concat(&["could not reach the platform: ", detail]);
            }
            Self::Server {
                status, message, ..
            } => {
                let status = crate::text::decimal(u32::from(*status));
                return crate::text::concat(&["platform answered ", &status, ": ", message]);
            }
            Self::InvalidResponse(detail) => {
                return crate::text::concat(&["unreadable answer from the platform: ", detail]);
            }
            Self::Provider { status, detail, .. } => {
                let status = crate::text::decimal(u32::from(*status));
                return match detail {
                    Some(detail) => crate::text::concat(&[
                        "the integration's API answered ",
                        &status,
                        ": ",
                        detail,
                    ]),
                    None => crate::text::concat(&["the integration's API answered ", &status]),
                };
            }
            Self::NotAuthenticated => message::NOT_AUTHENTICATED,
            Self::InvalidToken(detail) => {
                return crate::text::concat(&["the user token is not a JWT: ", detail]);
            }
            Self::TokenExpired => {
                "the user token has expired: sign a new one and authenticate again"
            }
            Self::TokenProviderFailed => {
                "the tokenProvider did not resolve with a token: authenticate again"
            }
            Self::UnknownIntegration(kind) => {
                return crate::text::concat(&[
                    "the project has no integration of type \"",
                    kind,
                    "\"",
                ]);
            }
            Self::OAuthBlocked => {
                "the browser blocked the popup: call installIntegration inside a click handler"
            }
            Self::OAuthTimeout => "the user did not finish connecting in time",
            Self::OAuthCancelled => "the user closed the popup before connecting",
            Self::OAuthDenied => "the user declined to connect on the provider's page",
            Self::OAuthFailed(detail) => {
                return crate::text::concat(&["connecting failed: ", detail]);
            }
            Self::OutboxFull { events, bytes } => {
                return crate::text::concat(&[
                    "event: the outbox is full (at most ",
                    &crate::text::decimal(*events),
                    " events and ",
                    &crate::text::decimal(*bytes),
                    " bytes of JSON per user): the event was not stored; \
                     there is room again once pending events are delivered",
                ]);
            }
            Self::StorageFull(detail) => {
                return crate::text::concat(&[
                    "event: localStorage refused the event, it was not stored: ",
                    detail,
                ]);
            }
            Self::EventDiscarded => "logout discarded the event before the platform confirmed it",
        };
        text.to_owned()
    }
}

impl std::fmt::Display for SdkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for SdkError {}

#[cfg(target_arch = "wasm32")]
impl From<SdkError> for wasm_bindgen::JsValue {
    /// The one place Rust errors become JS exceptions: an `Error` named after
    /// [`SdkError::name`] with `code` (and `status` for server answers); the npm entry turns it
    /// into an instance of its matching class.
    fn from(error: SdkError) -> Self {
        let js = js_sys::Error::new(&error.message());
        js.set_name(error.name());
        // Reflect::set on a fresh Error object cannot fail; ignore the impossible Err.
        let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().into());
        match error {
            SdkError::Server { status, .. } => {
                let _ = js_sys::Reflect::set(&js, &"status".into(), &status.into());
            }
            SdkError::Provider { status, body, .. } => {
                let _ = js_sys::Reflect::set(&js, &"status".into(), &status.into());
                let _ = js_sys::Reflect::set(&js, &"body".into(), &body);
            }
            _ => {}
        }
        js.into()
    }
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn token_failures_are_authentication_errors_and_others_are_not() {
        let refused = SdkError::Server {
            status: 401,
            code: ErrorCode::Unauthorized,
            message: "expired".into(),
        };
        assert_eq!(refused.name(), "AuthenticationError");
        assert_eq!(SdkError::TokenExpired.name(), "AuthenticationError");
        assert_eq!(SdkError::TokenExpired.code(), "TOKEN_EXPIRED");
        assert_eq!(SdkError::Network("x".into()).name(), "ParagonError");
    }

    #[test]
    fn messages_are_built_without_format() {
        let refused = SdkError::Server {
            status: 503,
            code: ErrorCode::Unknown,
            message: "down".into(),
        };
        assert_eq!(refused.to_string(), "platform answered 503: down");
        assert_eq!(
            SdkError::UnknownIntegration("x".into()).message(),
            "the project has no integration of type \"x\""
        );
        let full = SdkError::OutboxFull {
            events: 500,
            bytes: 1_000_000,
        };
        assert_eq!(full.code(), "OUTBOX_FULL");
        assert!(
            full.message()
                .starts_with("event: the outbox is full (at most 500 events and 1000000 bytes"),
            "{}",
            full.message()
        );
    }

    /// What the npm entry reads to pick the class and what apps branch on.
    #[cfg(target_arch = "wasm32")]
    #[test]
    fn a_js_error_carries_name_code_and_the_platform_status() {
        use wasm_bindgen::JsValue;
        let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &k.into()).expect("an object");
        let refused: JsValue = SdkError::Server {
            status: 401,
            code: ErrorCode::Unauthorized,
            message: "expired".into(),
        }
        .into();
        assert!(wasm_bindgen::JsCast::is_instance_of::<js_sys::Error>(
            &refused
        ));
        assert_eq!(get(&refused, "name"), "AuthenticationError");
        assert_eq!(get(&refused, "code"), "SERVER_ERROR");
        assert_eq!(get(&refused, "status"), 401);
        assert_eq!(get(&refused, "message"), "platform answered 401: expired");
        let blocked: JsValue = SdkError::OAuthBlocked.into();
        assert_eq!(get(&blocked, "name"), "OAuthBlockedError");
        assert_eq!(get(&blocked, "code"), "OAUTH_BLOCKED");
        assert!(
            get(&blocked, "status").is_undefined(),
            "no status without an answer"
        );
    }
}
