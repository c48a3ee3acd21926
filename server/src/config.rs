//! The server's configuration, parsed once from [`crate::cli::ServeArgs`] into checked types.

use std::net::SocketAddr;

use crate::{
    auth::api_key, cli::ServeArgs, error::ServerError, origin::Origin, storage::Location,
    vault::MasterKeys,
};

/// Everything `paragon serve` needs, already validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Where the state lives.
    pub storage: Location,
    /// Origins whose pages may call the paths outside projects (`/healthz`). The SDK API
    /// answers each project's own origins.
    pub allowed_origins: Vec<Origin>,
    /// An extra accepted `aud` of user tokens.
    pub token_audience: Option<String>,
    /// SHA-256 of the operator key that may create projects over HTTP.
    pub admin_key_hash: Option<Vec<u8>>,
    /// The vault's keys.
    pub master_keys: MasterKeys,
    /// The public base URL, when it is not the bound address.
    pub public_url: Option<String>,
    /// The workflow engine's settings (`workers == 0`: no engine in this process).
    pub engine: crate::engine::EngineConfig,
    /// Timeouts and size limits of client connections.
    pub connections: crate::connection::ConnectionLimits,
    /// Where integrations' provider URLs may point (`--allow-private-provider-urls`, implied
    /// by `--demo`).
    pub provider_urls: crate::connect::egress::EgressPolicy,
}

impl TryFrom<ServeArgs> for ServeConfig {
    type Error = ServerError;

    fn try_from(args: ServeArgs) -> Result<Self, Self::Error> {
        let allowed_origins = args
            .allowed_origins
            .iter()
            .filter(|value| !value.trim().is_empty())
            .map(|value| Origin::parse(value))
            .collect::<Result<_, _>>()?;
        let connections = crate::connection::ConnectionLimits::from_args(&args)?;
        Ok(Self {
            addr: SocketAddr::new(args.bind, args.port),
            storage: args.storage.location()?,
            allowed_origins,
            token_audience: args.token_audience.filter(|a| !a.is_empty()),
            admin_key_hash: args.admin_key.as_deref().map(api_key::hash),
            master_keys: crate::cli::master_keys(&args.storage.data_dir, args.demo)?,
            engine: crate::engine::EngineConfig {
                workers: args.workers,
                max_attempts: args.max_attempts.max(1),
                lease: std::time::Duration::from_secs(args.run_lease_secs.max(1)),
                ..crate::engine::EngineConfig::default()
            },
            provider_urls: crate::connect::egress::EgressPolicy::from_flag(
                args.allow_private_provider_urls || args.demo,
            ),
            public_url: match args
                .public_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                None => None,
                Some(url) => Some(public_url(url)?),
            },
            connections,
        })
    }
}

/// Checks a public URL: http(s), no query or fragment; the trailing slash is dropped.
fn public_url(value: &str) -> Result<String, ServerError> {
    match reqwest::Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.query().is_none()
                && url.fragment().is_none() =>
        {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err(ServerError::Usage(format!(
            "--public-url {value:?} must be an http(s) URL without query or fragment"
        ))),
    }
}
