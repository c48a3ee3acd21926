//! `paragon-server`: the platform behind the `paragon-connect` SDK (its layers are described in
//! `docs/architecture.md`).
//!
//! `startup` builds the application from a [`config::Config`], which `cli` builds from the
//! command line and tests build directly (nothing but `cli` and the binary depends on `cli`);
//! `http` holds one router per area, merged in [`http::router`]; `storage` is the one storage
//! trait and its SQLite and PostgreSQL implementations; `auth` holds API keys, signing keys and
//! user tokens; `admin` the project operations that the CLI and the management API share.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod color;
pub mod config;
pub mod connect;
pub mod connection;
pub mod deploy;
pub mod engine;
pub mod error;
pub mod housekeeping;
pub mod http;
pub mod ids;
pub mod input_keys;
pub mod origin;
pub mod portal_theme;
pub mod providers;
pub mod sdk_view;
pub mod secret;
pub mod startup;
pub mod storage;
pub mod task_history;
pub mod telemetry;
pub mod user_settings;
pub mod vault;
pub mod webhooks_out;
pub mod workflows;
