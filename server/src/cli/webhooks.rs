//! `paragon webhooks …`: a project's webhook endpoints, on the database directly like the
//! other admin commands (the management API does the same over HTTP).

use clap::{Args, Subcommand};

use super::StorageArgs;
use crate::{
    connect::egress::EgressPolicy,
    error::ServerError,
    ids::ProjectId,
    storage::{self, Store, WebhookEndpoint},
    webhooks_out::endpoints::{self, EndpointChanges},
};

/// Webhook endpoint commands.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Add an endpoint; prints its id and its signing secret (shown this once).
    Add {
        /// The project and where its state lives.
        #[command(flatten)]
        target: Target,
        /// Where deliveries are POSTed (https and a public address unless
        /// --allow-private-provider-urls).
        url: String,
        /// Event types, comma-separated (default: connection.created, connection.deleted,
        /// connection.invalid, run.failed, endpoint.disabled).
        #[arg(long, value_delimiter = ',')]
        events: Option<Vec<String>>,
        /// A note for people.
        #[arg(long)]
        description: Option<String>,
        /// Accept plain http and non-public addresses, as `paragon serve
        /// --allow-private-provider-urls` (or --demo) does when it sends.
        #[arg(long, env = "PARAGON_ALLOW_PRIVATE_PROVIDER_URLS", value_parser = clap::builder::BoolishValueParser::new())]
        allow_private_provider_urls: bool,
        /// Use the demo key file of the data folder when PARAGON_MASTER_KEY is unset; implies
        /// --allow-private-provider-urls.
        #[arg(long)]
        demo: bool,
    },
    /// List the project's endpoints (id, state, types, URL).
    List {
        /// The project and where its state lives.
        #[command(flatten)]
        target: Target,
    },
    /// Remove an endpoint and its delivery log.
    Remove {
        /// The project and where its state lives.
        #[command(flatten)]
        target: Target,
        /// The endpoint id.
        id: String,
    },
    /// Enable an endpoint again (after it was disabled for failing, or by hand).
    Enable {
        /// The project and where its state lives.
        #[command(flatten)]
        target: Target,
        /// The endpoint id.
        id: String,
    },
    /// Disable an endpoint: nothing is sent to it until it is enabled.
    Disable {
        /// The project and where its state lives.
        #[command(flatten)]
        target: Target,
        /// The endpoint id.
        id: String,
    },
    /// Replace an endpoint's signing secret; prints the new one (shown this once).
    RotateSecret {
        /// The project and where its state lives.
        #[command(flatten)]
        target: Target,
        /// The endpoint id.
        id: String,
        /// Use the demo key file of the data folder when PARAGON_MASTER_KEY is unset.
        #[arg(long)]
        demo: bool,
    },
}

/// The project a command acts on.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// Where the state lives.
    #[command(flatten)]
    storage: StorageArgs,
    /// The project id.
    #[arg(long)]
    project: String,
}

impl Target {
    async fn open(&self) -> Result<(Store, ProjectId), ServerError> {
        let project = ProjectId::parse(&self.project).ok_or_else(|| {
            ServerError::Usage(format!("{:?} is not a project id (a UUID)", self.project))
        })?;
        let store = storage::open(&self.storage.location()?).await?;
        if store.project(project).await?.is_none() {
            return Err(ServerError::Usage(format!("no project {project}")));
        }
        Ok((store, project))
    }
}

impl WebhooksCommand {
    pub(super) async fn run(self) -> Result<(), ServerError> {
        let usage = |e: endpoints::EndpointError| ServerError::Usage(e.to_string());
        match self {
            Self::Add {
                target,
                url,
                events,
                description,
                allow_private_provider_urls,
                demo,
            } => {
                let keys = super::master_keys(&target.storage.data_dir, demo)?;
                let (store, project) = target.open().await?;
                let policy = EgressPolicy::from_flag(allow_private_provider_urls || demo);
                let (endpoint, secret) =
                    endpoints::create(&store, &keys, policy, project, &url, description, events)
                        .await
                        .map_err(usage)?;
                println!("endpoint id: {}", endpoint.id);
                println!("event types: {}", endpoint.event_types.join(", "));
                println!("signing secret: {secret}");
                eprintln!("This is the only time the secret is shown: keep it with your app.");
                Ok(())
            }
            Self::List { target } => {
                let (store, project) = target.open().await?;
                for endpoint in store.webhook_endpoints(project).await? {
                    println!("{}", line(&endpoint));
                }
                Ok(())
            }
            Self::Remove { target, id } => {
                let (store, project) = target.open().await?;
                endpoints::delete(&store, project, &id)
                    .await
                    .map_err(usage)?;
                println!("removed {id}");
                Ok(())
            }
            Self::Enable { target, id } => set_enabled(target, &id, true).await,
            Self::Disable { target, id } => set_enabled(target, &id, false).await,
            Self::RotateSecret { target, id, demo } => {
                let keys = super::master_keys(&target.storage.data_dir, demo)?;
                let (store, project) = target.open().await?;
                let secret = endpoints::rotate_secret(&store, &keys, project, &id)
                    .await
                    .map_err(usage)?;
                println!("signing secret: {secret}");
                eprintln!("This is the only time the secret is shown: keep it with your app.");
                Ok(())
            }
        }
    }
}

async fn set_enabled(target: Target, id: &str, enabled: bool) -> Result<(), ServerError> {
    let (store, project) = target.open().await?;
    let changes = EndpointChanges {
        enabled: Some(enabled),
        ..EndpointChanges::default()
    };
    // The URL is not changed, so the policy is not consulted.
    let endpoint = endpoints::update(&store, EgressPolicy::PublicOnly, project, id, changes)
        .await
        .map_err(|e| ServerError::Usage(e.to_string()))?;
    println!("{}", line(&endpoint));
    Ok(())
}

/// One endpoint as a line: id, state, types, URL.
fn line(endpoint: &WebhookEndpoint) -> String {
    let state = match &endpoint.disabled_reason {
        Some(reason) => format!("disabled ({reason})"),
        None if endpoint.disabled_ms.is_some() => "disabled".into(),
        None => "enabled".into(),
    };
    format!(
        "{}  {state}  {}  {}",
        endpoint.id,
        endpoint.event_types.join(","),
        endpoint.url
    )
}
