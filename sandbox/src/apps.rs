//! OAuth apps: client credentials, registered redirect URIs and configured scopes.

use std::collections::HashMap;

use crate::{config::AppConfig, error::SandboxError};

/// A registered app and the numeric `app_id` HubSpot reports for it.
#[derive(Debug, Clone)]
pub struct App {
    /// HubSpot's numeric app id (introspection's `app_id`).
    pub app_id: u32,
    /// What was registered.
    pub config: AppConfig,
}

impl App {
    /// Whether `uri` is registered, compared exactly: HubSpot (and RFC 9700 section 4.1.3)
    /// treat a trailing slash, a case change, another port or query as another URI.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.config.redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether the app may be granted `scope` (required or optional).
    pub fn allows_scope(&self, scope: &str) -> bool {
        let config = &self.config;
        config
            .scopes
            .iter()
            .chain(&config.optional_scopes)
            .any(|s| s == scope)
    }
}

/// Every app of one sandbox, by client id.
#[derive(Debug, Default)]
pub struct Apps {
    by_client_id: HashMap<String, App>,
    next_app_id: u32,
}

impl Apps {
    /// Registers an app; refuses an invalid one or a client id that is taken.
    pub fn register(&mut self, config: AppConfig) -> Result<App, SandboxError> {
        config.validate()?;
        if self.by_client_id.contains_key(&config.client_id) {
            return Err(SandboxError::InvalidConfig(format!(
                "client id {} is already registered",
                config.client_id
            )));
        }
        self.next_app_id += 1;
        let app = App {
            // Plausible HubSpot app ids are 6–7 digits.
            app_id: 1_000_000 + self.next_app_id,
            config,
        };
        self.by_client_id
            .insert(app.config.client_id.clone(), app.clone());
        Ok(app)
    }

    /// The app with this client id.
    pub fn get(&self, client_id: &str) -> Option<&App> {
        self.by_client_id.get(client_id)
    }
}
