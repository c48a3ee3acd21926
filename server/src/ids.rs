//! Identifiers, parsed at the edge so that the core never handles an unchecked string.

use std::{
    fmt,
    hash::{Hash, Hasher},
    marker::PhantomData,
};

use sqlx::{Database, Decode, Encode, Type, encode::IsNull, error::BoxDynError};
use uuid::{Uuid, fmt::Hyphenated};

/// A project's id: a UUID (v4 when the platform makes it), kept as its lowercase hyphenated
/// text so that it can be lent as a `&str` (vault bindings, SQL parameters) and still be `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectId([u8; Hyphenated::LENGTH]);

impl ProjectId {
    /// A new random id.
    pub fn new() -> Self {
        Self::from_uuid(Uuid::new_v4())
    }

    /// Parses a UUID; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        Uuid::try_parse(value).ok().map(Self::from_uuid)
    }

    fn from_uuid(uuid: Uuid) -> Self {
        let mut text = [0; Hyphenated::LENGTH];
        uuid.hyphenated().encode_lower(&mut text);
        Self(text)
    }

    /// The hyphenated form.
    pub fn as_str(&self) -> &str {
        // Always ASCII: written by `encode_lower`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Default for ProjectId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sent as its hyphenated text.
impl serde::Serialize for ProjectId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Debug for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProjectId").field(&self.as_str()).finish()
    }
}

impl<DB: Database> Type<DB> for ProjectId
where
    String: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        String::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        String::compatible(ty)
    }
}

/// Stored as its hyphenated text.
impl<'q, DB: Database> Encode<'q, DB> for ProjectId
where
    String: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        self.to_string().encode(buf)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for ProjectId
where
    String: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = String::decode(value)?;
        Self::parse(&text).ok_or_else(|| format!("project id {text:?}").into())
    }
}

/// What an [`Id`] identifies, and which texts are ids of it.
pub trait Kind {
    /// The id's name, for `Debug` and errors.
    const NAME: &'static str;

    /// Whether `text` is an id of this kind. Row ids the platform makes are opaque here: any
    /// text is one, and the database decides whether the row exists.
    fn accepts(text: &str) -> bool {
        !text.is_empty()
    }
}

/// A text id of one kind of thing: ids of different kinds are different types, so that a
/// credential id cannot be passed where an integration id is expected. Stored and sent as the
/// same text.
pub struct Id<K> {
    text: String,
    kind: PhantomData<fn() -> K>,
}

impl<K: Kind> Id<K> {
    /// The id, if `value` is one of this kind.
    pub fn parse(value: &str) -> Option<Self> {
        K::accepts(value).then(|| Self::from_text(value.to_owned()))
    }

    /// A new random id (a UUID v4), for the rows the platform creates.
    pub fn random() -> Self {
        Self::from_text(Uuid::new_v4().to_string())
    }

    /// An id the platform made from its own random text (a flow's base64url token).
    pub(crate) fn from_text(text: String) -> Self {
        Self {
            text,
            kind: PhantomData,
        }
    }
}

impl<K> Id<K> {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Self {
            text: self.text.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<K> Eq for Id<K> {}

impl<K> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl<K: Kind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(K::NAME).field(&self.text).finish()
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Sent as its text.
impl<K> serde::Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<K, DB: Database> Type<DB> for Id<K>
where
    String: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        String::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        String::compatible(ty)
    }
}

impl<'q, K, DB: Database> Encode<'q, DB> for Id<K>
where
    String: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        self.text.encode_by_ref(buf)
    }
}

impl<'r, K: Kind, DB: Database> Decode<'r, DB> for Id<K>
where
    String: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = String::decode(value)?;
        Self::parse(&text).ok_or_else(|| format!("{} {text:?}", K::NAME).into())
    }
}

/// The kinds of [`Id`].
pub mod kind {
    use super::Kind;

