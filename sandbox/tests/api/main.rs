//! Black-box tests of the stand-ins: the real server on 127.0.0.1 with a random port, called
//! over HTTP with reqwest, checked against each provider's specs and observed answers.

mod binary;
mod conformance;
mod consent;
mod contact_errors;
mod contacts;
mod faults;
mod helpers;
mod knobs;
mod openapi;
mod owners_and_pipelines;
mod pkce;
mod properties;
mod rate_limit;
mod salesforce;
mod search_and_batch;
mod sendgrid;
mod token_errors;
mod token_info;
mod webhook_receiver;
mod webhooks;
