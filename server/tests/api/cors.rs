use crate::helpers::{APP_ORIGIN, spawn_app};

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_with_that_origin() {
    let app = spawn_app().await;

    let response = app.preflight("/healthz", APP_ORIGIN).await;

    assert!(response.status().is_success());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN);
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .expect("ascii");
    assert!(
        allowed.contains("authorization"),
        "Authorization may be sent: {allowed}"
    );
    assert!(
        headers.contains_key("access-control-max-age"),
        "preflights are cached"
    );
}

#[tokio::test]
async fn a_preflight_from_another_origin_gets_no_allow_origin() {
    let app = spawn_app().await;

    for origin in [
        "http://evil.test",
        "http://app.test:3001",
        "https://app.test:3000",
        "null",
    ] {
        let response = app.preflight("/healthz", origin).await;
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin"),
            "{origin} must not be allowed"
        );
    }
}

#[tokio::test]
async fn a_simple_request_from_another_origin_is_not_readable_by_its_page() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "http://evil.test")
        .send()
        .await
        .expect("answers");

    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}
