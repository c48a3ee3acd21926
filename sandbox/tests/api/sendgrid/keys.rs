//! API keys: refused when missing, wrong or revoked, with SendGrid's 401 bodies; a good one
//! answers the profile and the username; the binary serves its accounts the same way.

use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use super::{SendGrid, start};
use crate::{binary::spawn_listening, helpers};

#[tokio::test]
async fn a_missing_or_wrong_key_is_refused_with_sendgrids_401_bodies() {
    let sg = start().await;
    let good = sg.key("ada_lovelace").await;

    let missing = sg.call(Method::GET, "/v3/user/profile", None, None).await;
    assert_eq!(missing.error(), (401, Some("authorization required")));
    assert_eq!(missing.body["errors"][0]["field"], Value::Null);
    let invalid = "The provided authorization grant is invalid, expired, or revoked";
    let last = if good.ends_with('x') { 'y' } else { 'x' };
    let tampered = format!("{}{last}", &good[..good.len() - 1]);
    for wrong in ["SG.nope.nope", "not-a-key", tampered.as_str()] {
        let refused = sg.get("/v3/user/profile", wrong).await;
        assert_eq!(refused.error(), (401, Some(invalid)), "{wrong}");
        assert_eq!(refused.body["errors"][0]["help"], Value::Null);
        assert!(refused.header("x-ratelimit-limit").is_none());
    }
    let basic = sg
        .http
        .get(format!("{}/v3/user/profile", sg.base))
        .header("authorization", format!("Basic {good}"))
        .send()
        .await
        .expect("answers");
    assert_eq!(basic.status(), 401, "the key counts only as a bearer token");
    let counters = sg.knob(Method::GET, "/counters", None).await.body;
    assert_eq!(
        (
            counters["apiRequests"].as_u64(),
            counters["unauthorized"].as_u64()
        ),
        (Some(5), Some(5))
    );
}

#[tokio::test]
async fn a_good_key_answers_the_profile_and_the_username() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;
    assert!(key.starts_with("SG.") && key.len() == 69, "{key}");
    assert_ne!(key, sg.key("ada_lovelace").await, "keys are random");

    let profile = sg.get("/v3/user/profile", &key).await;
    assert_eq!(profile.status, 200);
    assert_eq!(
        profile
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(
        (
            &profile.body["first_name"],
            &profile.body["last_name"],
            &profile.body["company"]
        ),
        (
            &json!("Ada"),
            &json!("Lovelace"),
            &json!("Analytical Engines")
        )
    );
    for required in [
        "address", "city", "country", "phone", "state", "website", "zip",
    ] {
        assert!(
            profile.body[required].is_string(),
            "{required} in {}",
            profile.body
        );
    }
    assert!(
        profile.body.get("username").is_none(),
        "SendGrid's profile has no username"
    );
    let username = sg.get("/v3/user/username", &key).await;
    assert_eq!(username.body["username"], "ada_lovelace");
    assert!(username.body["userId"].is_u64(), "{}", username.body);
}

#[tokio::test]
async fn a_revoked_key_is_refused_from_the_next_call() {
    let sg = start().await;
    let key = sg.key("ada_lovelace").await;
    let keys = sg
        .knob(Method::GET, "/accounts/ada_lovelace/api-keys", None)
        .await
        .body;
    assert_eq!(keys.as_array().map(Vec::len), Some(1));
    assert!(
        !keys.to_string().contains(&key[26..]),
        "the list has no secret: {keys}"
    );
    let id = keys[0]["apiKeyId"].as_str().expect("a key id");
    assert_eq!(&key[3..25], id);
    assert_eq!(sg.get("/v3/user/profile", &key).await.status, 200);

    let other = format!("/accounts/grace/api-keys/{id}");
    assert_eq!(
        sg.knob(Method::DELETE, &other, None).await.status,
        404,
        "not grace's key"
    );
    let revoke = format!("/accounts/ada_lovelace/api-keys/{id}");
    assert_eq!(sg.knob(Method::DELETE, &revoke, None).await.status, 204);
    assert_eq!(sg.get("/v3/user/profile", &key).await.status, 401);
    assert_eq!(sg.knob(Method::DELETE, &revoke, None).await.status, 404);
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_prints_its_url_serves_its_accounts_and_stops_on_sigterm() {
    let bin = env!("CARGO_BIN_EXE_sendgrid-sandbox");
    let args = ["--port", "0", "--account", "ada", "--rate-limit", "7"];
    let (mut running, base) = spawn_listening(bin, "sendgrid-sandbox", &args).await;
    let sg = SendGrid {
        _handle: None,
        base,
        http: helpers::client(),
    };
    let key = sg.key("ada").await;
    let profile = sg.get("/v3/user/profile", &key).await;
    assert_eq!(
        (profile.status, profile.header("x-ratelimit-limit")),
        (200, Some(7))
    );

    let pid = running.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let stopped = async {
        loop {
            if let Some(status) = running.0.try_wait().expect("the child can be waited on") {
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), stopped)
        .await
        .expect("the binary stops within 10 s of SIGTERM");
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
}
