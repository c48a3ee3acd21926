//! Naming a connected account: the definition's account call (an API path, a URL such as an
//! OpenID userinfo endpoint, or RFC 7662 introspection) made with the new credential, its answer
//! read at the definition's `name` and `id` paths. For a key or a password this call is also the
//! check that the credential works, before it is sealed.

use reqwest::Method;
use serde_json::{Map, Value};

use super::{
    Connect, ConnectError, answer_cap,
    endpoints::{AccountCall, Endpoints},
    provider::{ClientAuth, ProviderError},
    sending,
};

/// Who the account is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// What people call it (an e-mail, a user name), when the answer says.
    pub name: Option<String>,
    /// Its stable id at the provider (HubSpot's hub id, Salesforce's org id), when there is one.
    pub id: Option<String>,
}

/// Calls the definition's account call with `secret` (an access token, or the fields of a key
/// or password as `sending` reads them); `values` are the connection's values for the URL's
/// placeholders; `client` authenticates an introspection.
pub async fn identify(
    connect: &Connect,
    endpoints: &Endpoints<'_>,
    values: &Map<String, Value>,
    secret: &str,
    client: Option<&ClientAuth<'_>>,
) -> Result<Identity, ConnectError> {
    let answer = match endpoints.account_call(values)? {
        AccountCall::Introspect(url) => {
            let client = client.ok_or_else(|| {
                ConnectError::Invalid("introspection needs the OAuth app's client".into())
            })?;
            connect.provider.introspect(client, &url, secret).await?
        }
        AccountCall::Api { method, url } => {
            let method = if method == "POST" {
                Method::POST
            } else {
                Method::GET
            };
            let builder = connect.provider.request(method, &url, "account URL")?;
            let builder = sending::authorize(builder, &endpoints.provider.auth, secret)?
                .header(reqwest::header::ACCEPT, "application/json");
            let response = builder
                .send()
                .await
                .map_err(|e| ProviderError::from_send(e.without_url(), "account URL"))?;
            let status = response.status();
            let body = answer_cap::read(response, answer_cap::TOKEN_ANSWER_MAX).await?;
            if status.as_u16() == 401 || status.as_u16() == 403 {
                return Err(ConnectError::Provider(ProviderError::InvalidGrant(
                    format!("the account call answered {status}"),
                )));
            }
            if !status.is_success() {
                return Err(ConnectError::Provider(
                    if status.is_server_error() || status.as_u16() == 429 {
                        ProviderError::Transient(format!("the account call answered {status}"))
                    } else {
                        ProviderError::Protocol(format!("the account call answered {status}"))
                    },
                ));
            }
            serde_json::from_slice(&body).map_err(|e| {
                ProviderError::Protocol(format!("the account call's answer is not JSON: {e}"))
            })?
        }
    };
    let account = &endpoints.provider.account;
    Ok(Identity {
        name: text_at(&answer, &account.name),
        id: account
            .id
            .as_deref()
            .and_then(|path| text_at(&answer, path)),
    })
}

/// The text (or number, as text) at a dotted path of a JSON value.
pub fn text_at(value: &Value, path: &str) -> Option<String> {
    let found = path
        .split('.')
        .try_fold(value, |value, key| value.get(key))?;
    match found {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_read_at_dotted_paths_as_text() {
        let answer =
            json!({"user": {"emailAddress": "ada@acme.test"}, "hub_id": 70001, "empty": ""});
        assert_eq!(
            text_at(&answer, "user.emailAddress").as_deref(),
            Some("ada@acme.test")
        );
        assert_eq!(text_at(&answer, "hub_id").as_deref(), Some("70001"));
        assert_eq!(text_at(&answer, "empty"), None);
        assert_eq!(text_at(&answer, "user.missing"), None);
        assert_eq!(text_at(&answer, "user"), None);
    }
}
