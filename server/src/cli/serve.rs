//! `paragon serve`: its flags and environment variables, and the [`Config`] they make.

use std::{net::IpAddr, net::SocketAddr, time::Duration};

use clap::Args;

use super::{StorageArgs, parse_duration};
use crate::{
    config::{self, AuthConfig, Config, Limits, PublicConfig},
    connect::egress::EgressPolicy,
    connection::ConnectionLimits,
    engine::EngineConfig,
    error::ServerError,
    housekeeping::HousekeepingConfig,
    origin::Origin,
};

/// Flags of `paragon serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where the state lives.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on. Keep 127.0.0.1 unless a reverse proxy terminates TLS in front.
    #[arg(long, env = "PARAGON_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one (the chosen address is printed on stdout).
    #[arg(long, env = "PARAGON_PORT", default_value_t = 8080)]
    pub port: u16,
    /// An origin (scheme://host[:port]) whose pages may call the paths outside projects
    /// (`/healthz`) from the browser; the SDK API uses each project's own origins. Repeat the
    /// flag, or separate origins with commas in the environment variable.
    #[arg(
        long = "allowed-origin",
        env = "PARAGON_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// An `aud` accepted in user tokens besides `useparagon.com/{projectId}`.
    #[arg(long, env = "PARAGON_TOKEN_AUDIENCE")]
    pub token_audience: Option<String>,
    /// The operator's key for `POST /projects`, from `PARAGON_ADMIN_KEY` only (a flag would
    /// show it in `ps`). Unset: projects are created with `paragon project create` alone.
    /// At least [`crate::config::MIN_ADMIN_KEY_CHARS`] characters, refused at start otherwise.
    #[arg(skip = std::env::var("PARAGON_ADMIN_KEY").ok().filter(|k| !k.is_empty()).map(crate::secret::Secret::from))]
    pub admin_key: Option<crate::secret::Secret>,
    /// The URL browsers and providers reach this server at (the OAuth redirect URI is
    /// `{public-url}/oauth/callback`). Defaults to http://{bind}:{port} as bound.
    #[arg(long, env = "PARAGON_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Demo mode: without PARAGON_MASTER_KEY, use (or create) a master key in the data folder.
    /// Never in production: the key then sits beside the data it protects.
    #[arg(long)]
    pub demo: bool,
    /// Workflow runs executed at once by this server; 0 runs no engine here (an API-only
    /// replica beside others that execute).
    #[arg(long, env = "PARAGON_WORKERS", default_value_t = 8)]
    pub workers: usize,
    /// Attempts of a run before it fails for good.
    #[arg(long, env = "PARAGON_MAX_ATTEMPTS", default_value_t = 10)]
    pub max_attempts: i64,
    /// How long a worker holds a run before another may take it over (a crashed worker's runs
    /// resume after this).
    #[arg(long, env = "PARAGON_RUN_LEASE_SECS", default_value_t = 60)]
    pub run_lease_secs: u64,
    /// How long a client may take to send a complete HTTP/1 request head (request line and
    /// headers), counted from when the server starts waiting for it: the connection opened, or
    /// the previous response was sent. So it also ends idle HTTP/1 keep-alive connections.
    #[arg(long, env = "PARAGON_HEADER_READ_TIMEOUT", value_parser = parse_timeout, default_value = "10s")]
    pub header_read_timeout: std::time::Duration,
    /// How long a request may take from its complete head to the response's head (reading its
    /// body included); past it the answer is 503. Leave room for the 30 s long-poll of
    /// OAuth flows and for a provider call with a token refresh (20 s each).
    #[arg(long, env = "PARAGON_REQUEST_TIMEOUT", value_parser = parse_timeout, default_value = "60s")]
    pub request_timeout: std::time::Duration,
    /// How long a connection (HTTP/1 or HTTP/2) may stay open with no request in flight,
    /// including one that never sends a byte. Keep a reverse proxy's upstream keep-alive
    /// shorter than this.
    #[arg(long, env = "PARAGON_IDLE_TIMEOUT", value_parser = parse_timeout, default_value = "10s")]
    pub idle_timeout: std::time::Duration,
    /// Client connections served at once; at the limit, new clients wait in the kernel's
    /// accept queue until a slot frees up. Needs as many file descriptors (`ulimit -n`).
    #[arg(long, env = "PARAGON_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// The largest request head in bytes (8192 to 16777216); larger ones are answered 431.
    /// Each connection buffers at most this much, in a buffer that may reserve twice that, so
    /// memory for heads stays under max-connections x 2 x max-header-bytes (128 MB by default).
    #[arg(long, env = "PARAGON_MAX_HEADER_BYTES", default_value_t = 64 * 1024)]
    pub max_header_bytes: usize,
    /// Let integrations' provider URLs (token URL, API base, authorize page) use plain http and
    /// point at loopback, private, link-local (cloud metadata) and other non-public addresses.
    /// Off by default: a project's admin could otherwise make the server call into its own
    /// network with users' tokens and the client secret. For the HubSpot sandbox on 127.0.0.1
    /// and providers on the operator's network; `--demo` implies it.
    #[arg(long, env = "PARAGON_ALLOW_PRIVATE_PROVIDER_URLS", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_private_provider_urls: bool,
    /// Days App Events are kept, with their runs in Task History (an event whose run is still
    /// queued or running is kept until it ends); 0 keeps them forever.
    #[arg(long, env = "PARAGON_EVENT_RETENTION_DAYS", default_value_t = 30)]
    pub event_retention_days: u64,
    /// App Events one user may send per minute, counted across every replica; over it the
    /// answer is 429 with Retry-After (the SDK's outbox waits and resends). 0: no limit.
    #[arg(long, env = "PARAGON_EVENTS_PER_USER_PER_MINUTE", default_value_t = 60)]
    pub events_per_user_per_minute: u32,
    /// App Events one project may receive per minute from all its users. 0: no limit.
    #[arg(
        long,
        env = "PARAGON_EVENTS_PER_PROJECT_PER_MINUTE",
        default_value_t = 6000
    )]
    pub events_per_project_per_minute: u32,
    /// Failed authentications (bad user token, API key or operator key) one source address
    /// may make per minute before its unrecognised credentials get 429 unchecked. Counted per
    /// process. 0: no throttle.
    #[arg(long, env = "PARAGON_AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
    pub auth_failures_per_minute: u32,
    /// Days a webhook endpoint may fail every delivery attempt before it is disabled (the
    /// project re-enables it with `PATCH …/webhooks/endpoints/{id}` or `paragon webhooks
    /// enable`).
    #[arg(long, env = "PARAGON_WEBHOOK_DISABLE_AFTER_DAYS", default_value_t = 5)]
    pub webhook_disable_after_days: u64,
}

