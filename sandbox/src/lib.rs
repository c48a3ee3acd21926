//! `hubspot-sandbox`: a faithful local HubSpot (OAuth and CRM contacts, DESIGN.md section 10).
//!
//! Not built yet: this crate reserves its place in the workspace. Its OAuth server, contacts
//! API, rate limits and test knobs arrive with the sandbox issue; until then nothing here
//! pretends to answer like HubSpot.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
