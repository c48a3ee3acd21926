//! The headers a caller adds to `request()` and `workflow()`: its `headers` object and
//! Paragon's `selectedCredentialId`, sent as `X-Paragon-Credential`. One reader for both
//! methods, so that they accept the same shapes and the wasm holds the loop once. The fetch
//! sets them before its own, so that `Authorization` is always the user's token.

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use crate::{SdkError, js};

/// Paragon's header naming which of the user's credentials the call is for.
const CREDENTIAL_HEADER: &str = "X-Paragon-Credential";

/// `init.headers` (a plain object of strings, or nothing) and `init.selectedCredentialId`.
pub fn of(init: &JsValue) -> Result<Vec<(String, String)>, SdkError> {
    let value = js::get(init, "headers");
    let mut headers = Vec::new();
    if !value.is_undefined() && !value.is_null() {
        let invalid = || SdkError::InvalidArgument("headers is an object of strings".into());
        if !value.is_object() || Array::is_array(&value) {
            return Err(invalid());
        }
        // A loop, not `collect::<Result<_, _>>()`: its adapter costs 0.6 KB of wasm.
        for entry in Object::entries(value.unchecked_ref()).iter() {
            let pair = Array::from(&entry);
            let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                return Err(invalid());
            };
            headers.push((name, value));
        }
    }
    if let Some(id) = js::string(init, "selectedCredentialId") {
        headers.push((CREDENTIAL_HEADER.to_owned(), id));
    }
    Ok(headers)
}
