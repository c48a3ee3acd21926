//! Black-box tests of the HTTP API: the real server on a random port, called over TCP, on a
//! fresh SQLite file and on a fresh PostgreSQL schema.

mod api_client;
mod bounds;
mod connect;
mod connect_binding;
mod connect_support;
mod console;
mod cors;
mod delay_steps;
mod engine;
mod engine_support;
mod for_each_steps;
mod health;
mod helpers;
mod if_steps;
mod integration_enabled;
mod keyed;
mod management;
mod paragon_compat;
mod provider_urls;
mod provider_webhooks;
mod proxy_forwarding;
mod proxy_paths;
mod request_steps;
mod request_trigger;
mod salesforce_actions;
mod salesforce_engine;
// This crate plays the popup hop by hop (connect_support) and uses the shared parts only.
#[allow(dead_code)]
#[path = "../shared/oauth_popup.rs"]
mod oauth_popup;
mod portal;
mod portal_theme;
#[path = "../shared/postgres_env.rs"]
mod postgres_env;
mod salesforce;
mod salesforce_support;
mod schedule_claim;
mod schedule_trigger;
mod sdk_user;
mod storage;
mod tokens;
mod two_way;
mod user_settings;
mod vault;
mod webhooks_out;
mod webhooks_out_support;
