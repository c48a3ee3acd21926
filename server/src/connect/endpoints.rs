//! Where an integration's calls go: the URLs of its provider's definition, moved to the hosts the
//! project configured, with the connection's values filled in.
//!
//! A project may point an integration's authorize page, token endpoint or API base elsewhere
//! (`paragon integration set --token-url …`: a local stand-in, a provider's EU host). Every other
//! URL of the definition on the same origin as the one overridden moves with it: Salesforce's
//! revocation and userinfo endpoints live beside its token endpoint on the login host, so
//! pointing the token URL at the stand-in points them there too. The path is the definition's:
//! an override moves the scheme, host and port only.

use serde_json::Value;

use super::ConnectError;
use crate::{
    providers::{self, AccountTarget, OAuth2, Provider, template},
    storage::{Credential, Integration},
};

/// An integration with its provider's definition.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints<'a> {
    /// The definition.
    pub provider: &'static Provider,
    /// The project's integration.
    pub integration: &'a Integration,
}

/// Where the account call goes, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCall {
    /// A bearer call (GET or POST) to this URL.
    Api {
        /// `GET` or `POST`.
        method: String,
        /// The URL.
        url: String,
    },
    /// RFC 7662 introspection of the access token at this URL.
    Introspect(String),
}

impl<'a> Endpoints<'a> {
    /// The endpoints of `integration`; a provider that is not (or no longer) in the catalogue
    /// is a clear error, never a guess.
    pub fn of(integration: &'a Integration) -> Result<Self, ConnectError> {
        let provider = providers::find(&integration.provider).ok_or_else(|| {
            ConnectError::Invalid(format!(
                "the integration's provider {:?} is not in this platform's catalogue",
                integration.provider
            ))
        })?;
        Ok(Self {
            provider,
            integration,
        })
    }

    /// The OAuth 2.0 part of the definition, or an error naming the provider's mode.
    pub fn oauth(&self) -> Result<&'static OAuth2, ConnectError> {
        match &self.provider.auth {
            providers::Auth::OAuth2(oauth) => Ok(oauth),
            other => Err(ConnectError::Invalid(format!(
                "{} connects with {}, not OAuth",
                self.provider.display_name,
                other.mode()
            ))),
        }
    }

    /// `url` (a template of the definition) moved to the project's hosts.
    pub fn rebase(&self, url: &str) -> String {
        let mut pairs = vec![(
            self.provider.api.base_url.as_str(),
            self.integration.api_base.as_str(),
        )];
        if let providers::Auth::OAuth2(oauth) = &self.provider.auth {
            pairs.insert(
                0,
                (
                    oauth.token_url.as_str(),
                    self.integration.token_url.as_str(),
                ),
            );
            pairs.insert(
                1,
                (
                    oauth.authorize_url.as_str(),
                    self.integration.auth_url.as_str(),
                ),
            );
        }
        for (default, configured) in pairs {
            let (Some(from), Some(to)) = (origin(default), origin(configured)) else {
                continue;
            };
            if from == to {
                continue;
            }
            if let Some(rest) = url.strip_prefix(from) {
                if rest.is_empty() || rest.starts_with(['/', '?']) {
                    return format!("{to}{rest}");
                }
            }
        }
        url.to_owned()
    }

    /// The revocation endpoint, with the token to revoke in its URL when it takes it there.
    pub fn revoke_url(
        &self,
        revoke: &providers::Revoke,
        token: &str,
    ) -> Result<String, ConnectError> {
        let url = self.rebase(&revoke.url);
        template::render(&url, |name| {
            (name == "token").then(|| percent_encode(token))
        })
        .map_err(|missing| unfilled("revocation URL", &missing))
    }

    /// The call that names the connected account, for a connection with `values` (the token
    /// answer's and the user's values, by field id).
    pub fn account_call(
        &self,
        values: &serde_json::Map<String, Value>,
    ) -> Result<AccountCall, ConnectError> {
        let account = &self.provider.account;
        Ok(match &account.target {
            AccountTarget::Path(path) => AccountCall::Api {
                method: account.method.clone(),
                url: format!(
                    "{}{}",
                    self.base_for(values)?,
                    fill(path, values, "account path")?
                ),
            },
            AccountTarget::Url(url) => AccountCall::Api {
                method: account.method.clone(),
                url: fill(&self.rebase(url), values, "account URL")?,
            },
            AccountTarget::Introspect(url) => {
                AccountCall::Introspect(fill(&self.rebase(url), values, "introspection URL")?)
            }
        })
    }

    /// The API base of `credential`'s connection: the project's, its placeholders filled from
    /// the connection (Salesforce's `instance_url`).
    pub fn api_base(&self, credential: &Credential) -> Result<String, ConnectError> {
        self.base_for(&credential.provider_data)
    }

    fn base_for(&self, values: &serde_json::Map<String, Value>) -> Result<String, ConnectError> {
        let base = fill(&self.integration.api_base, values, "API base")?;
        Ok(base.trim_end_matches('/').to_owned())
    }
}

