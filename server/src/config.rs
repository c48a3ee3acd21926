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
    /// The housekeeping job: retention of App Events, purge of expired rows.
    pub housekeeping: crate::housekeeping::HousekeepingConfig,
    /// Limits on what callers may send.
    pub limits: Limits,
}

/// Limits on what callers may send (0 turns a limit off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// App Events per user per minute, across replicas.
    pub events_per_user_per_minute: u32,
    /// App Events per project per minute, across replicas.
    pub events_per_project_per_minute: u32,
    /// Failed authentications per source address per minute, per process.
    pub auth_failures_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            events_per_user_per_minute: 60,
            events_per_project_per_minute: 6000,
            auth_failures_per_minute: 30,
        }
    }
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
            housekeeping: crate::housekeeping::HousekeepingConfig {
                event_retention: (args.event_retention_days > 0).then(|| {
                    std::time::Duration::from_secs(args.event_retention_days.saturating_mul(86_400))
                }),
                ..crate::housekeeping::HousekeepingConfig::default()
            },
            limits: Limits {
                events_per_user_per_minute: args.events_per_user_per_minute,
                events_per_project_per_minute: args.events_per_project_per_minute,
                auth_failures_per_minute: args.auth_failures_per_minute,
            },
            public_url: match args
                .public_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                None => None,
                Some(url) => Some(public_url(url)?),
            },
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Limits;
    use crate::cli::{Cli, Command};

    #[test]
    fn the_flags_defaults_are_the_limits_defaults() {
        let cli = Cli::try_parse_from(["paragon", "serve"]).expect("serve parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve");
        };

        let from_flags = Limits {
            events_per_user_per_minute: args.events_per_user_per_minute,
            events_per_project_per_minute: args.events_per_project_per_minute,
            auth_failures_per_minute: args.auth_failures_per_minute,
        };

        assert_eq!(from_flags, Limits::default());
        assert_eq!(args.event_retention_days, 30);
    }
}
