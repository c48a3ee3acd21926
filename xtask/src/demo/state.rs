//! The demo's platform state: the project "Acme CRM", its signing key and the client secrets of
//! its HubSpot app and its Salesforce connected app, made with the `paragon` CLI as the guide's
//! step 2 does, and remembered in `{dir}/state.json` so that the next `cargo xtask demo` reuses
//! them.

use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::{Value, json};

use crate::{process::capture, project};

/// The project as the demo knows it. `state.json` and the key file are mode 0600: they hold
/// the API key, the apps' client secrets and the private key.
#[derive(Debug)]
pub struct Project {
    pub id: String,
    pub api_key: String,
    /// The signing key's id, put in the tokens' header.
    pub kid: String,
    pub signing_key: PathBuf,
    /// The HubSpot stand-in's app's secret, fresh for each project.
    pub hubspot_secret: String,
    /// The Salesforce stand-in's connected app's secret (its consumer secret), the same.
    pub salesforce_secret: String,
}

/// The data folder of `paragon serve` and the CLI.
pub fn data_dir(dir: &Path) -> PathBuf {
    dir.join("data")
}

/// `paragon` on the demo's data folder: its SQLite and its generated master key (`--demo`),
/// whatever `DATABASE_URL` or `PARAGON_MASTER_KEY` the caller's shell exports.
pub fn paragon(dir: &Path) -> Command {
    let mut command = Command::new(project::paragon_bin());
    command
        .env_remove("DATABASE_URL")
        .env_remove("PARAGON_MASTER_KEY")
        .env("PARAGON_DATA_DIR", data_dir(dir));
    command
}

/// The saved project when it is still usable and `fresh` is false; otherwise a new one in an
/// emptied `dir`. The text says which, and why.
pub fn prepare(dir: &Path, fresh: bool) -> Result<(Project, String), String> {
    let shown = dir
        .strip_prefix(project::root())
        .unwrap_or(dir)
        .display()
        .to_string();
    let why = if fresh {
        "a fresh state was asked for".to_owned()
    } else {
        match load(dir) {
            Ok(project) => {
                let note = format!("reusing {shown}/ (project {})", project.id);
                return Ok((project, note));
            }
            Err(why) => why,
        }
    };
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(data_dir(dir))
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let project = create(dir)?;
    let note = format!("new state in {shown}/ ({why}): project {}", project.id);
    Ok((project, note))
}

/// The guide's step 2: a project for the app's origin and a signing key whose private half is
/// written to a file (the app's backend reads it; the platform keeps only the public half).
/// The app's origin is set once the app listens (its port may be chosen by the OS).
fn create(dir: &Path) -> Result<Project, String> {
    let created = capture(paragon(dir).args(["project", "create", "--name", "Acme CRM"]))?;
    let id = field(&created, "project id:")?;
    let api_key = field(&created, "api key:")?;
    let signing_key = dir.join("signing-key.pem");
    let generated = capture(
        paragon(dir)
            .args(["keys", "generate", "--project", &id, "--out"])
            .arg(&signing_key),
    )?;
    let project = Project {
        kid: field(&generated, "kid:")?,
        id,
        api_key,
        signing_key,
        hubspot_secret: random_hex(24)?,
        salesforce_secret: random_hex(24)?,
    };
    save(dir, &project)?;
    Ok(project)
}

fn save(dir: &Path, project: &Project) -> Result<(), String> {
    let saved = json!({
        "projectId": project.id,
        "apiKey": project.api_key,
        "kid": project.kid,
        // HubSpot's under the name it had when the demo had HubSpot only, so that a state
        // saved then is still read.
        "clientSecret": project.hubspot_secret,
        "salesforceClientSecret": project.salesforce_secret,
    });
    write_private(&dir.join("state.json"), &saved)
}

/// The saved project, or why it cannot be used.
fn load(dir: &Path) -> Result<Project, String> {
    let text =
        fs::read_to_string(dir.join("state.json")).map_err(|_| "no saved state yet".to_owned())?;
    let saved: Value =
        serde_json::from_str(&text).map_err(|_| "state.json is not readable".to_owned())?;
    let text_of = |key: &str| {
        saved[key]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("state.json has no {key}"))
    };
    let mut project = Project {
        id: text_of("projectId")?,
        api_key: text_of("apiKey")?,
        kid: text_of("kid")?,
        signing_key: dir.join("signing-key.pem"),
        hubspot_secret: text_of("clientSecret")?,
        salesforce_secret: String::new(),
    };
    if !project.signing_key.exists() {
        return Err("the signing key file is gone".into());
    }
    // The database must still have the project with that key active.
    let keys = capture(paragon(dir).args(["keys", "list", "--project", &project.id]))
        .map_err(|_| "the saved project is not in the database".to_owned())?;
    let active = keys
        .lines()
        .any(|l| l.starts_with(&format!("{}  ", project.kid)) && l.ends_with("active"));
    if !active {
        return Err("the saved signing key is no longer active".into());
    }
    // A state saved before the demo had Salesforce: the project and the users' settings are
    // still good, only the connected app's secret is new.
    match text_of("salesforceClientSecret") {
        Ok(secret) => project.salesforce_secret = secret,
        Err(_) => {
            project.salesforce_secret = random_hex(24)?;
            save(dir, &project)?;
        }
    }
    Ok(project)
}

/// The value after `label` in a CLI's output (`project id: …`).
fn field(output: &str, label: &str) -> Result<String, String> {
    output
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .map(|v| v.trim().to_owned())
        .ok_or_else(|| format!("no {label:?} in the output of paragon"))
}

/// JSON in a file only its owner can read, replaced whole.
pub fn write_private(path: &Path, value: &Value) -> Result<(), String> {
    let _ = fs::remove_file(path);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buffer))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}
