//! The server's configuration, parsed once from [`crate::cli::ServeArgs`] into checked types.

use std::net::SocketAddr;

use crate::{
    auth::api_key, cli::ServeArgs, error::ServerError, origin::Origin, storage::Location,
    vault::MasterKeys,
};

/// The shortest accepted `PARAGON_ADMIN_KEY`: 32 characters, e.g. `openssl rand -base64 32`
/// gives 44. The key guards project creation over the network, where it can be guessed at
/// the speed of requests.
pub const MIN_ADMIN_KEY_CHARS: usize = 32;
/// Fewer distinct characters than this is a pattern, not a random key (`aaaa…`, `1212…`). A
/// random 32-character hex key has about 14.
const MIN_ADMIN_KEY_DISTINCT: usize = 8;

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
        let connections = crate::connection::ConnectionLimits::from_args(&args)?;
        Ok(Self {
            addr: SocketAddr::new(args.bind, args.port),
            storage: args.storage.location()?,
            allowed_origins,
            token_audience: args.token_audience.filter(|a| !a.is_empty()),
            admin_key_hash: match &args.admin_key {
                None => None,
                Some(key) => Some(api_key::hash(admin_key(key.expose())?)),
            },
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
            connections,
        })
    }
}

/// Refuses a weak operator key; the message never repeats the key.
fn admin_key(key: &str) -> Result<&str, ServerError> {
    let distinct = key.chars().collect::<std::collections::BTreeSet<_>>().len();
    if key.chars().count() < MIN_ADMIN_KEY_CHARS || distinct < MIN_ADMIN_KEY_DISTINCT {
        return Err(ServerError::Usage(format!(
            "PARAGON_ADMIN_KEY is too weak: use a random value of at least {MIN_ADMIN_KEY_CHARS} \
             characters (e.g. `openssl rand -base64 32`), or unset it to create projects with \
             `paragon project create` only"
        )));
    }
    Ok(key)
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
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::cli::StorageArgs;

    const STRONG: &str = "Zq3vN8pL2xR7tW1yB6mK9sD4fH0jC5gA";

    fn args(admin_key: Option<&str>, data_dir: &std::path::Path) -> ServeArgs {
        ServeArgs {
            storage: StorageArgs {
                data_dir: data_dir.to_owned(),
                database_url: None,
            },
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            allowed_origins: vec![],
            token_audience: None,
            admin_key: admin_key.map(crate::secret::Secret::from),
            public_url: None,
            demo: true,
            workers: 0,
            max_attempts: 1,
            run_lease_secs: 1,
            header_read_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
            idle_timeout: std::time::Duration::from_secs(10),
            max_connections: 16,
            max_header_bytes: 64 * 1024,
            allow_private_provider_urls: false,
            event_retention_days: 30,
            events_per_user_per_minute: 60,
            events_per_project_per_minute: 6000,
            auth_failures_per_minute: 30,
        }
    }

    #[test]
    fn weak_admin_keys_are_refused_at_start_without_being_repeated() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for weak in [
            "operator-key-for-tests",
            "short",
            &"a".repeat(64),
            &"1212".repeat(16),
            "abcdefgabcdefgabcdefgabcdefgabcdefg",
        ] {
            let error = ServeConfig::try_from(args(Some(weak), dir.path()))
                .expect_err(weak)
                .to_string();

            assert!(error.contains("PARAGON_ADMIN_KEY is too weak"), "{error}");
            assert!(!error.contains(weak), "{error}");
        }
        let strong = ServeConfig::try_from(args(Some(STRONG), dir.path())).expect("a strong key");
        assert_eq!(strong.admin_key_hash, Some(api_key::hash(STRONG)));
        assert!(
            ServeConfig::try_from(args(None, dir.path())).is_ok(),
            "no key at all is still allowed"
        );
    }

    #[test]
    fn debug_output_of_the_arguments_and_configuration_shows_no_key() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let args = args(Some(STRONG), dir.path());
        let shown_args = format!("{args:?}");

        let config = ServeConfig::try_from(args).expect("valid");
        let shown_config = format!("{config:?} {config:#?}");

        let master = config.master_keys.encoded_current();
        for shown in [&shown_args, &shown_config] {
            assert!(!shown.contains(STRONG), "{shown}");
            assert!(!shown.contains(&master), "{shown}");
        }
        assert!(shown_args.contains("admin_key"), "{shown_args}");
    }

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
