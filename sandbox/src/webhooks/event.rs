//! One webhook event as HubSpot sends it in a batch: `{eventId, subscriptionId, portalId,
//! appId, occurredAt, subscriptionType, attemptNumber, objectId, changeSource, changeFlag?,
//! propertyName?, propertyValue?}` (reference 4.2; HubSpot's v1 example body).

use serde::Serialize;

/// Who made a change, as `changeSource` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    /// A CRM API call with an app's token.
    Api,
    /// A user in HubSpot's own UI (the sandbox's contact knobs).
    CrmUi,
}

impl ChangeSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "API",
            Self::CrmUi => "CRM_UI",
        }
    }
}

/// One event.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The event's id (HubSpot: "not guaranteed to be unique"; here it is, per sandbox).
    pub event_id: u64,
    /// The subscription that produced it.
    pub subscription_id: u64,
    /// The account (hub id).
    pub portal_id: u32,
    /// The app's numeric id.
    pub app_id: u32,
    /// When the change happened, ms since the epoch.
    pub occurred_at: u64,
    /// E.g. `contact.propertyChange`.
    pub subscription_type: &'static str,
    /// 0 on the first delivery, one more on each retry.
    pub attempt_number: u32,
    /// The contact's id.
    pub object_id: u64,
    /// Who made the change.
    #[serde(serialize_with = "source_name")]
    pub change_source: ChangeSource,
    /// `NEW` on creation events, as HubSpot's example shows; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_flag: Option<&'static str>,
    /// The changed property (propertyChange only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_name: Option<String>,
    /// Its new value, `""` when cleared (propertyChange only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_value: Option<String>,
}

fn source_name<S: serde::Serializer>(
    source: &ChangeSource,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(source.as_str())
}
