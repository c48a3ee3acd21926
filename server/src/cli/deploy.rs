//! `paragon deploy --project ID DIR`

use std::path::PathBuf;

use clap::Args;

use super::StorageArgs;
use crate::{
    deploy::{self, DeployFailure},
    error::ServerError,
    ids::ProjectId,
    storage::{self, TriggerKind},
};

/// Validate a directory of App Events (`events/*.yaml`) and workflows (`workflows/*.yaml`) and
/// deploy it as the project's next version.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Where the state lives.
    #[command(flatten)]
    storage: StorageArgs,
    /// The project id.
    #[arg(long)]
    project: String,
    /// The directory.
    dir: PathBuf,
}

impl DeployArgs {
    pub(super) async fn run(self) -> Result<(), ServerError> {
        let project = ProjectId::parse(&self.project).ok_or_else(|| {
            ServerError::Usage(format!("{:?} is not a project id (a UUID)", self.project))
        })?;
        let store = storage::open(&self.storage.location()?).await?;
        match deploy::deploy_dir(&store, project, &self.dir).await {
            Ok((version, workflows)) => {
                println!("deployed version {version}");
                for workflow in workflows {
                    let trigger = match workflow.trigger_kind {
                        TriggerKind::AppEvent => workflow.trigger_event.as_str(),
                        TriggerKind::Request => "request",
                        TriggerKind::IntegrationEnabled => "integration_enabled",
                        TriggerKind::ProviderEvent | TriggerKind::Schedule => {
                            workflow.trigger_event.as_str()
                        }
                    };
                    println!(
                        "workflow {}  {}  (trigger: {trigger})",
                        workflow.id, workflow.slug
                    );
                }
                Ok(())
            }
            Err(DeployFailure::Invalid(errors)) => {
                // Compiler-style lines, one per problem, then a count.
                Err(ServerError::Usage(format!(
                    "{errors}\n{} error(s): nothing was deployed",
                    errors.errors().len()
                )))
            }
            Err(other) => Err(ServerError::Usage(other.to_string())),
        }
    }
}
