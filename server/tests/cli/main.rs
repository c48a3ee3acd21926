//! The `paragon` binary end to end: the CLI of the guide's steps 2 and 4 against the same
//! storage as `paragon serve`, and what reaches its logs and its database.

mod crash;
mod delay;
#[path = "../shared/oauth_popup.rs"]
mod oauth_popup;
mod platform;
#[path = "../shared/postgres_env.rs"]
mod postgres_env;
mod provider_urls;
mod providers;
mod secrets;
mod slow_clients;
mod support;
mod workflow;
