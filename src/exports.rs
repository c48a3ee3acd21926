//! The functions the npm entry (`pkg/index.js`) calls: camelCase names, JS values in and out,
//! and nothing else; the logic is in the Rust modules they call.

#![cfg(target_arch = "wasm32")]

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::SdkError;

/// The options object of `configureGlobal`.
#[derive(Deserialize)]
struct GlobalOptions {
    host: String,
}

/// `paragon.configureGlobal({ host })`: the platform's base URL, e.g. `http://127.0.0.1:8080`.
#[wasm_bindgen(js_name = configureGlobal)]
pub fn configure_global(options: JsValue) -> Result<(), JsValue> {
    let options: GlobalOptions = serde_wasm_bindgen::from_value(options).map_err(|e| {
        SdkError::InvalidArgument(format!("configureGlobal expects {{ host: string }}: {e}"))
    })?;
    crate::config::configure(&options.host)?;
    Ok(())
}

/// `paragon.getVersion()`.
#[wasm_bindgen(js_name = getVersion)]
pub fn get_version() -> String {
    crate::VERSION.to_owned()
}

/// `checkHealth()`: resolves with `{status, version}` from the platform's `/healthz`.
#[wasm_bindgen(js_name = checkHealth)]
pub async fn check_health() -> Result<JsValue, JsValue> {
    let health = crate::health::check_health().await?;
    serde_wasm_bindgen::to_value(&health)
        .map_err(|e| SdkError::InvalidResponse(e.to_string()).into())
}
