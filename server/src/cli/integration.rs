//! `paragon integration …`

use clap::Subcommand;

use super::StorageArgs;
use crate::{
    connect::{
        Connect,
        egress::EgressPolicy,
        integrations::{self, IntegrationSettings},
        pacing::Pacer,
        provider::ProviderClient,
    },
    error::ServerError,
    ids::ProjectId,
    storage,
};

/// Integration commands.
// Parsed once per process: the size of `Set` beside `ListProviders` costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create or replace a project's integration. The client secret is sealed with the
    /// vault's master key (PARAGON_MASTER_KEY, or --demo's key file).
    Set {
        /// Where the state lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// The project id.
        #[arg(long)]
        project: String,
        /// The provider, a name of `paragon integration list-providers` (`hubspot`,
        /// `salesforce`).
        provider: String,
        /// The OAuth client id of your provider app (OAuth providers only).
        #[arg(long)]
        client_id: Option<String>,
        /// The OAuth client secret (or PARAGON_CLIENT_SECRET, which keeps it out of `ps`; OAuth
        /// providers only).
        #[arg(long, env = "PARAGON_CLIENT_SECRET", hide_env_values = true)]
        client_secret: Option<crate::secret::Secret>,
        /// Space-separated scopes (default: the provider definition's).
        #[arg(long)]
        scopes: Option<String>,
        /// The provider's authorize page (default: the definition's). Other URLs of the
        /// definition on the same host move with it.
        #[arg(long)]
        auth_url: Option<String>,
        /// The provider's token endpoint (default: the definition's). Other URLs of the
        /// definition on the same host (revocation, userinfo) move with it.
        #[arg(long)]
        token_url: Option<String>,
        /// The provider's API base (default: the definition's).
        #[arg(long)]
        api_base: Option<String>,
        /// Use the demo key file of the data folder when PARAGON_MASTER_KEY is unset; implies
        /// --allow-private-provider-urls.
        #[arg(long)]
        demo: bool,
        /// Accept plain http and non-public addresses in the URLs (the sandbox on 127.0.0.1), as
        /// `paragon serve --allow-private-provider-urls` does when it calls them.
        #[arg(long, env = "PARAGON_ALLOW_PRIVATE_PROVIDER_URLS", value_parser = clap::builder::BoolishValueParser::new())]
        allow_private_provider_urls: bool,
    },
    /// List the providers this binary knows (providers/*.yaml): name, display name, auth mode
    /// and categories.
    ListProviders,
}

impl IntegrationCommand {
    pub(super) async fn run(self) -> Result<(), ServerError> {
        match self {
            Self::ListProviders => {
                let providers = crate::providers::shipped()
                    .map_err(|errors| ServerError::Usage(errors.to_string()))?;
                print!("{}", provider_table(providers));
                Ok(())
            }
            Self::Set {
                storage,
                project,
                provider,
                client_id,
                client_secret,
                scopes,
                auth_url,
                token_url,
                api_base,
                demo,
                allow_private_provider_urls,
            } => {
                let project = ProjectId::parse(&project).ok_or_else(|| {
                    ServerError::Usage(format!("{project:?} is not a project id (a UUID)"))
                })?;
                let keys = super::master_keys(&storage.data_dir, demo)?;
                let store = storage::open(&storage.location()?).await?;
                if store.project(project).await?.is_none() {
                    return Err(ServerError::Usage(format!("no project {project}")));
                }
                let connect = Connect {
                    store,
                    keys: keys.into(),
                    provider: ProviderClient::new(EgressPolicy::from_flag(
                        allow_private_provider_urls || demo,
                    ))
                    .map_err(ServerError::ProviderClient)?,
                    // Setting an integration calls no provider API.
                    pacer: std::sync::Arc::new(Pacer::new(None)),
                    public_url: String::new(),
                };
                let settings = IntegrationSettings {
                    client_id: client_id.unwrap_or_default(),
                    client_secret: client_secret.unwrap_or_default(),
                    scopes,
                    auth_url,
                    token_url,
                    api_base,
                };
                let integration = integrations::set(&connect, project, &provider, settings)
                    .await
                    .map_err(|e| ServerError::Usage(e.to_string()))?;
                println!("integration id: {}", integration.id);
                if !integration.client_id.is_empty() {
                    println!(
                        "redirect URI to register with {}: {{public URL of paragon serve}}/oauth/callback",
                        integration.name
                    );
                }
                Ok(())
            }
        }
    }
}

/// One line per provider, in columns: name, display name, auth mode, categories.
fn provider_table(providers: &[crate::providers::Provider]) -> String {
    let rows: Vec<[String; 4]> = providers
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.display_name.clone(),
                p.auth.mode().to_owned(),
                p.categories.join(","),
            ]
        })
        .collect();
    let header = ["NAME", "DISPLAY NAME", "AUTH", "CATEGORIES"].map(String::from);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
