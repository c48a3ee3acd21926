//! `paragon project …`

use clap::Subcommand;

use super::{StorageArgs, parse_duration};
use crate::{admin, error::ServerError, storage};

/// Project commands.
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project; prints its id and its API key (shown this once).
    Create {
        /// Where the state lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// A name for people.
        #[arg(long)]
        name: String,
        /// An origin of the app (scheme://host[:port]); repeat for several.
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// The longest user-token lifetime accepted (e.g. 1h, 24h).
        #[arg(long, value_parser = parse_duration, default_value = "24h")]
        max_token_lifetime: i64,
    },
}

impl ProjectCommand {
    pub(super) async fn run(self) -> Result<(), ServerError> {
        match self {
            Self::Create {
                storage,
                name,
                origins,
                max_token_lifetime,
            } => {
                let store = storage::open(&storage.location()?).await?;
                let new = admin::NewProject {
                    name,
                    origins,
                    max_token_lifetime_secs: Some(max_token_lifetime),
                };
                let (project, api_key) = admin::create_project(&store, new).await?;
                println!("project id: {}", project.id);
                println!("api key:    {api_key}");
                eprintln!(
                    "The API key authorizes the management API. It is stored only as a hash: keep it now."
                );
                Ok(())
            }
        }
    }
}
