//! CRM contacts v3 (storage, property rules, search, batch upsert), owners v3, pipelines v3 and
//! the contact property definitions of properties v3, and HubSpot's error bodies.
//! HTTP lives in [`crate::http`]; this module only decides.

pub mod contacts;
mod email;
pub mod failure;
mod filter;
pub mod owners;
pub mod pipelines;
pub mod properties;
pub mod search;
pub mod upsert;
pub mod view;

pub use contacts::{ContactBook, ContactKey};
pub use email::is_valid_email;
pub use failure::CrmFailure;
