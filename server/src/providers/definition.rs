//! A provider definition as the platform reads it, once `read` has checked it: every URL https,
//! every placeholder one of the closed list, every section with the documentation its values were
//! taken from. docs/integrations.md explains each field.

/// One provider: who it is, how its users connect, how its API is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The provider's name, also its file's name: `hubspot` in `providers/hubspot.yaml`.
    pub name: String,
    /// What the Connect Portal shows: `HubSpot`.
    pub display_name: String,
    /// What kind of tool it is, from [`CATEGORIES`].
    pub categories: Vec<String>,
    /// An SVG of the repository under `providers/icons/`, or none (the portal draws a placeholder).
    pub icon: Option<String>,
    /// The provider's API documentation.
    pub docs: String,
    /// How an end user's account is connected.
    pub auth: Auth,
    /// Where the API is.
    pub api: Api,
    /// The call that names the connected account (and, for keys and passwords, checks them).
    pub account: Account,
    /// How fast the API may be called and how it says so.
    pub rate_limit: RateLimit,
    /// What the end user types before connecting (a subdomain, an API key).
    pub fields: Vec<Field>,
}

/// The kinds of tools a provider is, a closed list so the portal can group them.
pub const CATEGORIES: &[&str] = &[
    "accounting",
    "calendar",
    "chat",
    "commerce",
    "crm",
    "database",
    "email",
    "engineering",
    "files",
    "marketing",
    "productivity",
    "project-management",
    "sales-engagement",
    "support",
];

/// How an end user's account is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The provider's consent page and tokens.
    OAuth2(OAuth2),
    /// A key the end user pastes, sent in a header or a query parameter.
    ApiKey(ApiKeySend),
    /// A user name and password (often a key in one of them), sent as HTTP Basic.
    Basic(BasicSend),
}

impl Auth {
    /// `oauth2`, `api_key` or `basic`, as written in the files.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::OAuth2(_) => "oauth2",
            Self::ApiKey(_) => "api_key",
            Self::Basic(_) => "basic",
        }
    }
}

/// The OAuth 2.0 authorization code flow as this provider runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2 {
    /// The consent page, a URL template.
    pub authorize_url: String,
    /// The token endpoint, a URL template.
    pub token_url: String,
    /// The scopes asked for by default; a project may ask for others.
    pub scopes: Vec<String>,
    /// What joins the scopes in the `scope` parameter: `" "` or `","` (`space` or `comma` in
    /// the files).
    pub scope_separator: String,
    /// Whether the provider takes PKCE (S256); the platform then always sends it.
    pub pkce: bool,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// Parameters the consent page needs beyond the standard ones (`access_type=offline`).
    pub authorize_params: Vec<(String, String)>,
    /// Where the answer of the token endpoint says when the access token expires.
    pub expires_in: ExpiresIn,
    /// Values of the token answer kept with the connection: (connection field, path in the answer).
    pub token_fields: Vec<(String, String)>,
    /// Query parameters of the redirect back kept with the connection (QuickBooks' `realmId`).
    pub callback_params: Vec<String>,
    /// Whether a refresh answers a new refresh token.
    pub refresh_token_rotates: Rotation,
    /// How to revoke a connection's tokens at the provider, when it can be done.
    pub revoke: Option<Revoke>,
}

/// How the client id and secret reach the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (RFC 6749 section 2.3.1's second way).
    Body,
    /// An `Authorization: Basic` header.
    Basic,
}

/// Where the token answer says how long the access token lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpiresIn {
    /// Seconds, in this field of the answer (`expires_in`).
    Field(String),
    /// The answer says nothing: the token is used until a 401.
    Never,
}

/// Whether refreshing hands out a new refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// Every refresh answers a new one; the old one must be replaced.
    Always,
    /// The refresh token stays the same.
    Never,
    /// It depends on the provider app's settings: keep whichever the answer holds.
    Sometimes,
}

/// A revocation endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    /// The endpoint, a URL template; `{{token}}` puts the token in the path.
    pub url: String,
    /// `POST` or `DELETE`.
    pub method: String,
    /// Which token is revoked.
    pub token: TokenKind,
}

/// The access token or the refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The access token.
    Access,
    /// The refresh token (which ends the access tokens made from it at most providers).
    Refresh,
}

/// How an API key is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeySend {
    /// In a header or a query parameter, under this name.
    pub place: KeyPlace,
    /// The value, a template of `{{credential.<field>}}` (`Bearer {{credential.api_key}}`).
    pub value: String,
}

/// Where an API key goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlace {
    /// A request header.
    Header(String),
    /// A query parameter.
    Query(String),
}

/// The user name and password of HTTP Basic, templates of the connection's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicSend {
    /// The user name (`{{credential.email}}/token`).
    pub username: String,
    /// The password (`{{credential.api_token}}`, or a fixed `X`).
    pub password: String,
}

/// A value the end user types in the Connect Portal before connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its id, as placeholders name it.
    pub id: String,
    /// The label the portal shows.
    pub label: String,
    /// One sentence of help: where the user finds the value.
    pub help: String,
    /// Secrets are sealed like tokens, never shown again, and only go in credentials.
    pub secret: bool,
    /// What a value that goes into a URL may look like.
    pub format: Option<FieldFormat>,
}

/// The shapes a field that goes into a URL's host may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldFormat {
    /// One DNS label: letters, digits and hyphens (`acme` in `acme.zendesk.com`).
    Label,
    /// A host name: labels joined by dots (`acme.crm4.dynamics.com`).
    Hostname,
}

/// Where the provider's API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// The base of every API path, a URL template.
    pub base_url: String,
}

/// The call that names the connected account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `GET` or `POST`.
    pub method: String,
    /// A path under the API base, or a URL of its own.
    pub target: AccountTarget,
    /// The dotted path of the account's name in the JSON answer (`user.emailAddress`).
    pub name: String,
    /// The dotted path of the account's stable id in the answer (Salesforce's
    /// `organization_id`), the key its calls are paced under; none when the answer has none.
    pub id: Option<String>,
}

/// Where the account call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountTarget {
    /// Under the API base.
    Path(String),
    /// Elsewhere (an OpenID userinfo endpoint), a URL template.
    Url(String),
    /// A token introspection endpoint (RFC 7662: a form POST of the access token, with the
    /// client's authentication), a URL template: HubSpot names the account only there.
    Introspect(String),
}

/// What the provider says about its pace and how fast the platform calls it by default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// The headers of its answers that carry the limit's state.
    pub headers: RateHeaders,
    /// How many calls per how many seconds, per connected account.
    pub pacing: Option<Pacing>,
}

/// Rate-limit headers, by what they carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateHeaders {
    /// The window's size in calls.
    pub limit: Option<String>,
    /// The calls left in the window.
    pub remaining: Option<String>,
    /// When the window starts again.
    pub reset: Option<String>,
    /// How long to wait after a 429.
    pub retry_after: Option<String>,
}

/// A pace: `requests` calls every `per_seconds` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Calls per window.
    pub requests: u32,
    /// The window, in seconds.
    pub per_seconds: u32,
}
