//! Salesforce's API names of objects and fields (`Contact`, `LastName`, `Plan_Tier__c`), checked
//! when a deploy is read and again when a stored version is: they go into URL paths
//! (`/sobjects/{object}/…`) and into SOQL (`SELECT {field} FROM {object} WHERE {field} = …`)
//! as they are, so only names that cannot be anything else in either place are accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An object's or a field's API name: a letter, then letters, digits and single underscores, not
/// ending in one; a custom one ends in `__c`, and an installed package's starts with its
/// namespace and `__` (`acme__Score__c`), the rules of Salesforce's "Custom Field Attributes".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApiName(String);

impl ApiName {
    /// Longer than any name Salesforce allows (40 characters, a 15-character namespace, `__c`).
    const MAX_LEN: usize = 80;

    /// `name` if it is an API name.
    pub fn parse(name: &str) -> Option<Self> {
        let parts: Vec<&str> = name.split("__").collect();
        let shape = match parts.as_slice() {
            [name] => is_word(name),
            [name, "c"] => is_word(name),
            [namespace, name, "c"] => is_word(namespace) && is_word(name),
            _ => false,
        };
        (shape && name.len() <= Self::MAX_LEN).then(|| Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is `other` as Salesforce reads names: without regard to case.
    pub fn is(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

/// A letter, then letters, digits and single underscores, not ending in one.
fn is_word(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic())
        && !word.ends_with('_')
        && !word.contains("__")
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl TryFrom<String> for ApiName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Self::parse(&name).ok_or_else(|| format!("invalid Salesforce API name {name:?}"))
    }
}

impl From<ApiName> for String {
    fn from(name: ApiName) -> String {
        name.0
    }
}

impl fmt::Display for ApiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_custom_and_namespaced_names_are_api_names() {
        for name in [
            "Contact",
            "LastName",
            "Plan_Tier__c",
            "acme__Score__c",
            "Invoice__c",
            "Field2",
        ] {
            assert!(ApiName::parse(name).is_some(), "{name}");
        }
    }

    #[test]
    fn anything_that_could_leave_a_path_or_a_query_is_refused() {
        for name in [
            "",
            "2Field",
            "_Field",
            "Field_",
            "Last Name",
            "Email'",
            "Id,Name",
            "Contact/003",
            "..",
            "Account.Name",
            "A___c",
            "Plan__x",
            "a__b__c__c",
            "Name--",
            "Ñame",
        ] {
            assert_eq!(ApiName::parse(name), None, "{name:?}");
        }
        assert_eq!(ApiName::parse(&"A".repeat(81)), None);
    }

    #[test]
    fn names_compare_as_salesforce_reads_them() {
        let email = ApiName::parse("Email").expect("a name");
        assert!(email.is("email") && email.is("EMAIL") && !email.is("Emails"));
    }

    #[test]
    fn a_stored_name_is_checked_again_when_read() {
        let read = serde_json::from_str::<ApiName>(r#""Contact/../Lead""#);
        assert!(read.is_err());
    }
}
