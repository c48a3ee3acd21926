//! The `salesforce-sandbox` binary: a thin command line over `hubspot_sandbox::salesforce`.
//!
//! A binary of its own rather than a `--provider` flag on `hubspot-sandbox`: each provider's
//! flags differ (orgs by username, not hubs by id; an API request limit), and a separate name
//! keeps each stand-in on its own origin in scripts. Prints exactly one line on stdout,
//! `salesforce-sandbox listening on http://HOST:PORT`; logs go to stderr ([`command::serve`]).

use std::{net::IpAddr, process::ExitCode, time::Duration};

use clap::Parser;
use hubspot_sandbox::{
    AppConfig, command,
    salesforce::{self, OrgConfig, SalesforceConfig},
};

/// A local stand-in for Salesforce's OAuth web server flow and REST API (Contact, Lead, SOQL).
#[derive(Debug, Parser)]
#[command(name = "salesforce-sandbox", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 9091)]
    port: u16,
    /// Consumer key of a connected app to register at start.
    #[arg(long, requires_all = ["client_secret", "redirect_uri"])]
    client_id: Option<String>,
    /// Consumer secret of that app.
    #[arg(long, env = "SALESFORCE_SANDBOX_CLIENT_SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// The app's callback URL (compared exactly).
    #[arg(long, requires = "client_id")]
    redirect_uri: Option<String>,
    /// That app's name, shown on the consent page.
    #[arg(long, default_value = "Paragon Connect demo")]
    app_name: String,
    /// An org to create at start, by its user's username (an email; repeatable).
    #[arg(long = "org", value_name = "USERNAME")]
    orgs: Vec<String>,
    /// Refuse authorize requests without a PKCE code_challenge.
    #[arg(long)]
    require_pkce: bool,
    /// API requests per org before REQUEST_LIMIT_EXCEEDED.
    #[arg(long, default_value_t = 15_000)]
    api_request_limit: u64,
    /// Access-token lifetime in seconds (Salesforce's default session timeout: 7200).
    #[arg(long, default_value_t = 7200)]
    access_token_lifetime: u64,
}

impl Args {
    fn into_config(self) -> SalesforceConfig {
        let apps = match (self.client_id, self.client_secret, self.redirect_uri) {
            (Some(id), Some(secret), Some(uri)) => vec![AppConfig {
                name: self.app_name,
                ..SalesforceConfig::app(&id, &secret, &uri)
            }],
            _ => Vec::new(),
        };
        SalesforceConfig {
            addr: (self.bind, self.port).into(),
            apps,
            orgs: self.orgs.iter().map(|u| OrgConfig::new(u)).collect(),
            require_pkce: self.require_pkce,
            api_request_limit: self.api_request_limit,
            access_token_lifetime: Duration::from_secs(self.access_token_lifetime),
            ..SalesforceConfig::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Args::parse().into_config();
    command::serve("salesforce-sandbox", salesforce::start(config)).await
}
