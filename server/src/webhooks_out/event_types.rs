//! The event types an endpoint can subscribe to: the platform's own, and a project's custom
//! ones (sent by its workflows), named like `contact.changed`.

/// A connection was made (first connect, or a connect after a disconnect).
pub const CONNECTION_CREATED: &str = "connection.created";
/// A connection was removed.
pub const CONNECTION_DELETED: &str = "connection.deleted";
/// A connection's refresh was refused: the user must reconnect.
pub const CONNECTION_INVALID: &str = "connection.invalid";
/// A run failed for good.
pub const RUN_FAILED: &str = "run.failed";
/// A run succeeded (opt-in: one per run is a lot of traffic).
pub const RUN_SUCCEEDED: &str = "run.succeeded";
/// An App Event was received (opt-in: one per event).
pub const EVENT_RECEIVED: &str = "event.received";

/// Another endpoint of the project was disabled for failing too long (sent to the project's
/// other enabled endpoints that subscribe to it: the disabled one hears nothing more).
pub const ENDPOINT_DISABLED: &str = "endpoint.disabled";

/// Every type the platform sends.
pub const BUILT_IN: [&str; 7] = [
    CONNECTION_CREATED,
    CONNECTION_DELETED,
    CONNECTION_INVALID,
    RUN_FAILED,
    RUN_SUCCEEDED,
    EVENT_RECEIVED,
    ENDPOINT_DISABLED,
];

/// What an endpoint created without a list receives: every built-in type but the opt-in ones.
pub const DEFAULT: [&str; 5] = [
    CONNECTION_CREATED,
    CONNECTION_DELETED,
    CONNECTION_INVALID,
    RUN_FAILED,
    ENDPOINT_DISABLED,
];

/// The longest type name accepted.
pub const MAX_LEN: usize = 100;
/// The most types one endpoint may list.
pub const MAX_TYPES: usize = 50;

/// Checks a list of types: built-in ones, or custom ones of the form
/// `[a-z0-9_]+(\.[a-z0-9_]+)+` outside the built-in namespaces. Duplicates are dropped.
pub fn check(types: &[String]) -> Result<Vec<String>, String> {
    if types.is_empty() {
        return Err(format!(
            "eventTypes must not be empty; the platform's types are {}",
            BUILT_IN.join(", ")
        ));
    }
    if types.len() > MAX_TYPES {
        return Err(format!("eventTypes may list at most {MAX_TYPES} types"));
    }
    let mut checked: Vec<String> = Vec::new();
    for name in types {
        if !BUILT_IN.contains(&name.as_str()) && !is_custom(name) {
            return Err(format!(
                "unknown event type {name:?}: use one of {} or a custom type of your own \
                 like \"contact.changed\" (lowercase letters, digits and _, in two or more \
                 dot-separated parts, not in the connection., run., event. or endpoint. \
                 namespaces)",
                BUILT_IN.join(", ")
            ));
        }
        if !checked.contains(name) {
            checked.push(name.clone());
        }
    }
    Ok(checked)
}

/// The namespaces of the platform's own types: a project's type may not pass for one of them.
pub const RESERVED: [&str; 4] = ["connection.", "run.", "event.", "endpoint."];

/// Whether `name` is a valid custom type (a workflow's `notify` step sends them).
pub fn is_custom(name: &str) -> bool {
    name.len() <= MAX_LEN
        && !RESERVED.iter().any(|prefix| name.starts_with(prefix))
        && name.split('.').count() >= 2
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_and_custom_types_pass_others_are_named() {
        let ok = check(&[
            "run.failed".into(),
            "contact.changed".into(),
            "run.failed".into(),
        ]);
        assert_eq!(ok, Ok(vec!["run.failed".into(), "contact.changed".into()]));
        for bad in [
            "run.started",
            "Contact.Changed",
            "contact",
            "contact..x",
            ".a.b",
            "a.b.",
            "endpoint.changed",
        ] {
            let error = check(&[bad.into()]).expect_err(bad);
            assert!(error.contains("connection.created"), "{error}");
        }
        assert!(check(&[]).is_err());
    }
}
