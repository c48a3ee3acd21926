//! User-token verification through the real `GET /sdk/me`: hostile tokens
//! are each answered 401 with the JSON error body; valid ones 200.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use paragon_server::{admin, auth::signing_key, clock, config::Limits};
use rsa::{
    pkcs1v15::SigningKey,
    pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding},
    sha2::{Sha256, Sha512},
    signature::{SignatureEncoding, Signer},
};
use serde_json::{Value, json};

use crate::helpers::{TestProject, assert_error, both_backends};

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Signs any header and claims with RS256 (or RS512), bypassing every library check.
fn sign_raw(private_pem: &str, header: Value, claims: Value, sha512: bool) -> String {
    let key = rsa::PrivateKey::from_pkcs8_pem(private_pem).expect("a PKCS#8 key");
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let signature = if sha512 {
        SigningKey::<Sha512>::new(key)
            .sign(input.as_bytes())
            .to_vec()
    } else {
        SigningKey::<Sha256>::new(key)
            .sign(input.as_bytes())
            .to_vec()
    };
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn claims(sub: &str) -> Value {
    let now = clock::now_secs();
    json!({"sub": sub, "iat": now, "exp": now + 3600})
}

fn header(project: &TestProject) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": project.key.public.kid.as_str()})
}

fn with(mut value: Value, key: &str, field: Value) -> Value {
    value[key] = field;
    value
}

fn without(mut value: Value, key: &str) -> Value {
    value.as_object_mut().expect("an object").remove(key);
    value
}

mod hostile_tokens_are_each_refused_with_401_and_a_json_body {
    use super::*;
    use crate::helpers::{Backend, spawn_app_with_limits};

