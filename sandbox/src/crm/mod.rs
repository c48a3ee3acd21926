//! CRM contacts v3 (storage, property rules, search, batch upsert), owners v3, pipelines v3 and
//! the contact property definitions of properties v3, and HubSpot's error bodies.
//! HTTP lives in [`crate::http`]; this module only decides.

pub mod changes;
pub mod contacts;
pub(crate) mod email;
pub mod failure;
mod filter;
pub mod owners;
pub mod pipelines;
pub mod properties;
pub mod search;
pub mod upsert;
pub mod view;

pub use changes::ContactChange;
pub use contacts::{ContactBook, ContactKey};
pub use email::is_valid_email;
pub use failure::CrmFailure;

/// Asserts that `scopes` are exactly the OAuth scopes HubSpot's spec `spec` (a file of
/// tests/fixtures/hubspot/) accepts for GET on each of `paths`: the sandbox's scope checks are
/// read from the published specs, not guessed.
#[cfg(test)]
pub(crate) fn assert_spec_read_scopes(spec: &str, paths: &[&str], scopes: &[&str]) {
    let file = [env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hubspot/", spec].concat();
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file).expect("the spec")).expect("JSON");
    let mut ours = scopes.to_vec();
    ours.sort_unstable();
    for path in paths {
        let mut listed: Vec<&str> = spec["paths"][path]["get"]["security"]
            .as_array()
            .expect("security")
            .iter()
            .flat_map(|s| s["oauth2"].as_array().into_iter().flatten())
            .filter_map(serde_json::Value::as_str)
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, ours, "{path}");
    }
}
