//! Integrations as data: one definition per provider in `providers/<name>.yaml` at the
//! repository's root (display name, categories, auth mode, OAuth URLs and quirks, API base, the
//! call that names the account, rate limits, and the documentation each value was taken from),
//! compiled into the binary and checked by a test. docs/integrations.md is the user
//! documentation: how a definition is written and reviewed, and what each field means.
//!
//! [`shipped`] reads the compiled-in files once; [`load`] checks any set of files, reporting
//! every problem with its file, line and column.

mod auth;
mod definition;
mod load;
mod problem;
mod read;
mod shipped;
pub mod template;
mod values;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

pub use definition::{
    Account, AccountTarget, Api, ApiKeySend, Auth, BasicSend, CATEGORIES, ClientAuth, ExpiresIn,
    Field, FieldFormat, KeyPlace, OAuth2, Pacing, Provider, RateHeaders, RateLimit, Revoke,
    Rotation, TokenKind,
};
pub use load::load;
pub use problem::{ProviderError, ProviderErrors, ProviderProblem};
pub use shipped::SHIPPED;

/// The definitions compiled into this binary, read and checked on first use. The test suite
/// checks them on every change, so an error here means a binary built without running it.
pub fn shipped() -> Result<&'static [Provider], &'static ProviderErrors> {
    static SHIPPED_PROVIDERS: OnceLock<Result<Vec<Provider>, ProviderErrors>> = OnceLock::new();
    SHIPPED_PROVIDERS
        .get_or_init(|| load(SHIPPED))
        .as_ref()
        .map(Vec::as_slice)
}

/// The shipped definition named `name` (`salesforce`), if there is one.
pub fn find(name: &str) -> Option<&'static Provider> {
    shipped().ok()?.iter().find(|p| p.name == name)
}

/// Every shipped provider's name, joined for an error message.
pub fn names() -> String {
    shipped()
        .map(|all| {
            all.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
