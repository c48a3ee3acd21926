//! HubSpot's OpenAPI specs as a contract: load a copy (checked against `SHA256SUMS`), find the
//! response schema of a path, method and status, and validate a body against it with
//! `jsonschema`, following `$ref`s inside the spec document.

use std::{collections::HashMap, path::PathBuf, sync::OnceLock};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hubspot")
}

/// Every fixture listed in `SHA256SUMS`, with the sum it should have.
pub fn listed_sums() -> HashMap<String, String> {
    let sums = std::fs::read_to_string(fixtures().join("SHA256SUMS")).expect("SHA256SUMS is there");
    sums.lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(sum, name)| (name.trim().to_owned(), sum.trim().to_owned()))
        .collect()
}

/// The file's bytes after checking them against `SHA256SUMS`.
pub fn verified_bytes(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixtures().join(name)).expect("the fixture is there");
    let expected = listed_sums()
        .remove(name)
        .expect("the fixture is listed in SHA256SUMS");
    let actual: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        actual, expected,
        "{name} differs from HubSpot's published spec"
    );
    bytes
}

/// One loaded spec.
pub struct Spec {
    name: &'static str,
    document: Value,
}

/// The spec `name`, loaded once per test process.
pub fn spec(name: &'static str) -> &'static Spec {
    static SPECS: OnceLock<std::sync::Mutex<HashMap<&'static str, &'static Spec>>> =
        OnceLock::new();
    let specs = SPECS.get_or_init(Default::default);
    let mut specs = specs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    specs.entry(name).or_insert_with(|| {
        let mut document: Value =
            serde_json::from_slice(&verified_bytes(name)).expect("the spec is JSON");
        to_json_schema(&mut document);
        Box::leak(Box::new(Spec { name, document }))
    })
}

/// OpenAPI 3.0 schema objects into JSON Schema: `nullable: true` becomes a `null` type, and
/// object schemas that list `properties` are closed, so a field HubSpot does not declare fails.
fn to_json_schema(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(kind)) = object.get("type").cloned() {
                    object.insert("type".into(), json!([kind, "null"]));
                }
            }
            let lists_properties = object
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            if lists_properties && !object.contains_key("additionalProperties") {
                object.insert("additionalProperties".into(), Value::Bool(false));
            }
            object.values_mut().for_each(to_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

impl Spec {
    /// The `$ref` (or inline schema) the spec declares for this answer.
    fn response_schema(&self, path: &str, method: &str, status: u16) -> Value {
        let response = &self.document["paths"][path][method]["responses"][status.to_string()];
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            !schema.is_null(),
            "{} declares no JSON schema for {method} {path} {status}",
            self.name
        );
        schema.clone()
    }

    /// Panics with every violation if `body` does not match the declared schema.
    pub fn check(&self, path: &str, method: &str, status: u16, body: &Value) {
        if let Err(errors) = self.validate(path, method, status, body) {
            panic!(
                "{} {method} {path} {status}: the body breaks HubSpot's schema:\n{}\nbody: {body:#}",
                self.name,
                errors.join("\n")
            );
        }
    }

    /// The violations of `body` against the declared schema, if any.
    pub fn validate(
        &self,
        path: &str,
        method: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        // The whole document is the root, so `#/components/…` pointers resolve; Draft 4 (the
        // base of OpenAPI 3.0) ignores the siblings of the root `$ref`.
        let mut root: Map<String, Value> = self.document.as_object().cloned().unwrap_or_default();
        let schema = self.response_schema(path, method, status);
        match schema.get("$ref") {
            Some(reference) => root.insert("$ref".into(), reference.clone()),
            None => root.insert("allOf".into(), json!([schema])),
        };
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .expect("the spec's schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("  at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
