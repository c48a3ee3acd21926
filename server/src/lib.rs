//! `paragon-server`: the platform behind the `paragon-connect` SDK (DESIGN.md).
//!
//! `startup` builds the application from a [`config::ServeConfig`]; `http` holds one router per
//! area, merged in [`http::router`]; `cli` is the command line of the `paragon` binary.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod startup;
pub mod telemetry;