    /// An end user: the user token's `sub`, 1 to 256 characters.
    #[derive(Debug)]
    pub enum User {}
    /// A signing key: the base64url RFC 7638 thumbprint for keys the platform knows, and any
    /// short URL-safe string in a token header (looked up, never trusted).
    #[derive(Debug)]
    pub enum Key {}
    /// A project's integration with a provider.
    #[derive(Debug)]
    pub enum Integration {}
    /// An end user's credential for an integration.
    #[derive(Debug)]
    pub enum Credential {}
    /// An OAuth connect flow.
    #[derive(Debug)]
    pub enum Flow {}
    /// A deployed workflow (stable across deploys of one slug).
    #[derive(Debug)]
    pub enum Workflow {}
    /// A workflow run.
    #[derive(Debug)]
    pub enum Run {}
    /// A received App Event.
    #[derive(Debug)]
    pub enum Event {}
    /// An engine worker, the owner of run leases.
    #[derive(Debug)]
    pub enum Worker {}
    /// A project's webhook endpoint (webhooks out).
    #[derive(Debug)]
    pub enum WebhookEndpoint {}
    /// One message to one webhook endpoint.
    #[derive(Debug)]
    pub enum WebhookDelivery {}

    impl Kind for User {
        const NAME: &'static str = "UserId";

        fn accepts(text: &str) -> bool {
            (1..=super::UserId::MAX_CHARS).contains(&text.chars().count())
        }
    }

    impl Kind for Key {
        const NAME: &'static str = "Kid";

        /// 1 to 128 characters of the base64url alphabet.
        fn accepts(text: &str) -> bool {
            (1..=128).contains(&text.len())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
    }

    impl Kind for Integration {
        const NAME: &'static str = "IntegrationId";
    }

    impl Kind for Credential {
        const NAME: &'static str = "CredentialId";
    }

    impl Kind for Flow {
        const NAME: &'static str = "FlowId";
    }

    impl Kind for Workflow {
        const NAME: &'static str = "WorkflowId";
    }

    impl Kind for Run {
        const NAME: &'static str = "RunId";
    }

    impl Kind for Event {
        const NAME: &'static str = "EventId";
    }

    impl Kind for Worker {
        const NAME: &'static str = "WorkerId";
    }

    impl Kind for WebhookEndpoint {
        const NAME: &'static str = "WebhookEndpointId";
    }

    impl Kind for WebhookDelivery {
        const NAME: &'static str = "WebhookDeliveryId";
    }
}

/// An end user of a project: the user token's `sub`.
pub type UserId = Id<kind::User>;

impl UserId {
    /// The longest `sub` accepted, in characters.
    pub const MAX_CHARS: usize = 256;
}

/// A signing key's id (a token header's `kid`).
pub type Kid = Id<kind::Key>;
/// An integration's id.
pub type IntegrationId = Id<kind::Integration>;
/// A credential's id.
pub type CredentialId = Id<kind::Credential>;
/// A connect flow's id (random, at least 128 bits, base64url).
pub type FlowId = Id<kind::Flow>;
/// A deployed workflow's id.
pub type WorkflowId = Id<kind::Workflow>;
/// A run's id.
pub type RunId = Id<kind::Run>;
/// An App Event's id.
pub type EventId = Id<kind::Event>;
/// An engine worker's id, the owner written on the runs it leases.
pub type WorkerId = Id<kind::Worker>;
/// A webhook endpoint's id (`ep_…`).
pub type WebhookEndpointId = Id<kind::WebhookEndpoint>;
/// A webhook delivery's id (`dlv_…`).
pub type WebhookDeliveryId = Id<kind::WebhookDelivery>;

impl WebhookEndpointId {
    /// A new endpoint id: `ep_` and 128 random bits, as Svix names them.
    pub fn generate() -> Self {
        Self::from_text(format!("ep_{}", Uuid::new_v4().simple()))
    }
}

impl WebhookDeliveryId {
    /// A new delivery id: `dlv_` and 128 random bits.
    pub fn generate() -> Self {
        Self::from_text(format!("dlv_{}", Uuid::new_v4().simple()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_one_to_256_characters() {
        assert!(UserId::parse("").is_none());
        assert!(
            UserId::parse(&"é".repeat(256)).is_some(),
            "characters, not bytes"
        );
        assert!(UserId::parse(&"a".repeat(257)).is_none());
    }

    #[test]
    fn kids_are_short_and_url_safe() {
        assert!(Kid::parse("abc_DEF-123").is_some());
        assert!(Kid::parse("../etc").is_none());
        assert!(Kid::parse("").is_none());
        assert!(Kid::parse(&"a".repeat(129)).is_none());
    }

    #[test]
    fn project_ids_round_trip_and_garbage_is_refused() {
        let id = ProjectId::new();
        assert_eq!(ProjectId::parse(&id.to_string()), Some(id));
        assert!(ProjectId::parse("not-a-uuid").is_none());
    }
}
