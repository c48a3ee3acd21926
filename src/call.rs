//! The one async path of `request()`, `workflow()` and the settings' methods (`settings.rs`):
//! each method checks its arguments and
//! prepares its [`Call`] synchronously, then [`send`] sends it and hands the answer to the
//! method's reader. One state machine for both methods: an async function each, with the
//! fetch's future inlined into both, was 84 B larger gzipped.

use wasm_bindgen::JsValue;

use crate::{SdkError, fetch::Reply, session::Auth};

/// A call to the platform on the user's behalf, ready to send.
pub struct Call {
    /// The user whose token goes with it.
    pub auth: Auth,
    /// The HTTP method.
    pub method: &'static str,
    /// The absolute URL (never with a token).
    pub url: String,
    /// The caller's headers (the fetch sets its own after them).
    pub headers: Vec<(String, String)>,
    /// A body sent as JSON.
    pub json: Option<JsValue>,
    /// A body sent as it is.
    pub raw: Option<JsValue>,
    /// How long each attempt may wait for the answer.
    pub timeout_ms: u32,
    /// Load the user again once the platform answered with success, before [`Call::answer`]
    /// reads the answer (the call changed the user's state).
    pub refresh: bool,
    /// What the method resolves or rejects with, from the answer.
    pub answer: Answer,
}

/// What a method does with the platform's answer: what it resolves or rejects with, and what
/// it tells the app's listeners. Boxed, so that the methods share one async path.
pub type Answer = Box<dyn FnOnce(Reply) -> Result<JsValue, JsValue>>;

/// Sends `call` (or rejects with its error) and reads the answer.
pub async fn send(call: Result<Call, SdkError>) -> Result<JsValue, JsValue> {
    let call = call?;
    let mut request = call.auth.request(call.method, &call.url);
    request.headers = &call.headers;
    request.body = call.json.as_ref();
    request.raw_body = call.raw.as_ref();
    request.timeout_ms = call.timeout_ms;
    let reply = request.send().await?;
    if call.refresh && reply.is_success() {
        crate::session::refresh().await?;
    }
    (call.answer)(reply)
}