/// A timeout flag: a duration such as `10s` or `2m` (see [`parse_duration`]).
fn parse_timeout(value: &str) -> Result<Duration, String> {
    parse_duration(value).map(|secs| Duration::from_secs(secs.unsigned_abs()))
}

impl ServeArgs {
    /// The configuration these flags describe. `--demo` takes the master key from the data
    /// folder when `PARAGON_MASTER_KEY` is unset and lets provider URLs be private; blank
    /// values (an environment variable set to "") count as unset.
    pub fn into_config(self) -> Result<Config, ServerError> {
        let allowed_origins = self
            .allowed_origins
            .iter()
            .filter(|value| !value.trim().is_empty())
            .map(|value| Origin::parse(value))
            .collect::<Result<_, _>>()?;
        let connections = ConnectionLimits {
            header_read_timeout: self.header_read_timeout,
            request_timeout: self.request_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            max_header_bytes: self.max_header_bytes,
        }
        .check()?;
        Ok(Config {
            listen: SocketAddr::new(self.bind, self.port),
            database: self.storage.location()?,
            public: PublicConfig {
                url: match self
                    .public_url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                {
                    None => None,
                    Some(url) => Some(config::public_url(url)?),
                },
                allowed_origins,
            },
            auth: AuthConfig {
                token_audience: self.token_audience.filter(|a| !a.is_empty()),
                admin_key_hash: match &self.admin_key {
                    None => None,
                    Some(key) => Some(config::admin_key_hash(key.expose())?),
                },
            },
            master_keys: super::master_keys(&self.storage.data_dir, self.demo)?,
            engine: EngineConfig {
                workers: self.workers,
                max_attempts: self.max_attempts.max(1),
                lease: Duration::from_secs(self.run_lease_secs.max(1)),
                ..EngineConfig::default()
            },
            egress: EgressPolicy::from_flag(self.allow_private_provider_urls || self.demo),
            housekeeping: HousekeepingConfig {
                event_retention: (self.event_retention_days > 0)
                    .then(|| Duration::from_secs(self.event_retention_days.saturating_mul(86_400))),
                ..HousekeepingConfig::default()
            },
            limits: Limits {
                events_per_user_per_minute: self.events_per_user_per_minute,
                events_per_project_per_minute: self.events_per_project_per_minute,
                auth_failures_per_minute: self.auth_failures_per_minute,
            },
            connections,
            webhooks: {
                let webhooks = crate::webhooks_out::WebhooksOutConfig {
                    disable_after: Duration::from_secs(
                        self.webhook_disable_after_days
                            .max(1)
                            .saturating_mul(86_400),
                    ),
                    ..crate::webhooks_out::WebhooksOutConfig::default()
                };
                webhooks.check().map_err(ServerError::Usage)?;
                webhooks
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use clap::Parser;

    use super::*;
    use crate::{
        auth::api_key,
        cli::{Cli, Command},
    };

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
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(10),
            max_connections: 16,
            max_header_bytes: 64 * 1024,
            allow_private_provider_urls: false,
            event_retention_days: 30,
            events_per_user_per_minute: 60,
            events_per_project_per_minute: 6000,
            auth_failures_per_minute: 30,
            webhook_disable_after_days: 5,
        }
    }

    fn serve_args(argv: &[&str]) -> ServeArgs {
        let cli = Cli::try_parse_from(argv).expect("serve parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve");
        };
        args
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
            let error = args(Some(weak), dir.path())
                .into_config()
                .expect_err(weak)
                .to_string();

            assert!(error.contains("PARAGON_ADMIN_KEY is too weak"), "{error}");
            assert!(!error.contains(weak), "{error}");
        }
        let strong = args(Some(STRONG), dir.path())
            .into_config()
            .expect("a strong key");
        assert_eq!(strong.auth.admin_key_hash, Some(api_key::hash(STRONG)));
        assert!(
            args(None, dir.path()).into_config().is_ok(),
            "no key at all is still allowed"
        );
    }