    #[tokio::test]
    async fn sqlite() {
        refused(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        refused(Backend::Postgres).await;
    }

    /// Each case is one failed authentication from one address: the failed-auth throttle
    /// (30 a minute by default, tested in bounds.rs) is raised so that every case reaches the
    /// token check instead of the throttle's 429.
    async fn refused(backend: Backend) {
        let limits = Limits {
            auth_failures_per_minute: 1000,
            ..Limits::default()
        };
        let Some(app) = spawn_app_with_limits(backend, 4, limits).await else {
            return;
        };
        let project = app.new_project().await;
        let other = app.new_project().await;
        let pem = project.key.private_pem.as_str();
        let now = clock::now_secs();
        let valid = project.token("user-1");
        let (head, rest) = valid.split_once('.').expect("three parts");
        let (_, signature) = rest.split_once('.').expect("three parts");

        let public_pem = rsa::PrivateKey::from_pkcs8_pem(pem)
            .expect("key")
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let hs256 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims("user-1"),
            &EncodingKey::from_secret(public_pem.as_bytes()).expect("a secret"),
        )
        .expect("HS256 token");
        let stranger = signing_key::generate(2048).expect("keygen");
        let revoked = admin::generate_signing_key(&app.store, project.id, 2048)
            .await
            .expect("second key")
            .0;
        admin::revoke_signing_key(&app.store, project.id, revoked.public.kid.as_str())
            .await
            .expect("revoke");
        let huge_header = json!({"alg": "RS256", "kid": project.key.public.kid.as_str(), "pad": "x".repeat(40 * 1024)});

        let cases: Vec<(&str, String, paragon_server::ids::ProjectId)> = vec![
            (
                "alg none",
                format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "typ": "JWT"})),
                    b64(&claims("user-1"))
                ),
                project.id,
            ),
            ("HS256 with the public key as secret", hs256, project.id),
            (
                "tampered payload",
                format!("{head}.{}.{signature}", b64(&claims("admin"))),
                project.id,
            ),
            (
                "signature of another key",
                sign_raw(
                    &stranger.private_pem,
                    header(&project),
                    claims("user-1"),
                    false,
                ),
                project.id,
            ),
            (
                "missing exp",
                sign_raw(
                    pem,
                    header(&project),
                    without(claims("user-1"), "exp"),
                    false,
                ),
                project.id,
            ),
            (
                "non-numeric exp",
                sign_raw(
                    pem,
                    header(&project),
                    with(claims("user-1"), "exp", json!("9999999999")),
                    false,
                ),
                project.id,
            ),
            (
                "exp past the leeway",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now - 600, "exp": now - 60}),
                    false,
                ),
                project.id,
            ),
            (
                "iat in the future",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now + 300, "exp": now + 900}),
                    false,
                ),
                project.id,
            ),
            (
                "lifetime above the maximum",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now, "exp": now + 25 * 3600}),
                    false,
                ),
                project.id,
            ),
            (
                "future nbf",
                sign_raw(
                    pem,
                    header(&project),
                    with(claims("user-1"), "nbf", json!(now + 300)),
                    false,
                ),
                project.id,
            ),
            (
                "missing sub",
                sign_raw(
                    pem,
                    header(&project),
                    without(claims("user-1"), "sub"),
                    false,
                ),
                project.id,
            ),
            (
                "empty sub",
                sign_raw(pem, header(&project), claims(""), false),
                project.id,
            ),
            (
                "sub over 256 characters",
                sign_raw(pem, header(&project), claims(&"u".repeat(257)), false),
                project.id,
            ),
            (
                "missing iat",
                sign_raw(
                    pem,
                    header(&project),
                    without(claims("user-1"), "iat"),
                    false,
                ),
                project.id,
            ),
            (
                "a revoked key",
                sign_raw(
                    &revoked.private_pem,
                    json!({"alg": "RS256", "kid": revoked.public.kid.as_str()}),
                    claims("user-1"),
                    false,
                ),
                project.id,
            ),
            (
                "an unknown kid",
                sign_raw(
                    pem,
                    json!({"alg": "RS256", "kid": "no-such-key"}),
                    claims("user-1"),
                    false,
                ),
                project.id,
            ),
            ("project A's token on project B", valid.clone(), other.id),
            (
                "a wrong aud",
                sign_raw(
                    pem,
                    header(&project),
                    with(
                        claims("user-1"),
                        "aud",
                        json!(format!("useparagon.com/{}", other.id)),
                    ),
                    false,
                ),
                project.id,
            ),
            (
                "RS512 instead of RS256",
                sign_raw(
                    pem,
                    with(header(&project), "alg", json!("RS512")),
                    claims("user-1"),
                    true,
                ),
                project.id,
            ),
            ("garbage", "garbage".into(), project.id),
            ("garbage in three parts", "a.b.c".into(), project.id),
            ("truncated", valid[..valid.len() / 2].to_owned(), project.id),
            // Over the token check's 8 KB, under the server's 64 KB head limit once in base64.
            (
                "a 54 KB header",
                sign_raw(pem, huge_header, claims("user-1"), false),
                project.id,
            ),
            // exp - iat overflowed i64 here: a panic in debug, a never-expiring token in release.
            (
                "iat -2^63 and exp 2^63-1",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": i64::MIN, "exp": i64::MAX}),
                    false,
                ),
                project.id,
            ),
            (
                "exp 2^63-1",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now, "exp": i64::MAX}),
                    false,
                ),
                project.id,
            ),
            (
                "exp past u64",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now, "exp": 1e300}),
                    false,
                ),
                project.id,
            ),
            (
                "negative iat",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": -1, "exp": now + 60}),
                    false,
                ),
                project.id,
            ),
            (
                "huge negative fractional iat",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": -9.3e18, "exp": now + 60}),
                    false,
                ),
                project.id,
            ),
            (
                "negative exp",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now, "exp": -1}),
                    false,
                ),
                project.id,
            ),
            (
                "fractional exp past the year 9999",
                sign_raw(
                    pem,
                    header(&project),
                    json!({"sub": "u", "iat": now, "exp": 253_402_300_800.5}),
                    false,
                ),
                project.id,
            ),
            (
                "string iat",
                sign_raw(
                    pem,
                    header(&project),
                    with(claims("user-1"), "iat", json!(now.to_string())),
                    false,
                ),
                project.id,
            ),
            (
                "boolean exp",
                sign_raw(
                    pem,
                    header(&project),
                    with(claims("user-1"), "exp", json!(true)),
                    false,
                ),
                project.id,
            ),
            (
                "numeric sub",
                sign_raw(
                    pem,
                    header(&project),
                    with(claims("user-1"), "sub", json!(42)),
                    false,
                ),
                project.id,
            ),
            (
                "numeric aud",
                sign_raw(
                    pem,
                    header(&project),
                    with(claims("user-1"), "aud", json!(7)),
                    false,
                ),
                project.id,
            ),
            (
                "claims that are a JSON array",
                sign_raw(pem, header(&project), json!([1, 2]), false),
                project.id,
            ),
            (
                "claims that are not JSON",
                format!(
                    "{}.{}.{signature}",
                    b64(&header(&project)),
                    URL_SAFE_NO_PAD.encode("{not json")
                ),
                project.id,
            ),
            (
                "a header that is not JSON",
                format!(
                    "{}.{}.{signature}",
                    URL_SAFE_NO_PAD.encode("{\"alg\":"),
                    b64(&claims("u"))
                ),
                project.id,
            ),
        ];
        assert!(cases.len() >= 15);

        for (name, token, target) in cases {
            let response = app.get_me(target, &token).await;
            assert_eq!(response.status(), 401, "{name}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer", "{name}");
            let message = assert_error(response, 401, "UNAUTHORIZED").await;
            assert!(
                !message.contains(&token),
                "{name}: the answer must not echo the token"
            );
            for internal in [
                "line ",
                "column",
                "expected f64",
                "expected a",
                "invalid type",
                "Json(",
                "Error(",
            ] {
                assert!(
                    !message.contains(internal),
                    "{name}: {message:?} shows parser internals ({internal:?})"
                );
            }
        }

        let response = app.get_me(project.id, &valid).await;
        assert_eq!(response.status(), 200, "and the valid token still works");
    }
}

