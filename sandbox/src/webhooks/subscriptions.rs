//! An app's webhook settings as HubSpot's developer portal holds them: one target URL, the
//! concurrency limit, and the subscriptions every installing account gets (reference 4.1).

use serde::{Deserialize, Serialize};

use crate::crm::properties;

/// HubSpot's default `maxConcurrentRequests` (the value its docs show).
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: u32 = 10;
/// The stand-in's bounds for `maxConcurrentRequests`: HubSpot publishes neither.
const CONCURRENCY_BOUNDS: std::ops::RangeInclusive<u32> = 1..=100;

/// The subscription types the stand-in sends, all of contacts (HubSpot has many more objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionType {
    /// `contact.creation`.
    Creation,
    /// `contact.propertyChange`, for one property.
    PropertyChange,
    /// `contact.deletion` (archiving: HubSpot's "delete" moves to the recycling bin).
    Deletion,
}

impl SubscriptionType {
    /// HubSpot's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creation => "contact.creation",
            Self::PropertyChange => "contact.propertyChange",
            Self::Deletion => "contact.deletion",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Creation, Self::PropertyChange, Self::Deletion]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One subscription of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// HubSpot's `subscriptionId`, carried by every event it produces.
    pub id: u64,
    /// What it listens to.
    pub kind: SubscriptionType,
    /// The property of a `contact.propertyChange` subscription.
    pub property_name: Option<String>,
}

/// An app's webhook settings.
#[derive(Debug, Clone)]
pub struct AppWebhooks {
    /// Where every batch is POSTed, normalized as the sender will call it (and sign it).
    pub target_url: String,
    /// At most this many requests in flight to the target at once.
    pub max_concurrent_requests: u32,
    /// The subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// The knob's body: `{targetUrl, subscriptions: [{subscriptionType, propertyName?}],
/// maxConcurrentRequests?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsInput {
    target_url: String,
    #[serde(default)]
    subscriptions: Vec<SubscriptionInput>,
    max_concurrent_requests: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubscriptionInput {
    subscription_type: String,
    property_name: Option<String>,
}

/// What the knob shows (no secret is part of the settings).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView<'a> {
    target_url: &'a str,
    max_concurrent_requests: u32,
    subscriptions: Vec<SubscriptionView<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionView<'a> {
    id: u64,
    subscription_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    property_name: Option<&'a str>,
}

impl AppWebhooks {
    /// The settings of `input`, refused with a message saying what to fix. Subscriptions that
    /// `previous` already had keep their ids; new ones take ids from `next_id`.
    pub fn from_input(
        input: SettingsInput,
        previous: Option<&Self>,
        next_id: &mut u64,
    ) -> Result<Self, String> {
        let target_url = normalized_target(&input.target_url)?;
        let max_concurrent_requests = input
            .max_concurrent_requests
            .unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS);
        if !CONCURRENCY_BOUNDS.contains(&max_concurrent_requests) {
            return Err(format!(
                "maxConcurrentRequests must be between {} and {}",
                CONCURRENCY_BOUNDS.start(),
                CONCURRENCY_BOUNDS.end()
            ));
        }
        let mut subscriptions: Vec<Subscription> = Vec::new();
        for wanted in input.subscriptions {
            let (kind, property_name) = checked(wanted)?;
            if subscriptions
                .iter()
                .any(|s| s.kind == kind && s.property_name == property_name)
            {
                return Err(format!(
                    "{} {} is listed twice",
                    kind.as_str(),
                    property_name.as_deref().unwrap_or_default()
                ));
            }
            let kept = previous
                .into_iter()
                .flat_map(|p| &p.subscriptions)
                .find(|s| s.kind == kind && s.property_name == property_name);
            let id = kept.map_or_else(
                || {
                    *next_id += 1;
                    *next_id
                },
                |s| s.id,
            );
            subscriptions.push(Subscription {
                id,
                kind,
                property_name,
            });
        }
        Ok(Self {
            target_url,
            max_concurrent_requests,
            subscriptions,
        })
    }

    /// The knob's view.
    pub fn view(&self) -> SettingsView<'_> {
        SettingsView {
            target_url: &self.target_url,
            max_concurrent_requests: self.max_concurrent_requests,
            subscriptions: self
                .subscriptions
                .iter()
                .map(|s| SubscriptionView {
                    id: s.id,
                    subscription_type: s.kind.as_str(),
                    property_name: s.property_name.as_deref(),
                })
                .collect(),
        }
    }
}

/// The URL as the HTTP client will send it (`http://host` gains its `/`), so that the URI a
/// receiver rebuilds is the one that was signed.
fn normalized_target(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|error| format!("targetUrl {raw} is not an absolute URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("targetUrl {raw} must be an http or https URL"));
    }
    if url.fragment().is_some() {
        return Err(format!("targetUrl {raw} must not have a fragment"));
    }
    Ok(url.to_string())
}

fn checked(input: SubscriptionInput) -> Result<(SubscriptionType, Option<String>), String> {
    let kind = SubscriptionType::parse(&input.subscription_type).ok_or_else(|| {
        format!(
            "subscriptionType {} is not one the sandbox sends; use contact.creation, \
             contact.propertyChange or contact.deletion",
            input.subscription_type
        )
    })?;
    match (kind, input.property_name) {
        (SubscriptionType::PropertyChange, Some(name)) if properties::is_known(&name) => {
            Ok((kind, Some(name)))
        }
        (SubscriptionType::PropertyChange, Some(name)) => {
            Err(format!("propertyName {name} is not a contact property"))
        }
        (SubscriptionType::PropertyChange, None) => {
            Err("contact.propertyChange needs a propertyName".to_owned())
        }
        (_, Some(_)) => Err(format!("{} takes no propertyName", kind.as_str())),
        (_, None) => Ok((kind, None)),
    }
}
