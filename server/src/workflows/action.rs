//! What an `action:` step can do, and which integration does it: HubSpot's contact actions and
//! Salesforce's record actions. A provider's typed actions are variants here, run by its file in
//! `engine/steps/`; any other provider of the catalogue is reached with `request:` steps.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::integration::IntegrationType;

/// A step's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Creates a contact from the properties; see [`OnConflict`] for an existing email.
    #[serde(rename = "hubspot.create_contact")]
    CreateContact,
    /// Creates the contact, or updates the one with the same `email`.
    #[serde(rename = "hubspot.upsert_contact")]
    UpsertContact,
    /// Updates the contact whose id is the input `id`.
    #[serde(rename = "hubspot.update_contact")]
    UpdateContact,
    /// Creates a Salesforce record of the step's `object` from the `input` fields; see
    /// `match_on` for a retry.
    #[serde(rename = "salesforce.create_record")]
    CreateRecord,
    /// Updates the Salesforce record `record_id` of the step's `object` with the `input` fields.
    #[serde(rename = "salesforce.update_record")]
    UpdateRecord,
    /// Finds the Salesforce records of the step's `object` whose fields equal the `where`
    /// values (a SOQL query).
    #[serde(rename = "salesforce.find_records")]
    FindRecords,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 6] = [
        Action::CreateContact,
        Action::UpsertContact,
        Action::UpdateContact,
        Action::CreateRecord,
        Action::UpdateRecord,
        Action::FindRecords,
    ];

    /// Every action's name, for error messages.
    pub(crate) const NAMES: &'static [&'static str] = &[
        "hubspot.create_contact",
        "hubspot.upsert_contact",
        "hubspot.update_contact",
        "salesforce.create_record",
        "salesforce.update_record",
        "salesforce.find_records",
    ];

    /// The name used in definitions, e.g. `hubspot.create_contact`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateContact => "hubspot.create_contact",
            Action::UpsertContact => "hubspot.upsert_contact",
            Action::UpdateContact => "hubspot.update_contact",
            Action::CreateRecord => "salesforce.create_record",
            Action::UpdateRecord => "salesforce.update_record",
            Action::FindRecords => "salesforce.find_records",
        }
    }

    /// The action named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The integration whose credential the action uses.
    pub fn integration(self) -> IntegrationType {
        match self {
            Action::CreateContact | Action::UpsertContact | Action::UpdateContact => {
                IntegrationType::HUBSPOT
            }
            Action::CreateRecord | Action::UpdateRecord | Action::FindRecords => {
                IntegrationType::SALESFORCE
            }
        }
    }

    /// Inputs without which a HubSpot action cannot run: update needs the contact's id, upsert
    /// the email it matches on. Salesforce's actions name what they need with keys of the step
    /// (`object`, `record_id`, `where`), checked at deploy.
    pub fn required_inputs(self) -> &'static [&'static str] {
        match self {
            Action::UpsertContact => &["email"],
            Action::UpdateContact => &["id"],
            Action::CreateContact
            | Action::CreateRecord
            | Action::UpdateRecord
            | Action::FindRecords => &[],
        }
    }

    /// The keys of an `action:` step, beside `id` and `action`, that this action takes: those
    /// it needs, then those it may have.
    pub fn step_keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Action::CreateContact => (&["input"], &["on_conflict", "field_mapping"]),
            Action::UpsertContact | Action::UpdateContact => (&["input"], &["field_mapping"]),
            Action::CreateRecord => (&["object", "input"], &["match_on"]),
            Action::UpdateRecord => (&["object", "record_id", "input"], &[]),
            Action::FindRecords => (&["object", "where"], &["select", "limit"]),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `hubspot.create_contact` does when HubSpot answers 409: a contact with that email
/// exists. (A 409 caused by the run's own earlier attempt is the engine's concern, whatever the
/// policy: see docs/decisions.md, "The run queue".)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// The step fails with HubSpot's message.
    #[default]
    Fail,
    /// The existing contact (its id is in HubSpot's 409 message) is updated with the step's
    /// properties, and is the step's output.
    Update,
}

impl OnConflict {
    /// The name used in definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            OnConflict::Fail => "fail",
            OnConflict::Update => "update",
        }
    }

    /// The policy named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        [OnConflict::Fail, OnConflict::Update]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}