both_backends! {
    async fn time_and_type_errors_say_what_is_wrong_with_the_token(app) {
        let project = app.new_project().await;
        let pem = project.key.private_pem.as_str();
        let now = clock::now_secs();

        for (claims, expected) in [
            (json!({"sub": "u", "iat": i64::MIN, "exp": i64::MAX}), "the token's iat is out of range"),
            (json!({"sub": "u", "iat": now, "exp": i64::MAX}), "the token's exp is out of range"),
            (json!({"sub": "u", "iat": now.to_string(), "exp": now + 60}), "the token's iat is not a valid time"),
            (json!({"sub": "u", "iat": now, "exp": "soon"}), "the token's exp is not a valid time"),
            (json!({"sub": "u", "exp": now + 60}), "the token's iat claim is required"),
            (json!({"sub": 42, "iat": now, "exp": now + 60}), "the token's sub must be a string"),
        ] {
            let token = sign_raw(pem, header(&project), claims.clone(), false);

            let message = assert_error(app.get_me(project.id, &token).await, 401, "UNAUTHORIZED").await;

            assert!(message.contains(expected), "{claims}: {message:?}");
        }
    }

    async fn a_request_without_a_token_is_401(app) {
        let project = app.new_project().await;

        let response = app.client.get(app.url(&format!("/projects/{}/sdk/me", project.id))).send().await.expect("answers");

        let message = assert_error(response, 401, "UNAUTHORIZED").await;
        assert!(message.contains("Bearer"), "{message}");
    }

    async fn valid_variants_are_accepted(app) {
        let project = app.new_project().await;
        let pem = project.key.private_pem.as_str();
        let ours = format!("useparagon.com/{}", project.id);

        for (name, token) in [
            ("no kid: every active key is tried", sign_raw(pem, json!({"alg": "RS256"}), claims("u"), false)),
            ("aud of this project", sign_raw(pem, header(&project), with(claims("u"), "aud", json!(ours)), false)),
            ("aud list holding the configured audience", sign_raw(pem, header(&project), with(claims("u"), "aud", json!(["x", "https://app.test/api"])), false)),
            ("fractional times (RFC 7519 section 2)", sign_raw(pem, header(&project), json!({"sub": "u", "iat": clock::now_secs() as f64 + 0.25, "exp": clock::now_secs() as f64 + 600.75}), false)),
            ("exp just inside the leeway", sign_raw(pem, header(&project), json!({"sub": "u", "iat": clock::now_secs() - 100, "exp": clock::now_secs() - 10}), false)),
        ] {
            let response = app.get_me(project.id, &token).await;
            assert_eq!(response.status(), 200, "{name}");
        }
    }

    async fn the_bearer_scheme_is_case_insensitive(app) {
        let project = app.new_project().await;

        let response = app
            .client
            .get(app.url(&format!("/projects/{}/sdk/me", project.id)))
            .header("Authorization", format!("bearer {}", project.token("u")))
            .send()
            .await
            .expect("answers");

        assert_eq!(response.status(), 200, "RFC 6750: the scheme is case-insensitive");
    }

    async fn two_active_keys_both_sign_valid_tokens_and_revocation_is_immediate(app) {
        let project = app.new_project().await;
        let (second, _) = admin::generate_signing_key(&app.store, project.id, 2048).await.expect("second key");
        let second_token = sign_raw(&second.private_pem, json!({"alg": "RS256", "kid": second.public.kid.as_str()}), claims("u"), false);

        assert_eq!(app.get_me(project.id, &project.token("u")).await.status(), 200);
        assert_eq!(app.get_me(project.id, &second_token).await.status(), 200);

        admin::revoke_signing_key(&app.store, project.id, second.public.kid.as_str()).await.expect("revoke");

        assert_eq!(app.get_me(project.id, &second_token).await.status(), 401, "revoked at once");
        assert_eq!(app.get_me(project.id, &project.token("u")).await.status(), 200, "the other key still works");
    }
}
