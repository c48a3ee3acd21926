//! The SDK's events (`onIntegrationInstall`, `onPortalOpen`, …) as the wasm raises them. The
//! app's listeners are kept by the npm entry (`subscribe` and `unsubscribe` work before the wasm
//! is loaded), which hands the wasm its `emit(name, payload)` when it loads it: the list and
//! its checks in JS cost a fraction of what they did in the wasm (docs/sdk.md, "Size").

use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::JsValue;

thread_local! {
    static EMIT: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// The entry's `emit(name, payload)`, which calls the app's listeners of `name`.
pub fn set_emitter(emit: Function) {
    EMIT.with(|e| *e.borrow_mut() = Some(emit));
}

/// Tells the app's listeners of `name` (the entry catches what a listener throws).
pub fn emit(name: &str, payload: &JsValue) {
    if let Some(emit) = EMIT.with(|e| e.borrow().clone()) {
        let _ = emit.call2(&JsValue::UNDEFINED, &name.into(), payload);
    }
}

#[cfg(test)]
mod tests {
    use js_sys::{Array, Function};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn events_go_to_the_entrys_emitter_with_their_payload() {
        let calls = Array::new();
        let recorder = Function::new_with_args("name, payload", "this.push([name, payload])");
        set_emitter(recorder.bind0(&calls));
        emit("onPortalOpen", &"payload".into());
        assert_eq!(calls.length(), 1);
        let call = Array::from(&calls.get(0));
        assert_eq!(call.get(0), "onPortalOpen");
        assert_eq!(call.get(1), "payload");
    }
}
