//! Project administration, shared by the CLI (`paragon project …`, `paragon keys …`) and the
//! management API, so that both do exactly the same thing.

use crate::{
    auth::{
        api_key,
        signing_key::{self, GeneratedKey, KeyError, PublicKey},
    },
    clock,
    ids::{Kid, ProjectId},
    origin::{Origin, OriginError},
    storage::{DEFAULT_MAX_TOKEN_LIFETIME_SECS, Project, SigningKeyRecord, StorageError, Store},
};

/// The longest user-token lifetime a project may allow (30 days).
pub const MAX_TOKEN_LIFETIME_LIMIT_SECS: i64 = 30 * 86_400;

/// Why an administrative operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// An argument is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// No such project (or key).
    #[error("{0}")]
    NotFound(String),
    /// The storage failed or refused.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<OriginError> for AdminError {
    fn from(e: OriginError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<KeyError> for AdminError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Generation(_) => Self::Storage(StorageError::Corrupt(e.to_string())),
            other => Self::Invalid(other.to_string()),
        }
    }
}

/// What a new project needs.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// A name for people.
    pub name: String,
    /// The app's origins, as given.
    pub origins: Vec<String>,
    /// `None` for the default (24 h).
    pub max_token_lifetime_secs: Option<i64>,
}

/// Creates a project and its first API key; the key is returned here and nowhere else.
pub async fn create_project(
    store: &Store,
    new: NewProject,
) -> Result<(Project, String), AdminError> {
    let project = Project {
        id: ProjectId::new(),
        name: check_name(&new.name)?,
        allowed_origins: parse_origins(&new.origins)?,
        max_token_lifetime_secs: check_lifetime(
            new.max_token_lifetime_secs
                .unwrap_or(DEFAULT_MAX_TOKEN_LIFETIME_SECS),
        )?,
        created_at: clock::now_ms(),
    };
    let (key, hash) = api_key::generate();
    store.create_project(&project, &hash).await?;
    Ok((project, key))
}

/// The changes of `PATCH /projects/{pid}`.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    /// A new name.
    pub name: Option<String>,
    /// New origins (replace the old ones).
    pub origins: Option<Vec<String>>,
    /// A new maximum token lifetime.
    pub max_token_lifetime_secs: Option<i64>,
}

/// Applies changes to a project.
pub async fn update_project(
    store: &Store,
    id: ProjectId,
    changes: ProjectChanges,
) -> Result<Project, AdminError> {
    let mut project = project(store, id).await?;
    if let Some(name) = changes.name {
        project.name = check_name(&name)?;
    }
    if let Some(origins) = changes.origins {
        project.allowed_origins = parse_origins(&origins)?;
    }
    if let Some(secs) = changes.max_token_lifetime_secs {
        project.max_token_lifetime_secs = check_lifetime(secs)?;
    }
    if !store.update_project(&project).await? {
        return Err(not_found(id));
    }
    Ok(project)
}

/// A project that must exist.
pub async fn project(store: &Store, id: ProjectId) -> Result<Project, AdminError> {
    store.project(id).await?.ok_or_else(|| not_found(id))
}

/// Generates a key pair for the project, stores the public half and returns both halves.
pub async fn generate_signing_key(
    store: &Store,
    id: ProjectId,
    bits: usize,
) -> Result<(GeneratedKey, SigningKeyRecord), AdminError> {
    project(store, id).await?;
    // Key generation takes ~100 ms of CPU: keep it off the async workers.
    let generated = tokio::task::spawn_blocking(move || signing_key::generate(bits))
        .await
        .map_err(|e| StorageError::Corrupt(format!("key generation task: {e}")))??;
    let record = store_key(store, id, &generated.public).await?;
    Ok((generated, record))
}

/// Registers a public key the app generated (the private key never leaves the app).
pub async fn register_signing_key(
    store: &Store,
    id: ProjectId,
    public_pem: &str,
) -> Result<SigningKeyRecord, AdminError> {
    if public_pem.contains("PRIVATE KEY") {
        return Err(AdminError::Invalid(
            "send the public key only; the platform never stores private keys".into(),
        ));
    }
    project(store, id).await?;
    let key = signing_key::public_key_from_pem(public_pem)?;
    store_key(store, id, &key).await
}

async fn store_key(
    store: &Store,
    id: ProjectId,
    key: &PublicKey,
) -> Result<SigningKeyRecord, AdminError> {
    let now = clock::now_ms();
    store.add_signing_key(id, key, now).await?;
    Ok(SigningKeyRecord {
        key: key.clone(),
        created_at: now,
        revoked_at: None,
    })
}

/// Every key of the project, revoked ones included.
pub async fn signing_keys(
    store: &Store,
    id: ProjectId,
) -> Result<Vec<SigningKeyRecord>, AdminError> {
    project(store, id).await?;
    Ok(store.signing_keys(id).await?)
}

/// Revokes a key; tokens it signed are refused from now on.
pub async fn revoke_signing_key(store: &Store, id: ProjectId, kid: &str) -> Result<(), AdminError> {
    let kid =
        Kid::parse(kid).ok_or_else(|| AdminError::Invalid(format!("{kid:?} is not a key id")))?;
    if store.revoke_signing_key(id, &kid, clock::now_ms()).await? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!(
            "project {id} has no active key {kid}"
        )))
    }
}

fn not_found(id: ProjectId) -> AdminError {
    AdminError::NotFound(format!("no project {id}"))
}

fn check_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::Invalid(
            "a project name has 1 to 200 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

fn parse_origins(origins: &[String]) -> Result<Vec<Origin>, AdminError> {
    let mut parsed: Vec<Origin> = Vec::new();
    for origin in origins {
        let origin = Origin::parse(origin)?;
        if !parsed.contains(&origin) {
            parsed.push(origin);
        }
    }
    Ok(parsed)
}

fn check_lifetime(secs: i64) -> Result<i64, AdminError> {
    if (60..=MAX_TOKEN_LIFETIME_LIMIT_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(AdminError::Invalid(format!(
            "the maximum token lifetime must be between 60 s and {MAX_TOKEN_LIFETIME_LIMIT_SECS} s"
        )))
    }
}
