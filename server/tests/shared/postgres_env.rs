//! The PostgreSQL of the tests, shared by the test crates (`#[path]`-included).

/// `PARAGON_TEST_POSTGRES_URL`, or `None` to skip the PostgreSQL runs; with
/// `PARAGON_REQUIRE_POSTGRES=1` (CI) a missing URL is a failure, not a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("PARAGON_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("PARAGON_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("PARAGON_REQUIRE_POSTGRES=1 but PARAGON_TEST_POSTGRES_URL is not set")
        }
        _ => {
            eprintln!("skipping the PostgreSQL run: PARAGON_TEST_POSTGRES_URL is not set");
            None
        }
    }
}
