//! One account's contacts, with email as the dedupe key.

use std::collections::{BTreeMap, HashMap};

use super::{changes::ContactChange, failure::CrmFailure};

/// A stored contact. System properties (`hs_object_id`, `createdate`, `lastmodifieddate`) are
/// derived from the fields, not stored among the properties.
#[derive(Debug, Clone)]
pub struct Contact {
    /// HubSpot's numeric object id.
    pub id: u64,
    /// Written property values (never empty strings: `""` clears).
    pub properties: BTreeMap<String, String>,
    /// Creation time, ms.
    pub created_ms: u64,
    /// Last write, ms.
    pub updated_ms: u64,
    /// When it was archived, if it is.
    pub archived_ms: Option<u64>,
}

impl Contact {
    /// The contact's value of `name`, system properties included.
    pub fn value(&self, name: &str) -> Option<String> {
        match name {
            "hs_object_id" => Some(self.id.to_string()),
            "createdate" => Some(crate::clock::iso8601(self.created_ms)),
            "lastmodifieddate" => Some(crate::clock::iso8601(self.updated_ms)),
            "hs_email_domain" => self
                .properties
                .get("email")
                .and_then(|email| email.rsplit_once('@'))
                .map(|(_, domain)| domain.to_owned()),
            _ => self.properties.get(name).cloned(),
        }
    }

    fn email(&self) -> Option<&str> {
        self.properties.get("email").map(String::as_str)
    }

    /// Writes `values` and returns the ones that changed a value (`""` for a cleared one).
    fn apply(&mut self, values: BTreeMap<String, String>, now_ms: u64) -> Vec<(String, String)> {
        let mut changed = Vec::new();
        for (name, value) in values {
            let differs = self.properties.get(&name).map_or("", String::as_str) != value;
            if differs {
                changed.push((name.clone(), value.clone()));
            }
            if value.is_empty() {
                self.properties.remove(&name);
            } else {
                self.properties.insert(name, value);
            }
        }
        // Timestamps are distinct and ordered even for writes within one millisecond.
        self.updated_ms = now_ms.max(self.updated_ms);
        changed
    }
}

/// How a request names a contact: by id, or by email with `idProperty=email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey {
    /// `hs_object_id`.
    Id(u64),
    /// The `email` property (compared case-insensitively).
    Email(String),
}

/// One account's contacts.
#[derive(Debug, Default)]
pub struct ContactBook {
    by_id: BTreeMap<u64, Contact>,
    by_email: HashMap<String, u64>,
    /// What writes did since the last [`ContactBook::take_changes`], for the webhooks.
    changes: Vec<ContactChange>,
}

impl ContactBook {
    /// Creates a contact; a live contact with the same email is a conflict naming it.
    pub fn create(
        &mut self,
        id: u64,
        values: BTreeMap<String, String>,
        now_ms: u64,
    ) -> Result<&Contact, CrmFailure> {
        let email = values.get("email").filter(|e| !e.is_empty()).cloned();
        if let Some(existing_id) = email.as_ref().and_then(|e| self.by_email.get(e)) {
            return Err(CrmFailure::Conflict {
                existing_id: *existing_id,
            });
        }
        let mut contact = Contact {
            id,
            properties: BTreeMap::new(),
            created_ms: now_ms,
            updated_ms: now_ms,
            archived_ms: None,
        };
        let properties = contact.apply(values, now_ms);
        if let Some(email) = email {
            self.by_email.insert(email, id);
        }
        self.changes.push(ContactChange::Created {
            id,
            at_ms: now_ms,
            properties,
        });
        Ok(self.by_id.entry(id).or_insert(contact))
    }

    /// The contact named by `key`, archived ones only when asked for.
    pub fn find(&self, key: &ContactKey, archived: bool) -> Option<&Contact> {
        let id = match key {
            ContactKey::Id(id) => *id,
            ContactKey::Email(email) => *self.by_email.get(&email.to_ascii_lowercase())?,
        };
        self.by_id
            .get(&id)
            .filter(|c| c.archived_ms.is_some() == archived)
    }

    /// Writes properties of a live contact. Changing the email to one another contact has
    /// is a conflict, as on create.
    pub fn update(
        &mut self,
        key: &ContactKey,
        values: BTreeMap<String, String>,
        now_ms: u64,
    ) -> Result<&Contact, CrmFailure> {
        let id = self.find(key, false).ok_or(CrmFailure::NotFound)?.id;
        let new_email = values.get("email").cloned();
        if let Some(email) = new_email.as_ref().filter(|e| !e.is_empty()) {
            if let Some(other) = self.by_email.get(email).filter(|other| **other != id) {
                return Err(CrmFailure::Conflict {
                    existing_id: *other,
                });
            }
        }
        let contact = self.by_id.get_mut(&id).ok_or(CrmFailure::NotFound)?;
        let old_email = contact.email().map(str::to_owned);
        let changes = contact.apply(values, now_ms);
        if !changes.is_empty() {
            self.changes.push(ContactChange::PropertiesChanged {
                id,
                at_ms: now_ms,
                changes,
            });
        }
        if new_email.is_some() {
            if let Some(old) = old_email {
                self.by_email.remove(&old);
            }
            if let Some(email) = contact.email() {
                self.by_email.insert(email.to_owned(), id);
            }
        }
        Ok(contact)
    }

    /// Archives a live contact; its email becomes free for a new contact, as in HubSpot.
    /// Archiving what is not there is not an error (HubSpot answers 204 either way).
    pub fn archive(&mut self, key: &ContactKey, now_ms: u64) {
        let Some(id) = self.find(key, false).map(|c| c.id) else {
            return;
        };
        if let Some(contact) = self.by_id.get_mut(&id) {
            contact.archived_ms = Some(now_ms);
            if let Some(email) = contact.email() {
                self.by_email.remove(email);
            }
            self.changes
                .push(ContactChange::Archived { id, at_ms: now_ms });
        }
    }

    /// The changes recorded since the last call, oldest first.
    pub fn take_changes(&mut self) -> Vec<ContactChange> {
        std::mem::take(&mut self.changes)
    }

    /// Contacts in id order, live or archived.
    pub fn iter(&self, archived: bool) -> impl Iterator<Item = &Contact> {
        self.by_id
            .values()
            .filter(move |c| c.archived_ms.is_some() == archived)
    }

    /// One page of the list endpoint: contacts with id ≥ `after`, and the cursor of the next
    /// page (the id that follows the last one returned) when there is more.
    pub fn page(&self, after: u64, limit: usize, archived: bool) -> (Vec<&Contact>, Option<u64>) {
        let mut rest = self
            .by_id
            .range(after..)
            .map(|(_, c)| c)
            .filter(|c| c.archived_ms.is_some() == archived);
        let page: Vec<&Contact> = rest.by_ref().take(limit).collect();
        let next = match (rest.next(), page.last()) {
            (Some(_), Some(last)) => Some(last.id + 1),
            _ => None,
        };
        (page, next)
    }
}
