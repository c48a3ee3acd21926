//! HubSpot's OAuth 2.0 server: consents, codes, grants, tokens and the token exchange.
//! HTTP lives in [`crate::http`]; this module only decides.

pub mod codes;
pub mod consent;
pub mod exchange;
pub mod failure;
pub mod tokens;

pub use failure::OAuthFailure;

/// The OAuth state of one sandbox.
#[derive(Debug, Default)]
pub struct OAuthState {
    /// Consent pages waiting for a decision.
    pub consents: consent::Consents,
    /// Issued authorization codes.
    pub codes: codes::Codes,
    /// Grants and tokens.
    pub tokens: tokens::Tokens,
}
