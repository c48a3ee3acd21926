//! Tests of deploy directories as a developer writes them: real files in a temporary folder.

mod appearance;
mod delay_steps;
mod for_each_steps;
mod fuzz;
mod if_steps;
mod integration_enabled;
mod loading;
mod notify_steps;
mod request_steps;
mod request_trigger;
mod salesforce_steps;
mod schedule_trigger;
mod settings;
mod validation;

use std::{fs, path::Path};

use super::*;

/// An App Event that the workflows below trigger on.
const EVENT: &str = "\
name: Contact Created
example:
  email: ada@example.com
";

/// A valid workflow; tests change one line and expect the error on that line:
/// 1 id, 3 integration, 5 app_event, 6 steps, 7 step id, 8 action, 10 email.
const WORKFLOW: &str = "\
id: sync
name: Sync
integration: hubspot
trigger:
  app_event: Contact Created
steps:
  - id: create_contact
    action: hubspot.create_contact
    input:
      email: \"{{event.email}}\"
";

/// A deploy directory in a temporary folder.
struct Deploy {
    dir: tempfile::TempDir,
}

impl Deploy {
    fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// One event and one workflow, the workflow's text changed by replacing `from` with `to`.
    fn with_workflow_change(from: &str, to: &str) -> Self {
        assert!(WORKFLOW.contains(from), "the base workflow has {from:?}");
        Self::empty()
            .file("events/contact.yaml", EVENT)
            .file("workflows/sync.yaml", &WORKFLOW.replace(from, to))
    }

    fn file(self, path: &str, text: &str) -> Self {
        let path = self.dir.path().join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("folder");
        }
        fs::write(path, text).expect("file written");
        self
    }

    fn load(&self) -> Result<Bundle, DeployErrors> {
        load_dir(self.dir.path())
    }

    fn errors(&self) -> Vec<DeployError> {
        match self.load() {
            Ok(bundle) => panic!("expected errors, the deploy loaded: {bundle:?}"),
            Err(errors) => errors.0,
        }
    }
}

/// Asserts that `errors` has an error in `file` at `line` whose problem matches `pattern`.
macro_rules! assert_reported {
    ($errors:expr, $file:expr, $line:expr, $pattern:pat) => {{
        let errors: &[DeployError] = &$errors;
        assert!(
            errors.iter().any(|e| e.file == std::path::Path::new($file)
                && e.line == $line
                && matches!(e.problem, $pattern)),
            "expected {} at {}:{}, got:\n{}",
            stringify!($pattern),
            $file,
            $line,
            DeployErrors(errors.to_vec())
        );
    }};
}
use assert_reported;

/// The guide's deploy directory, as shipped in `examples/`.
fn guide_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hubspot-guide")
}