/// `text` with its `{{connection.<id>}}` placeholders filled from `values`.
fn fill(
    text: &str,
    values: &serde_json::Map<String, Value>,
    what: &str,
) -> Result<String, ConnectError> {
    template::render(text, |name| {
        let id = name.strip_prefix("connection.")?;
        match values.get(id)? {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            _ => None,
        }
    })
    .map_err(|missing| unfilled(what, &missing))
}

fn unfilled(what: &str, missing: &str) -> ConnectError {
    ConnectError::Invalid(format!(
        "the {what} needs `{missing}`, which this connection does not have: connect again"
    ))
}

/// `scheme://host[:port]` of a URL without placeholders in it, as written.
fn origin(url: &str) -> Option<&str> {
    let after = url.find("://")? + 3;
    let end = url[after..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after + i);
    let origin = &url[..end];
    (!template::has_placeholder(origin)).then_some(origin)
}

/// A path segment's percent-encoding (RFC 3986 unreserved characters kept).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ids::{IntegrationId, ProjectId};

    fn integration(provider: &str, token_url: &str, auth_url: &str, api_base: &str) -> Integration {
        Integration {
            id: IntegrationId::random(),
            project_id: ProjectId::new(),
            provider: provider.into(),
            name: provider.into(),
            client_id: "id".into(),
            client_secret: Vec::new(),
            scopes: Vec::new(),
            auth_url: auth_url.into(),
            token_url: token_url.into(),
            api_base: api_base.into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn an_overridden_host_moves_every_url_on_its_origin() {
        let sandbox = "http://127.0.0.1:4100";
        let salesforce = integration(
            "salesforce",
            &format!("{sandbox}/services/oauth2/token"),
            &format!("{sandbox}/services/oauth2/authorize"),
            "{{connection.instance_url}}/services/data/v60.0",
        );
        let endpoints = Endpoints::of(&salesforce).expect("salesforce is shipped");
        let oauth = endpoints.oauth().expect("oauth");
        let revoke = oauth.revoke.as_ref().expect("a revocation endpoint");

        assert_eq!(
            endpoints.revoke_url(revoke, "t").expect("a URL"),
            format!("{sandbox}/services/oauth2/revoke")
        );
        assert_eq!(
            endpoints
                .account_call(&serde_json::Map::new())
                .expect("a call"),
            AccountCall::Api {
                method: "GET".into(),
                url: format!("{sandbox}/services/oauth2/userinfo")
            }
        );
        // Another origin is left alone.
        assert_eq!(
            endpoints.rebase("https://example.com/x"),
            "https://example.com/x"
        );
        // A prefix of the origin is not the origin.
        assert_eq!(
            endpoints.rebase("https://login.salesforce.com.evil.test/x"),
            "https://login.salesforce.com.evil.test/x"
        );
    }

    #[test]
    fn the_api_base_is_filled_from_the_connection_or_refused() {
        let salesforce = integration(
            "salesforce",
            "https://login.salesforce.com/services/oauth2/token",
            "https://login.salesforce.com/services/oauth2/authorize",
            "{{connection.instance_url}}/services/data/v60.0",
        );
        let endpoints = Endpoints::of(&salesforce).expect("shipped");
        let values = json!({"instance_url": "https://acme.my.salesforce.com"});

        assert_eq!(
            endpoints
                .base_for(values.as_object().expect("object"))
                .expect("a base"),
            "https://acme.my.salesforce.com/services/data/v60.0"
        );
        let missing = endpoints.base_for(&serde_json::Map::new());
        assert!(
            matches!(&missing, Err(ConnectError::Invalid(m)) if m.contains("connection.instance_url")),
            "{missing:?}"
        );
    }

    #[test]
    fn a_token_in_a_revocation_path_is_encoded() {
        assert_eq!(percent_encode("a/b c?"), "a%2Fb%20c%3F");
    }

    #[test]
    fn a_provider_outside_the_catalogue_is_an_error() {
        let gone = integration("no-such-provider", "", "", "");
        assert!(Endpoints::of(&gone).is_err());
    }
}
