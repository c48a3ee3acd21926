//! Which subscriptions of an app a contact change fires, with what each event says.

use super::subscriptions::{AppWebhooks, Subscription, SubscriptionType};
use crate::crm::ContactChange;

/// One event a change fires, before it gets its ids.
pub struct Fired<'a> {
    /// The subscription.
    pub subscription: &'a Subscription,
    /// The contact.
    pub object_id: u64,
    /// When the change happened, ms.
    pub at_ms: u64,
    /// The property and its new value, for a property change.
    pub property: Option<(String, String)>,
}

/// The subscriptions of `settings` that `change` fires, with the object, the time and, for
/// property changes, the property and its new value. A creation also fires the
/// propertyChange subscriptions of the properties it was created with.
pub fn matches<'a>(settings: &'a AppWebhooks, change: &ContactChange) -> Vec<Fired<'a>> {
    let (id, at_ms, kind, properties) = match change {
        ContactChange::Created {
            id,
            at_ms,
            properties,
        } => (
            *id,
            *at_ms,
            SubscriptionType::Creation,
            properties.as_slice(),
        ),
        ContactChange::PropertiesChanged { id, at_ms, changes } => (
            *id,
            *at_ms,
            SubscriptionType::PropertyChange,
            changes.as_slice(),
        ),
        ContactChange::Archived { id, at_ms } => {
            (*id, *at_ms, SubscriptionType::Deletion, [].as_slice())
        }
    };
    let mut fired = Vec::new();
    for subscription in &settings.subscriptions {
        if subscription.kind == kind && kind != SubscriptionType::PropertyChange {
            fired.push(Fired {
                subscription,
                object_id: id,
                at_ms,
                property: None,
            });
        }
    }
    for (name, value) in properties {
        for subscription in &settings.subscriptions {
            if subscription.kind == SubscriptionType::PropertyChange
                && subscription.property_name.as_deref() == Some(name.as_str())
            {
                fired.push(Fired {
                    subscription,
                    object_id: id,
                    at_ms,
                    property: Some((name.clone(), value.clone())),
                });
            }
        }
    }
    fired
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AppWebhooks {
        let subscription = |id, kind, property: Option<&str>| Subscription {
            id,
            kind,
            property_name: property.map(str::to_owned),
        };
        AppWebhooks {
            target_url: "http://127.0.0.1/hooks".to_owned(),
            max_concurrent_requests: 10,
            subscriptions: vec![
                subscription(1, SubscriptionType::Creation, None),
                subscription(2, SubscriptionType::PropertyChange, Some("firstname")),
                subscription(3, SubscriptionType::Deletion, None),
            ],
        }
    }

    fn fired_ids(change: &ContactChange) -> Vec<(u64, Option<String>)> {
        let settings = settings();
        matches(&settings, change)
            .into_iter()
            .map(|f| (f.subscription.id, f.property.map(|(name, _)| name)))
            .collect()
    }

    #[test]
    fn a_creation_fires_creation_then_the_subscribed_properties_it_sets() {
        let change = ContactChange::Created {
            id: 7,
            at_ms: 1,
            properties: vec![
                ("email".into(), "a@b.com".into()),
                ("firstname".into(), "Ada".into()),
            ],
        };
        assert_eq!(
            fired_ids(&change),
            [(1, None), (2, Some("firstname".to_owned()))]
        );
    }

    #[test]
    fn an_update_of_unsubscribed_properties_fires_nothing() {
        let change = ContactChange::PropertiesChanged {
            id: 7,
            at_ms: 1,
            changes: vec![("lastname".into(), "Lovelace".into())],
        };
        assert!(fired_ids(&change).is_empty());
    }

    #[test]
    fn an_archive_fires_only_deletion() {
        let change = ContactChange::Archived { id: 7, at_ms: 1 };
        assert_eq!(fired_ids(&change), [(3, None)]);
    }
}
