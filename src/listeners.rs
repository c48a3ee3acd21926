//! `subscribe` / `unsubscribe`: the app's listeners of the SDK's events.

use std::cell::RefCell;

use js_sys::Function;
use paragon_protocol::browser::{EVENTS, message};
use wasm_bindgen::JsValue;

use crate::SdkError;

thread_local! {
    static LISTENERS: RefCell<Vec<(&'static str, Function)>> = const { RefCell::new(Vec::new()) };
}

fn event(name: &str) -> Result<&'static str, SdkError> {
    EVENTS.iter().copied().find(|e| *e == name).ok_or_else(|| {
        SdkError::InvalidArgument(crate::text::concat(&[
            message::NO_SUCH_EVENT,
            "\"",
            name,
            "\"",
            message::EXPECTED_ONE_OF,
            &crate::text::join(&EVENTS, ", "),
        ]))
    })
}

/// Adds `listener` for `name` (once: a second subscribe of the same function is a no-op).
pub fn subscribe(name: &str, listener: Function) -> Result<(), SdkError> {
    let name = event(name)?;
    LISTENERS.with(|l| {
        let mut l = l.borrow_mut();
        if !l.iter().any(|(n, f)| *n == name && *f == listener) {
            l.push((name, listener));
        }
    });
    Ok(())
}

/// Removes `listener` from `name`.
pub fn unsubscribe(name: &str, listener: &Function) -> Result<(), SdkError> {
    let name = event(name)?;
    LISTENERS.with(|l| {
        l.borrow_mut()
            .retain(|(n, f)| !(*n == name && f == listener))
    });
    Ok(())
}

/// Calls every listener of `name` with `payload`. The list is copied first: a listener may
/// subscribe or unsubscribe while it runs.
pub fn emit(name: &str, payload: &JsValue) {
    let listeners: Vec<Function> = LISTENERS.with(|l| {
        l.borrow()
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, f)| f.clone())
            .collect()
    });
    for f in &listeners {
        // An exception in the app's listener must not stop the others.
        if let Err(e) = f.call1(&JsValue::UNDEFINED, payload) {
            web_sys::console::error_1(&e);
        }
    }
}

#[cfg(test)]
mod tests {
    use js_sys::{Array, Function};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A listener that appends what it is called with to `calls`.
    fn recorder(calls: &Array) -> Function {
        Function::new_with_args("payload", "this.push(payload)").bind0(calls)
    }

    #[test]
    fn unknown_event_names_are_refused_with_the_known_ones() {
        let error = subscribe("onInstall", Function::new_no_args("")).expect_err("unknown");
        let SdkError::InvalidArgument(message) = error else {
            panic!("{error:?}")
        };
        assert!(message.contains("onIntegrationInstall"), "{message}");
    }

    #[test]
    fn a_listener_subscribed_twice_is_called_once_and_unsubscribe_stops_it() {
        let calls = Array::new();
        let listener = recorder(&calls);
        subscribe("onPortalOpen", listener.clone()).expect("known");
        subscribe("onPortalOpen", listener.clone()).expect("known");
        emit("onPortalOpen", &"first".into());
        assert_eq!(calls.length(), 1);
        unsubscribe("onPortalOpen", &listener).expect("known");
        emit("onPortalOpen", &"second".into());
        assert_eq!(calls.length(), 1);
    }

    #[test]
    fn a_throwing_listener_does_not_stop_the_others() {
        let calls = Array::new();
        let thrower = Function::new_no_args("throw new Error('app bug')");
        let listener = recorder(&calls);
        subscribe("onPortalClose", thrower.clone()).expect("known");
        subscribe("onPortalClose", listener.clone()).expect("known");
        emit("onPortalClose", &"payload".into());
        assert_eq!(calls.length(), 1);
        assert_eq!(calls.get(0), "payload");
        unsubscribe("onPortalClose", &thrower).expect("known");
        unsubscribe("onPortalClose", &listener).expect("known");
    }
}
