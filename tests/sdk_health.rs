//! SDK browser tests: this file is compiled to wasm and run by wasm-bindgen-test in headless
//! Chromium (`cargo xtask test` starts `paragon serve` first, on another origin, and passes its
//! URL at compile time in `PARAGON_TEST_SERVER_URL`).
#![cfg(target_arch = "wasm32")]

use paragon_connect::{SdkError, config, health};
use paragon_protocol::HealthStatus;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn server_url() -> &'static str {
    match option_env!("PARAGON_TEST_SERVER_URL") {
        Some(url) => url,
        None => panic!(
            "PARAGON_TEST_SERVER_URL is set by `cargo xtask test` to a running `paragon serve`"
        ),
    }
}

#[wasm_bindgen_test]
async fn the_sdk_reaches_the_real_server_across_origins() {
    let page_origin = web_sys::window()
        .expect("a page")
        .location()
        .origin()
        .expect("an origin");
    assert_ne!(
        page_origin,
        server_url(),
        "the test must cross origins to exercise CORS"
    );
    config::configure(server_url());

    let health = health::check_health()
        .await
        .expect("the server answers /healthz to this origin");

    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(
        health.version,
        paragon_connect::VERSION,
        "SDK and server come from one workspace"
    );
}

#[wasm_bindgen_test]
async fn a_host_where_nothing_listens_is_a_network_error() {
    // Port 9 (discard) is closed on these machines; the browser reports a failed fetch.
    config::configure("http://127.0.0.1:9");

    let result = health::check_health().await;

    assert!(
        matches!(result, Err(SdkError::Network(_))),
        "got {result:?}"
    );
}
