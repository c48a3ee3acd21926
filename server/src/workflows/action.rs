//! What a step can do, and which integration does it. Only HubSpot exists so far;
//! a new integration adds a variant to [`IntegrationType`] and its actions to [`Action`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// An integration that workflows can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntegrationType {
    /// HubSpot CRM. Its type name is Connect's `provider::hubspot::TYPE`.
    #[serde(rename = "hubspot")]
    HubSpot,
}

impl IntegrationType {
    /// Every integration.
    pub const ALL: [IntegrationType; 1] = [IntegrationType::HubSpot];

    /// The type name used in definitions, URLs and storage (`hubspot`).
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationType::HubSpot => "hubspot",
        }
    }

    /// The integration named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == name)
    }
}

impl fmt::Display for IntegrationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 3] = [
        Action::CreateContact,
        Action::UpsertContact,
        Action::UpdateContact,
    ];

    /// Every action's name, for error messages.
    pub(crate) const NAMES: &'static [&'static str] = &[
        "hubspot.create_contact",
        "hubspot.upsert_contact",
        "hubspot.update_contact",
    ];

    /// The name used in definitions, e.g. `hubspot.create_contact`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateContact => "hubspot.create_contact",
            Action::UpsertContact => "hubspot.upsert_contact",
            Action::UpdateContact => "hubspot.update_contact",
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
                IntegrationType::HubSpot
            }
        }
    }

    /// Inputs without which the action cannot run: update needs the contact's id, upsert the
    /// email it matches on.
    pub fn required_inputs(self) -> &'static [&'static str] {
        match self {
            Action::CreateContact => &[],
            Action::UpsertContact => &["email"],
            Action::UpdateContact => &["id"],
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