    #[test]
    fn debug_output_of_the_arguments_and_configuration_shows_no_key() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let args = args(Some(STRONG), dir.path());
        let shown_args = format!("{args:?}");

        let config = args.into_config().expect("valid");
        let shown_config = format!("{config:?} {config:#?}");

        let master = config.master_keys.encoded_current();
        for shown in [&shown_args, &shown_config] {
            assert!(!shown.contains(STRONG), "{shown}");
            assert!(!shown.contains(&master), "{shown}");
        }
        assert!(shown_args.contains("admin_key"), "{shown_args}");
    }

    #[test]
    fn the_flags_defaults_are_the_limits_defaults() {
        let args = serve_args(&["paragon", "serve"]);

        let from_flags = Limits {
            events_per_user_per_minute: args.events_per_user_per_minute,
            events_per_project_per_minute: args.events_per_project_per_minute,
            auth_failures_per_minute: args.auth_failures_per_minute,
        };

        assert_eq!(from_flags, Limits::default());
        assert_eq!(args.event_retention_days, 30);
    }

    /// `Config::new` promises the defaults of `paragon serve`: tests that build a configuration
    /// directly then run the server as operators do.
    #[test]
    fn the_flags_defaults_are_the_configuration_defaults() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data_dir = dir.path().to_str().expect("a UTF-8 path");
        let mut args = serve_args(&["paragon", "serve", "--data-dir", data_dir]);
        let allow_private = args.allow_private_provider_urls;
        // For the master key only: demo mode would also allow private provider URLs.
        args.demo = true;
        let from_flags = args.into_config().expect("valid");
        let defaults = Config::new(from_flags.database.clone(), from_flags.master_keys.clone());

        assert_eq!(EgressPolicy::from_flag(allow_private), defaults.egress);
        assert_eq!(from_flags.listen, defaults.listen);
        assert_eq!(from_flags.connections, defaults.connections);
        assert_eq!(from_flags.limits, defaults.limits);
        assert_eq!(from_flags.housekeeping, defaults.housekeeping);
        assert_eq!(from_flags.webhooks, defaults.webhooks);
        // No `PartialEq` on these: their debug output shows every field.
        for (flags, default) in [
            (
                format!("{:?}", from_flags.engine),
                format!("{:?}", defaults.engine),
            ),
            (
                format!("{:?}", from_flags.public),
                format!("{:?}", defaults.public),
            ),
            (
                format!("{:?}", from_flags.auth),
                format!("{:?}", defaults.auth),
            ),
        ] {
            assert_eq!(flags, default);
        }
    }
}
