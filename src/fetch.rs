//! JSON over the browser's own `fetch`, read with the browser's own JSON parser.
//!
//! web-sys directly rather than gloo-net: the SDK needs one GET/POST helper, and the browser's
//! `Response.json()` plus serde-wasm-bindgen keeps serde_json (about 20 KB gzipped) out of the
//! wasm (../shared/TOOLCHAIN.md).

#[cfg(target_arch = "wasm32")]
pub use imp::get_json;

#[cfg(target_arch = "wasm32")]
mod imp {
    use paragon_protocol::{ErrorBody, ErrorCode};
    use serde::de::DeserializeOwned;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Request, RequestCredentials, RequestInit, RequestMode, Response};

    use crate::SdkError;

    /// `GET url` across origins (CORS, no cookies) and parse a 2xx JSON body as `T`.
    pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, SdkError> {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::Cors);
        // The platform authenticates with a bearer token, never a cookie: send none.
        init.set_credentials(RequestCredentials::Omit);
        let request = Request::new_with_str_and_init(url, &init).map_err(network)?;
        request
            .headers()
            .set("Accept", "application/json")
            .map_err(network)?;
        let window = web_sys::window()
            .ok_or_else(|| SdkError::Network("no window: the SDK runs in a browser page".into()))?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(network)?
            .unchecked_into();
        let status = response.status();
        let body = match response.json() {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        if !response.ok() {
            return Err(server_error(status, body));
        }
        let body =
            body.ok_or_else(|| SdkError::InvalidResponse(format!("{status} without a JSON body")))?;
        serde_wasm_bindgen::from_value(body).map_err(|e| SdkError::InvalidResponse(e.to_string()))
    }

    fn server_error(status: u16, body: Option<JsValue>) -> SdkError {
        match body.and_then(|b| serde_wasm_bindgen::from_value::<ErrorBody>(b).ok()) {
            Some(ErrorBody { message, code }) => SdkError::Server {
                status,
                code,
                message,
            },
            // A proxy or load balancer in front may answer with HTML: keep the status.
            None => SdkError::Server {
                status,
                code: ErrorCode::Unknown,
                message: format!("HTTP {status}"),
            },
        }
    }

    fn network(error: JsValue) -> SdkError {
        let message = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "fetch failed".into());
        SdkError::Network(message)
    }
}
