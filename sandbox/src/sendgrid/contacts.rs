//! [`ContactBook`]: one account's Marketing Campaigns contacts, keyed by email, and their view
//! as SendGrid answers them (`ContactDetails3` of its contacts spec).
//!
//! SendGrid treats the email as a contact's primary key ("Email addresses are unique to a
//! contact") and stores it lower-case; an upsert updates the contact with that email, leaving
//! the fields it omits as they were. A contact's id is a UUID SendGrid assigns; it cannot be
//! used to update.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::{clock, secrets};

/// The text fields a contact may be given, with SendGrid's maximum lengths (`ContactRequest`).
pub const TEXT_FIELDS: &[(&str, Option<usize>)] = &[
    ("first_name", Some(50)),
    ("last_name", Some(50)),
    ("address_line_1", Some(100)),
    ("address_line_2", Some(100)),
    ("city", Some(60)),
    ("state_province_region", Some(50)),
    ("country", Some(50)),
    ("postal_code", None),
];

/// Fields of `ContactDetails3` that exist at SendGrid and that nothing here can set: answered
/// as SendGrid answers an unset one, `""`.
const UNSET_TEXT: &[&str] = &[
    "unique_name",
    "phone_number",
    "whatsapp",
    "line",
    "facebook",
];

/// One validated contact of an upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInput {
    /// Lower-case.
    pub email: String,
    /// Replaces the contact's alternate emails when given (lower-case).
    pub alternate_emails: Option<Vec<String>>,
    /// The text fields given, each one of [`TEXT_FIELDS`].
    pub fields: Vec<(&'static str, String)>,
}

/// A stored contact.
#[derive(Debug, Clone)]
pub struct Contact {
    /// SendGrid's contact id, a UUID.
    pub id: String,
    /// The primary email, lower-case.
    pub email: String,
    /// Up to five more.
    pub alternate_emails: Vec<String>,
    /// The text fields set so far.
    pub fields: BTreeMap<&'static str, String>,
    /// When created, ms.
    pub created_at_ms: u64,
    /// When last written, ms.
    pub updated_at_ms: u64,
}

impl Contact {
    /// The contact as SendGrid answers it; `base_url` makes `_metadata.self`.
    pub fn view(&self, base_url: &str) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        out.insert("email".into(), json!(self.email));
        out.insert("alternate_emails".into(), json!(self.alternate_emails));
        for (name, _) in TEXT_FIELDS {
            let value = self.fields.get(name).map_or("", String::as_str);
            out.insert((*name).to_owned(), json!(value));
        }
        for name in UNSET_TEXT {
            out.insert((*name).to_owned(), json!(""));
        }
        out.insert("list_ids".into(), json!([]));
        out.insert("segment_ids".into(), json!([]));
        out.insert("custom_fields".into(), json!({}));
        out.insert(
            "created_at".into(),
            json!(clock::iso8601_seconds(self.created_at_ms)),
        );
        out.insert(
            "updated_at".into(),
            json!(clock::iso8601_seconds(self.updated_at_ms)),
        );
        let link = format!("{base_url}/v3/marketing/contacts/{}", self.id);
        out.insert("_metadata".into(), json!({ "self": link }));
        Value::Object(out)
    }

    fn matches(&self, email: &str) -> bool {
        self.email == email || self.alternate_emails.iter().any(|a| a == email)
    }
}

/// What one upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    /// Contacts that did not exist.
    pub created: u64,
    /// Contacts that did.
    pub updated: u64,
}

/// One account's contacts, by primary email.
#[derive(Debug, Default)]
pub struct ContactBook {
    by_email: BTreeMap<String, Contact>,
}

impl ContactBook {
    /// Writes every input at `now_ms`, in order (a later input for the same email wins).
    pub fn upsert(&mut self, inputs: Vec<ContactInput>, now_ms: u64) -> Upserted {
        let mut done = Upserted::default();
        for input in inputs {
            let contact = match self.by_email.get_mut(&input.email) {
                Some(existing) => {
                    done.updated += 1;
                    existing
                }
                None => {
                    done.created += 1;
                    self.by_email
                        .entry(input.email.clone())
                        .or_insert_with(|| Contact {
                            id: secrets::random_uuid(),
                            email: input.email.clone(),
                            alternate_emails: Vec::new(),
                            fields: BTreeMap::new(),
                            created_at_ms: now_ms,
                            updated_at_ms: now_ms,
                        })
                }
            };
            if let Some(alternates) = input.alternate_emails {
                contact.alternate_emails = alternates;
            }
            contact.fields.extend(input.fields);
            contact.updated_at_ms = now_ms;
        }
        done
    }

    /// The contact with `id`.
    pub fn get(&self, id: &str) -> Option<&Contact> {
        self.by_email.values().find(|c| c.id == id)
    }

    /// The contact whose email or alternate email is `email` (lower-case).
    pub fn find_email(&self, email: &str) -> Option<&Contact> {
        self.by_email
            .get(email)
            .or_else(|| self.by_email.values().find(|c| c.matches(email)))
    }

    /// Every contact, by email.
    pub fn all(&self) -> impl Iterator<Item = &Contact> {
        self.by_email.values()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.by_email.len()
    }

    /// "Up to 50 of the most recent contacts", sorted by email, as `GET /v3/marketing/contacts`
    /// answers them.
    pub fn sample(&self) -> Vec<&Contact> {
        let mut recent: Vec<&Contact> = self.by_email.values().collect();
        recent.sort_by_key(|c| std::cmp::Reverse(c.updated_at_ms));
        recent.truncate(50);
        recent.sort_by(|a, b| a.email.cmp(&b.email));
        recent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(email: &str, fields: &[(&'static str, &str)]) -> ContactInput {
        ContactInput {
            email: email.to_owned(),
            alternate_emails: None,
            fields: fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn an_upsert_by_email_updates_the_fields_it_names_and_keeps_the_rest() {
        let mut book = ContactBook::default();
        let first = vec![input(
            "ada@acme.test",
            &[("first_name", "Ada"), ("city", "London")],
        )];
        assert_eq!(book.upsert(first, 1_000).created, 1);
        let second = vec![input("ada@acme.test", &[("city", "Paris")])];
        assert_eq!(book.upsert(second, 2_000).updated, 1);
        let ada = book.find_email("ada@acme.test").expect("stored");
        assert_eq!(ada.fields["first_name"], "Ada");
        assert_eq!(ada.fields["city"], "Paris");
        assert_eq!((ada.created_at_ms, ada.updated_at_ms), (1_000, 2_000));
        assert_eq!(book.get(&ada.id).map(|c| &c.email), Some(&ada.email));
    }

    #[test]
    fn the_view_has_every_documented_field() {
        let mut book = ContactBook::default();
        book.upsert(vec![input("ada@acme.test", &[])], 1_656_407_872_040);
        let view = book.all().next().expect("a contact").view("http://sg");
        assert_eq!(view["first_name"], "");
        assert_eq!(view["list_ids"], json!([]));
        assert_eq!(view["created_at"], "2022-06-28T09:17:52Z");
        let id = view["id"].as_str().expect("an id");
        assert_eq!(id.len(), 36);
        assert_eq!(
            view["_metadata"]["self"],
            format!("http://sg/v3/marketing/contacts/{id}")
        );
    }
}
