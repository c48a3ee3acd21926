//! The limits of one user's outbox (`authenticate`'s `maxPendingEvents` and
//! `maxPendingBytes`), so that a page cannot fill its origin's `localStorage` through
//! `event()`.

use std::cell::Cell;

use wasm_bindgen::JsValue;

use crate::{SdkError, js};

/// The default [`Limits`]. The count bounds the work of each send (a flush reads and parses
/// the whole outbox before each request); the bytes leave most of the 5 MB that Firefox and
/// Safari give an origin's `localStorage` to the app and to other users' outboxes.
const DEFAULT_LIMITS: Limits = Limits {
    events: 500,
    bytes: 1_000_000,
};

/// The most one user's outbox may hold: events, and bytes of its JSON as `localStorage`
/// holds it (UTF-8), set by `authenticate`'s `maxPendingEvents` and `maxPendingBytes`.
#[derive(Clone, Copy)]
pub struct Limits {
    events: u32,
    bytes: u32,
}

impl Limits {
    /// Whether an outbox of `events` events and `bytes` bytes of JSON is within the limits.
    pub(super) fn admit(self, events: u32, bytes: usize) -> bool {
        events <= self.events && bytes <= self.bytes as usize
    }

    /// The error of an event that does not fit.
    pub(super) fn full(self) -> SdkError {
        SdkError::OutboxFull {
            events: self.events,
            bytes: self.bytes,
        }
    }

    /// The limits in `authenticate`'s options; the defaults for those it does not give.
    pub fn from_options(options: &JsValue) -> Result<Self, SdkError> {
        Ok(Self {
            events: limit(options, "maxPendingEvents", DEFAULT_LIMITS.events)?,
            bytes: limit(options, "maxPendingBytes", DEFAULT_LIMITS.bytes)?,
        })
    }
}

fn limit(options: &JsValue, name: &str, default: u32) -> Result<u32, SdkError> {
    let value = js::get(options, name);
    if value.is_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        // `as u32` saturates: a value that comes back unchanged is an integer in range.
        Some(n) if n >= 1.0 && f64::from(n as u32) == n => Ok(n as u32),
        _ => Err(SdkError::InvalidArgument(crate::text::concat(&[
            "authenticate: ",
            name,
            " must be a positive integer",
        ]))),
    }
}

/// Applies the limits of the `authenticate` that just succeeded.
pub fn set_limits(limits: Limits) {
    LIMITS.with(|l| l.set(limits));
}

/// The limits of the current session.
pub(super) fn current() -> Limits {
    LIMITS.with(Cell::get)
}

thread_local! {
    static LIMITS: Cell<Limits> = const { Cell::new(DEFAULT_LIMITS) };
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn options(name: &str, value: JsValue) -> JsValue {
        let options = js::object();
        js::set(&options, name, &value);
        options
    }

    #[test]
    fn absent_limits_are_the_defaults() {
        let limits = Limits::from_options(&JsValue::UNDEFINED).expect("defaults");
        assert_eq!((limits.events, limits.bytes), (500, 1_000_000));
        let limits = Limits::from_options(&options("maxPendingEvents", 3.into())).expect("valid");
        assert_eq!((limits.events, limits.bytes), (3, 1_000_000));
    }

    #[test]
    fn only_positive_integers_are_limits() {
        for value in [
            JsValue::from(0),
            JsValue::from(-1),
            JsValue::from(1.5),
            JsValue::from(f64::NAN),
            JsValue::from(5e9),
            JsValue::from("10"),
            JsValue::NULL,
        ] {
            let result = Limits::from_options(&options("maxPendingBytes", value.clone()));
            assert!(
                matches!(result, Err(SdkError::InvalidArgument(_))),
                "{value:?}"
            );
        }
    }

    #[test]
    fn an_outbox_at_its_limit_is_full_one_past_it_is_refused() {
        let limits = Limits {
            events: 2,
            bytes: 10,
        };
        assert!(limits.admit(2, 10));
        assert!(!limits.admit(3, 10));
        assert!(!limits.admit(2, 11));
        assert_eq!(limits.full().code(), "OUTBOX_FULL");
    }
}
