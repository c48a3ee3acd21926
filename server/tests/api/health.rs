use paragon_protocol::{ErrorBody, ErrorCode, Health, HealthStatus};

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn healthz_answers_ok_with_the_server_version() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");

    let response = app.get_healthz().await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers().contains_key("x-request-id"),
        "every answer carries a request id"
    );
    let health: Health = response.json().await.expect("a Health body");
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn an_unknown_path_gets_a_json_404() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");

    let response = app
        .client
        .get(app.url("/no/such/thing"))
        .send()
        .await
        .expect("answers");

    assert_eq!(response.status(), 404);
    let body: ErrorBody = response.json().await.expect("the protocol's error body");
    assert_eq!(body.code, ErrorCode::NotFound);
    assert!(body.message.contains("/no/such/thing"));
}

#[tokio::test]
async fn a_known_path_with_another_method_gets_a_json_405() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");

    let response = app
        .client
        .delete(app.url("/healthz"))
        .send()
        .await
        .expect("answers");

    crate::helpers::assert_error(response, 405, "METHOD_NOT_ALLOWED").await;
}
