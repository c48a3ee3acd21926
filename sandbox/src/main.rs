//! The `hubspot-sandbox` binary: a thin command line over the library.
//!
//! Prints exactly one line on stdout, `hubspot-sandbox listening on http://HOST:PORT`, for
//! scripts and tests to read the port from; logs go to stderr ([`command::serve`]).

use std::{net::IpAddr, process::ExitCode, time::Duration};

use clap::Parser;
use hubspot_sandbox::{AccountConfig, AppConfig, SandboxConfig, SandboxError, command};

/// A local stand-in for HubSpot's OAuth and CRM contacts API.
#[derive(Debug, Parser)]
#[command(name = "hubspot-sandbox", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 9090)]
    port: u16,
    /// Client id of an OAuth app to register at start.
    #[arg(long, requires = "client_secret")]
    client_id: Option<String>,
    /// Client secret of that app.
    #[arg(long, env = "HUBSPOT_SANDBOX_CLIENT_SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// A redirect URI registered on the app (repeatable; compared exactly).
    #[arg(long = "redirect-uri", value_name = "URL")]
    redirect_uris: Vec<String>,
    /// The app's required scopes, space-separated.
    #[arg(
        long,
        default_value = "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read"
    )]
    scopes: String,
    /// Scopes the app may also ask for in `optional_scope`, space-separated.
    #[arg(long, default_value = "")]
    optional_scopes: String,
    /// The app's name on the consent page.
    #[arg(long, default_value = "Paragon Connect demo")]
    app_name: String,
    /// A HubSpot account to create at start, as HUBID:EMAIL (repeatable).
    #[arg(long = "account", value_name = "HUBID:EMAIL", value_parser = parse_account)]
    accounts: Vec<AccountConfig>,
    /// Refuse authorize requests without a PKCE S256 code_challenge.
    #[arg(long)]
    require_pkce: bool,
    /// Access-token lifetime in seconds (HubSpot: 1800).
    #[arg(long, default_value_t = 1800)]
    access_token_lifetime: u64,
}

fn parse_account(text: &str) -> Result<AccountConfig, String> {
    text.parse()
        .map_err(|error: SandboxError| error.to_string())
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

impl Args {
    fn into_config(self) -> SandboxConfig {
        let apps = match (self.client_id, self.client_secret) {
            (Some(client_id), Some(client_secret)) => vec![AppConfig {
                client_id,
                client_secret,
                name: self.app_name,
                redirect_uris: self.redirect_uris,
                scopes: words(&self.scopes),
                optional_scopes: words(&self.optional_scopes),
            }],
            _ => Vec::new(),
        };
        SandboxConfig {
            addr: (self.bind, self.port).into(),
            apps,
            accounts: self.accounts,
            require_pkce: self.require_pkce,
            access_token_lifetime: Duration::from_secs(self.access_token_lifetime),
            ..SandboxConfig::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Args::parse().into_config();
    command::serve("hubspot-sandbox", hubspot_sandbox::start(config)).await
}
