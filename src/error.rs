//! [`SdkError`]: every way an SDK call fails, turned into a JS `Error` with a `code` at the
//! boundary so that apps can branch on `error.code` instead of parsing messages.

use paragon_protocol::ErrorCode;

/// A failed SDK call.
#[derive(Debug, Clone, PartialEq)]
pub enum SdkError {
    /// `configureGlobal` got something that is not an http(s) base URL.
    InvalidHost(String),
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
    /// The provider or the platform ended the flow with an error.
    OAuthFailed(String),
}

impl SdkError {
    /// The stable code apps branch on, set as `error.code` on the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidHost(_) => "INVALID_HOST",
            Self::NotConfigured => "NOT_CONFIGURED",
            Self::InvalidArgument(_) => "INVALID_ARGUMENT",
            Self::Network(_) => "NETWORK_ERROR",
            Self::Server { .. } => "SERVER_ERROR",
            Self::InvalidResponse(_) => "INVALID_RESPONSE",
            Self::NotAuthenticated => "NOT_AUTHENTICATED",
            Self::InvalidToken(_) => "INVALID_TOKEN",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::TokenProviderFailed => "TOKEN_PROVIDER_FAILED",
            Self::UnknownIntegration(_) => "UNKNOWN_INTEGRATION",
            Self::OAuthBlocked => "OAUTH_BLOCKED",
            Self::OAuthTimeout => "OAUTH_TIMEOUT",
            Self::OAuthCancelled => "OAUTH_CANCELLED",
            Self::OAuthFailed(_) => "OAUTH_FAILED",
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
            | Self::TokenProviderFailed => "AuthenticationError",
            Self::Server { status: 401, .. } => "AuthenticationError",
            Self::OAuthBlocked => "OAuthBlockedError",
            Self::OAuthTimeout => "OAuthTimeoutError",
            _ => "ParagonError",
        }
    }
}

impl std::fmt::Display for SdkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidHost(detail) => write!(f, "configureGlobal: invalid host {detail}"),
            Self::NotConfigured => {
                f.write_str("call paragon.configureGlobal({ host }) before this method")
            }
            Self::InvalidArgument(detail) => write!(f, "invalid argument: {detail}"),
            Self::Network(detail) => write!(f, "could not reach the platform: {detail}"),
            Self::Server {
                status, message, ..
            } => write!(f, "platform answered {status}: {message}"),
            Self::InvalidResponse(detail) => {
                write!(f, "unreadable answer from the platform: {detail}")
            }
            Self::NotAuthenticated => {
                f.write_str("call paragon.authenticate(projectId, token) before this method")
            }
            Self::InvalidToken(detail) => write!(f, "the user token is not a JWT: {detail}"),
            Self::TokenExpired => {
                f.write_str("the user token has expired: sign a new one and authenticate again")
            }
            Self::TokenProviderFailed => {
                f.write_str("the tokenProvider did not resolve with a token: authenticate again")
            }
            Self::UnknownIntegration(kind) => {
                write!(f, "the project has no integration of type \"{kind}\"")
            }
            Self::OAuthBlocked => f.write_str(
                "the browser blocked the popup: call installIntegration inside a click handler",
            ),
            Self::OAuthTimeout => f.write_str("the user did not finish connecting in time"),
            Self::OAuthCancelled => f.write_str("the user closed the popup before connecting"),
            Self::OAuthFailed(detail) => write!(f, "connecting failed: {detail}"),
        }
    }
}

impl std::error::Error for SdkError {}

#[cfg(target_arch = "wasm32")]
impl From<SdkError> for wasm_bindgen::JsValue {
    /// The one place Rust errors become JS exceptions: an `Error` named after
    /// [`SdkError::name`] with `code` (and `status` for server answers); the npm entry turns it
    /// into an instance of its matching class.
    fn from(error: SdkError) -> Self {
        let js = js_sys::Error::new(&error.to_string());
        js.set_name(error.name());
        // Reflect::set on a fresh Error object cannot fail; ignore the impossible Err.
        let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().into());
        if let SdkError::Server { status, .. } = error {
            let _ = js_sys::Reflect::set(&js, &"status".into(), &status.into());
        }
        js.into()
    }
}

#[cfg(test)]
mod tests {
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
}
