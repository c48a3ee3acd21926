//! Small helpers over js-sys for reading and building plain JS objects: the SDK keeps the
//! platform's JSON answers as JS values (parsed by the browser's own `JSON`) instead of
//! deserializing them into Rust types, which keeps serde code out of the wasm.

use std::{future::Future, pin::Pin};

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

type Task<T> = Pin<Box<dyn Future<Output = T>>>;

/// The promise of `task`. Boxed as one `dyn Future` type so that the executor's promise glue
/// is compiled once, not once per async method (each copy cost 1 to 3 KB of wasm).
pub fn promise(task: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    wasm_bindgen_futures::future_to_promise(Box::pin(task) as Task<Result<JsValue, JsValue>>)
}

/// Runs `task` in the background; boxed for the same reason as [`promise`].
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(Box::pin(task) as Task<()>)
}

/// A future that resolves after `ms` milliseconds (`setTimeout`).
pub async fn sleep(ms: f64) {
    let promise = Promise::new(&mut |resolve, _| {
        let timer = web_sys::window().map(|window| {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(f64::from(i32::MAX)) as i32,
            )
        });
        // No timer to wait for: do not wait forever.
        if !matches!(timer, Some(Ok(_))) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// `obj[key]`, or `undefined` when `obj` is not an object.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value` (ignores the impossible failure on a plain object).
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &key.into(), value);
}

/// A fresh `{}`.
pub fn object() -> JsValue {
    Object::new().into()
}

/// `obj[key]` when it is a string.
pub fn string(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// `obj[key]` when it is a function.
pub fn function(obj: &JsValue, key: &str) -> Option<js_sys::Function> {
    get(obj, key).dyn_into().ok()
}

/// `JSON.parse(text)`.
pub fn parse(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// `JSON.stringify(value)`; `None` when it throws (a cycle, a BigInt) or gives `undefined` (a
/// function, a symbol, `undefined`), which `String::from` would turn into a throw out of the
/// wasm.
pub fn stringify(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok()?.as_string()
}

/// A copy of a JSON-shaped value, so that the app cannot change the SDK's state by mutating
/// what a getter returned.
pub fn copy(value: &JsValue) -> JsValue {
    stringify(value)
        .and_then(|text| parse(&text))
        .unwrap_or(JsValue::UNDEFINED)
}

/// `encodeURIComponent(text)`.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// The message of a thrown JS `Error`, or `fallback` when something else was thrown.
pub fn error_message(error: &JsValue, fallback: &str) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| fallback.to_owned())
}
