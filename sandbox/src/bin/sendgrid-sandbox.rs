//! The `sendgrid-sandbox` binary: a thin command line over `hubspot_sandbox::sendgrid`.
//!
//! Prints exactly one line on stdout, `sendgrid-sandbox listening on http://HOST:PORT`; logs go
//! to stderr ([`command::serve`]). Accounts start without API keys: a test or a demo makes one
//! with `POST /_sandbox/accounts/{username}/api-keys`, which answers the key once.

use std::{net::IpAddr, process::ExitCode, time::Duration};

use clap::Parser;
use hubspot_sandbox::{
    command,
    sendgrid::{self, AccountConfig, SendGridConfig},
};

/// A local stand-in for SendGrid's v3 API: API keys, the user's profile, Marketing Campaigns
/// contacts, rate-limit headers.
#[derive(Debug, Parser)]
#[command(name = "sendgrid-sandbox", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 9092)]
    port: u16,
    /// An account to create at start, by its username (repeatable).
    #[arg(long = "account", value_name = "USERNAME")]
    accounts: Vec<String>,
    /// Requests per account and endpoint per rate-limit period.
    #[arg(long, default_value_t = 600)]
    rate_limit: u32,
    /// The rate-limit period in seconds.
    #[arg(long, default_value_t = 60)]
    rate_limit_period: u64,
}

impl Args {
    fn into_config(self) -> SendGridConfig {
        SendGridConfig {
            addr: (self.bind, self.port).into(),
            accounts: self
                .accounts
                .iter()
                .map(|u| AccountConfig::new(u))
                .collect(),
            rate_limit: self.rate_limit,
            rate_limit_period: Duration::from_secs(self.rate_limit_period),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Args::parse().into_config();
    command::serve("sendgrid-sandbox", sendgrid::start(config)).await
}
