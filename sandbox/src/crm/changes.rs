//! What a write did to a contact, as the contact book records it for the webhooks: created
//! (with the properties it was created with), properties changed (only those whose value
//! differs), archived. Recording in the book rather than in each handler means every path that
//! writes (create, update, batch upsert, archive) produces the same changes.

/// One change of one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactChange {
    /// A new contact with the properties it was written with.
    Created {
        /// The contact's id.
        id: u64,
        /// When, ms.
        at_ms: u64,
        /// Every property set on creation, by name.
        properties: Vec<(String, String)>,
    },
    /// Properties of a live contact whose values changed (`""` for a cleared one).
    PropertiesChanged {
        /// The contact's id.
        id: u64,
        /// When, ms.
        at_ms: u64,
        /// The new values, by name.
        changes: Vec<(String, String)>,
    },
    /// A contact archived (HubSpot's "delete").
    Archived {
        /// The contact's id.
        id: u64,
        /// When, ms.
        at_ms: u64,
    },
}
