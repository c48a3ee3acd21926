//! Black-box tests of the sandbox: the real server on 127.0.0.1 with a random port, called
//! over HTTP with reqwest, checked against HubSpot's specs and observed answers.

mod conformance;
mod consent;
mod helpers;
mod openapi;
mod pkce;
mod token_errors;
mod token_info;
