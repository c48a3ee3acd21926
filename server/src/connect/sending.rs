//! How a request to a provider carries the end user's credential, as the definition says: an
//! OAuth access token as a bearer token; an API key in a header or a query parameter; a user
//! name and password as HTTP Basic.
//!
//! What is sealed in the vault for a key or a password is the JSON object of the fields the user
//! typed (`{"api_key": "SG.…"}`, `{"email": "…", "api_token": "…"}`): the definition's templates
//! (`Bearer {{credential.api_key}}`, `{{credential.email}}/token`) are filled from it here, for
//! each request, and the result lives only in the outgoing request.

use reqwest::RequestBuilder;
use serde_json::{Map, Value};

use super::ConnectError;
use crate::providers::{Auth, KeyPlace, template};

/// `builder` with the credential `secret` where the definition's `auth` puts it. `secret` is
/// the access token for OAuth, the sealed fields' JSON otherwise.
pub fn authorize(
    builder: RequestBuilder,
    auth: &Auth,
    secret: &str,
) -> Result<RequestBuilder, ConnectError> {
    Ok(match auth {
        Auth::OAuth2(_) => builder.bearer_auth(secret),
        Auth::ApiKey(send) => {
            let fields = fields(secret)?;
            let value = fill(&send.value, &fields)?;
            match &send.place {
                KeyPlace::Header(name) => builder.header(name.as_str(), value),
                KeyPlace::Query(name) => builder.query(&[(name.as_str(), value.as_str())]),
            }
        }
        Auth::Basic(send) => {
            let fields = fields(secret)?;
            builder.basic_auth(
                fill(&send.username, &fields)?,
                Some(fill(&send.password, &fields)?),
            )
        }
    })
}

/// The sealed fields of a key or password credential.
pub fn fields(secret: &str) -> Result<Map<String, Value>, ConnectError> {
    match serde_json::from_str(secret) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(ConnectError::Invalid(
            "the stored credential is not a set of fields: connect again".into(),
        )),
    }
}

fn fill(text: &str, fields: &Map<String, Value>) -> Result<String, ConnectError> {
    template::render(text, |name| {
        fields
            .get(name.strip_prefix("credential.")?)
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
    .map_err(|missing| {
        ConnectError::Invalid(format!(
            "the stored credential lacks `{missing}`: connect again"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers;

    fn sent(provider: &str, secret: &str) -> reqwest::Request {
        let auth = &providers::find(provider).expect("shipped").auth;
        let builder = reqwest::Client::new().get("https://api.example.test/v1/x?a=1");
        authorize(builder, auth, secret)
            .expect("authorized")
            .build()
            .expect("a request")
    }

    #[test]
    fn each_mode_puts_the_credential_where_its_definition_says() {
        let oauth = sent("hubspot", "access-1");
        assert_eq!(oauth.headers()["authorization"], "Bearer access-1");

        let key = sent("sendgrid", r#"{"api_key":"SG.key-2"}"#);
        assert_eq!(key.headers()["authorization"], "Bearer SG.key-2");
        assert_eq!(key.url().query(), Some("a=1"), "the key is not in the URL");

        // Freshdesk: the key as the user name of HTTP Basic, `X` as the password.
        let basic = sent("freshdesk", r#"{"domain":"acme","api_key":"key-3"}"#);
        let header = basic.headers()["authorization"].to_str().expect("ASCII");
        assert!(header.starts_with("Basic "), "{header}");
    }

    #[test]
    fn a_credential_without_its_fields_is_refused() {
        let auth = &providers::find("sendgrid").expect("shipped").auth;
        let builder = reqwest::Client::new().get("https://api.example.test/");
        assert!(authorize(builder, auth, "{}").is_err());
        let builder = reqwest::Client::new().get("https://api.example.test/");
        assert!(authorize(builder, auth, "not json").is_err());
    }
}
