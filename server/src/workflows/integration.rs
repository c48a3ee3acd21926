//! Which integration a workflow uses (`integration:`, and `integration:` of an
//! `integrations/<type>.yaml` page): any provider of the catalogue compiled into the binary
//! (`providers/*.yaml`, [`crate::providers::shipped`]), by its name.
//!
//! A name rather than an enum: the catalogue is data, and a workflow of `request:` steps needs
//! nothing of a provider but its API base and the user's credential, so every provider of the
//! catalogue can be named the day its definition ships. What is one provider's (HubSpot's contact
//! actions and settings sources, Salesforce's record actions) names it with the constants below
//! and is refused at deploy for the others.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::providers;

/// A provider of the catalogue, by its name (`hubspot`, `salesforce`). Only [`Self::parse`]
/// makes one from outside input, so the name is always a shipped provider's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntegrationType(&'static str);

impl IntegrationType {
    /// HubSpot: its contact actions and its settings sources.
    pub const HUBSPOT: Self = Self("hubspot");
    /// Salesforce: its record actions.
    pub const SALESFORCE: Self = Self("salesforce");

    /// The provider named `name` in the catalogue, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        // The catalogue is checked by the test suite; a binary built without running it has
        // no integration rather than a panic.
        let shipped = providers::shipped().ok()?;
        shipped
            .iter()
            .find(|p| p.name == name)
            .map(|p| Self(p.name.as_str()))
    }

    /// The name used in definitions, URLs and storage (`hubspot`).
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for IntegrationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The plain name, as in the YAML.
impl Serialize for IntegrationType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// A stored version names a provider this binary may no longer ship: the error says so, and
/// the run that reads it fails with that reason.
impl<'de> Deserialize<'de> for IntegrationType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown integration `{name}`: `paragon integration list-providers` lists the integrations this platform has"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_providers_are_in_the_catalogue() {
        assert_eq!(
            IntegrationType::parse("hubspot"),
            Some(IntegrationType::HUBSPOT)
        );
        assert_eq!(
            IntegrationType::parse("salesforce"),
            Some(IntegrationType::SALESFORCE)
        );
    }

    #[test]
    fn every_shipped_provider_is_an_integration_and_nothing_else_is() {
        let shipped = providers::shipped().expect("the catalogue reads");
        for provider in shipped {
            let parsed = IntegrationType::parse(&provider.name).map(IntegrationType::as_str);
            assert_eq!(parsed, Some(provider.name.as_str()));
        }
        assert_eq!(IntegrationType::parse("HubSpot"), None);
        assert_eq!(IntegrationType::parse("hubspott"), None);
    }

    #[test]
    fn it_is_stored_as_its_name_and_an_unknown_name_says_where_the_names_are() {
        let stored = serde_json::to_string(&IntegrationType::SALESFORCE).expect("serializes");
        assert_eq!(stored, r#""salesforce""#);
        let read: IntegrationType = serde_json::from_str(&stored).expect("reads back");
        assert_eq!(read, IntegrationType::SALESFORCE);

        let unknown = serde_json::from_str::<IntegrationType>(r#""hubspott""#)
            .expect_err("not a provider")
            .to_string();
        assert!(
            unknown.contains("`hubspott`") && unknown.contains("list-providers"),
            "{unknown}"
        );
    }
}
