//! [`OAuthFailure`]: every way a token, introspection or revocation request is refused.
//!
//! HubSpot answers all of them with HTTP 400 and a JSON body that carries its legacy
//! `status`/`message` pair and, since January 2026, RFC 6749's `error`/`error_description`.
//! The `status` codes and the messages marked below are observed; the rest follow the pattern.

/// A refused OAuth request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthFailure {
    /// `client_id` missing or unknown. HubSpot checks it before anything else.
    BadClientId,
    /// `client_secret` missing or wrong.
    BadClientSecret,
    /// `grant_type` missing, unknown, or one this sandbox does not offer.
    BadGrantType,
    /// `code` missing, unknown, issued to another app or already used.
    BadAuthCode,
    /// `code` known but past its lifetime (observed as `EXPIRED_AUTH_CODE`).
    ExpiredAuthCode,
    /// `redirect_uri` differs from the one of the authorize request.
    BadRedirectUri,
    /// `code_verifier` missing, wrong, or sent for a code issued without a challenge.
    BadCodeVerifier,
    /// `refresh_token` missing, unknown, rotated out or revoked.
    BadRefreshToken,
    /// A required parameter other than the above is missing or malformed.
    InvalidRequest(String),
    /// The body is not `application/x-www-form-urlencoded` (HTTP 415).
    UnsupportedMediaType,
}

impl OAuthFailure {
    /// HubSpot's legacy `status` code.
    pub fn status(&self) -> &'static str {
        match self {
            Self::BadClientId => "BAD_CLIENT_ID",
            Self::BadClientSecret => "BAD_CLIENT_SECRET",
            Self::BadGrantType => "BAD_GRANT_TYPE",
            Self::BadAuthCode => "BAD_AUTH_CODE",
            Self::ExpiredAuthCode => "EXPIRED_AUTH_CODE",
            Self::BadRedirectUri => "BAD_REDIRECT_URI",
            Self::BadCodeVerifier => "BAD_CODE_VERIFIER",
            Self::BadRefreshToken => "BAD_REFRESH_TOKEN",
            Self::InvalidRequest(_) => "BAD_REQUEST",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
        }
    }

    /// RFC 6749 section 5.2's `error`.
    pub fn error(&self) -> &'static str {
        match self {
            // Observed: HubSpot calls an unknown client id a malformed request.
            Self::BadClientId | Self::InvalidRequest(_) | Self::UnsupportedMediaType => {
                "invalid_request"
            }
            Self::BadClientSecret => "invalid_client",
            Self::BadGrantType => "unsupported_grant_type",
            // RFC 6749 section 5.2 and RFC 7636 section 4.6: code, redirect URI and verifier
            // mismatches are all invalid_grant.
            Self::BadAuthCode
            | Self::ExpiredAuthCode
            | Self::BadRedirectUri
            | Self::BadCodeVerifier
            | Self::BadRefreshToken => "invalid_grant",
        }
    }

    /// The human-readable message, sent both as `message` and `error_description`.
    pub fn message(&self) -> String {
        match self {
            Self::BadClientId => "missing or unknown client id".into(),
            Self::BadClientSecret => "missing or invalid client secret".into(),
            Self::BadGrantType => "grant_type must be authorization_code or refresh_token".into(),
            Self::BadAuthCode => "missing or unknown auth code".into(),
            Self::ExpiredAuthCode => "auth code is expired".into(),
            Self::BadRedirectUri => {
                "redirect_uri does not match the redirect_uri of the authorization request".into()
            }
            Self::BadCodeVerifier => {
                "code_verifier is missing or does not match the code_challenge".into()
            }
            Self::BadRefreshToken => "refresh token is invalid, expired or revoked".into(),
            Self::InvalidRequest(message) => message.clone(),
            Self::UnsupportedMediaType => {
                "the request body must be application/x-www-form-urlencoded".into()
            }
        }
    }

    /// 415 for the wrong media type, 400 for everything else (HubSpot does not use 401).
    pub fn http_status(&self) -> u16 {
        match self {
            Self::UnsupportedMediaType => 415,
            _ => 400,
        }
    }
}
