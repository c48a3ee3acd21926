//! Who may call what: project API keys (management API), RSA signing keys and the user tokens
//! they sign (SDK API).

pub mod api_key;
pub mod signing_key;
pub mod token;
