//! Connecting a provider whose end users paste a key or a password (`api_key` and `basic` in the
//! definition): the portal sends the fields the definition asks for; the platform checks their
//! shape, calls the definition's account call with them (a key the provider refuses is never
//! stored), then seals them in the vault as the user's credential.

use serde_json::{Map, Value};

use super::{
    Connect, ConnectError, account,
    credentials::{self, Connection},
    endpoints::Endpoints,
    provider::ProviderError,
};
use crate::{
    ids::{ProjectId, UserId},
    providers::{Auth, Field, FieldFormat},
    storage::Credential,
};

/// The longest value a field takes: real keys and tokens are well under it.
pub const FIELD_MAX_CHARS: usize = 2048;

/// Checks `fields` against the definition, checks them at the provider and stores them as
/// `user`'s credential for the project's `provider_type` integration.
pub async fn connect(
    connect: &Connect,
    project: ProjectId,
    user: &UserId,
    provider_type: &str,
    fields: &Map<String, Value>,
) -> Result<Credential, ConnectError> {
    let integration = connect
        .store
        .integration_by_provider(project, provider_type)
        .await?
        .ok_or_else(|| {
            ConnectError::NotFound(format!("the project has no {provider_type:?} integration"))
        })?;
    let endpoints = Endpoints::of(&integration)?;
    let provider = endpoints.provider;
    if matches!(provider.auth, Auth::OAuth2(_)) {
        return Err(ConnectError::Invalid(format!(
            "{} connects with OAuth: open its consent page with connect()",
            provider.display_name
        )));
    }
    let typed = checked(&provider.fields, fields)?;
    // What URLs may show: the fields that are not secret (a subdomain).
    let values: Map<String, Value> = provider
        .fields
        .iter()
        .filter(|f| !f.secret)
        .filter_map(|f| Some((f.id.clone(), typed.get(&f.id)?.clone())))
        .collect();
    let secret = Value::Object(typed).to_string();
    let identity = account::identify(connect, &endpoints, &values, &secret, None)
        .await
        .map_err(|error| match error {
            ConnectError::Provider(ProviderError::InvalidGrant(_)) => {
                ConnectError::Invalid(format!(
                    "{} refused these credentials: check them and try again.",
                    provider.display_name
                ))
            }
            other => other,
        })?;
    let mut provider_data = values;
    if let Some(name) = identity.name {
        provider_data.insert("accountName".into(), Value::String(name));
    }
    credentials::save(
        connect,
        &integration,
        Connection {
            project,
            user,
            integration: &integration.id,
            access: &secret,
            refresh: None,
            expires_in: None,
            provider_id: identity.id.unwrap_or_default(),
            provider_data,
        },
    )
    .await
}

/// Every field of the definition, present once, a non-empty text of its format; nothing else.
fn checked(
    defined: &[Field],
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, ConnectError> {
    let invalid = |message: String| Err(ConnectError::Invalid(message));
    if let Some(unknown) = given.keys().find(|k| !defined.iter().any(|f| &f.id == *k)) {
        let known: Vec<&str> = defined.iter().map(|f| f.id.as_str()).collect();
        return invalid(format!(
            "unknown field {unknown:?}: this integration takes {}",
            known.join(", ")
        ));
    }
    let mut typed = Map::new();
    for field in defined {
        let value = match given.get(&field.id) {
            Some(Value::String(text)) => text.trim(),
            Some(_) => return invalid(format!("{} must be text", field.label)),
            None => "",
        };
        if value.is_empty() {
            return invalid(format!("{} is required", field.label));
        }
        if value.chars().count() > FIELD_MAX_CHARS {
            return invalid(format!(
                "{} is longer than {FIELD_MAX_CHARS} characters",
                field.label
            ));
        }
        if !fits(field.format, value) {
            return invalid(format!(
                "{} must be {}",
                field.label,
                match field.format {
                    Some(FieldFormat::Label) => "one word of letters, digits and hyphens",
                    _ => "a host name",
                }
            ));
        }
        typed.insert(field.id.clone(), Value::String(value.to_owned()));
    }
    Ok(typed)
}

/// Whether a value goes safely into a URL's host: a DNS label, or labels joined by dots. A
/// value that could carry `/`, `@` or `:` would move the request to another host.
fn fits(format: Option<FieldFormat>, value: &str) -> bool {
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    match format {
        None => !value.chars().any(char::is_control),
        Some(FieldFormat::Label) => label(value),
        Some(FieldFormat::Hostname) => value.len() <= 253 && value.split('.').all(label),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::providers;

    fn freshdesk(given: Value) -> Result<Map<String, Value>, ConnectError> {
        let fields = &providers::find("freshdesk").expect("shipped").fields;
        checked(fields, given.as_object().expect("an object"))
    }

    #[test]
    fn fields_are_checked_against_the_definition() {
        let good = freshdesk(json!({"domain": " acme ", "api_key": "k"})).expect("valid");
        assert_eq!(good["domain"], "acme", "trimmed");

        for (given, words) in [
            (json!({"api_key": "k"}), "required"),
            (json!({"domain": "acme", "api_key": 7}), "must be text"),
            (
                json!({"domain": "acme", "api_key": "k", "x": "y"}),
                "unknown field",
            ),
            (
                json!({"domain": "a", "api_key": "x".repeat(FIELD_MAX_CHARS + 1)}),
                "longer",
            ),
        ] {
            let refused = freshdesk(given);
            assert!(
                matches!(&refused, Err(ConnectError::Invalid(m)) if m.contains(words)),
                "{words}: {refused:?}"
            );
        }
    }

    #[test]
    fn a_value_that_would_move_the_host_is_refused() {
        // `https://{{connection.domain}}.freshdesk.com`: each of these would send the key to a
        // host the attacker chose.
        for domain in [
            "evil.test/x",
            "evil.test#",
            "a@evil.test",
            "evil.test:443",
            "a.b",
            "-a",
        ] {
            let refused = freshdesk(json!({"domain": domain, "api_key": "k"}));
            assert!(refused.is_err(), "{domain:?} was taken");
        }
        assert!(fits(Some(FieldFormat::Hostname), "acme.crm4.dynamics.com"));
        assert!(!fits(Some(FieldFormat::Hostname), "acme..com"));
    }
}
