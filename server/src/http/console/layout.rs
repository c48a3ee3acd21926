//! The frame every console page shares (header, navigation, sign-out), the error pages, and
//! the small formatting helpers the pages use. Every request value goes through
//! [`escape`] (text and attributes) or [`query_value`] (URLs) before it is put in a page.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

pub use super::super::html::escape;
use super::{
    STYLESHEET_PATH, csrf,
    session::{Console, Scope},
};
use crate::storage::StorageError;

/// The signed-in part of the header: the project the page is about, and the sign-out form.
pub struct Nav<'a> {
    /// The session.
    pub console: &'a Console,
    /// The project (id, name) the page is about.
    pub project: Option<(String, &'a str)>,
}

/// A whole page with status `status`.
pub fn page(status: StatusCode, title: &str, nav: Option<Nav<'_>>, body: &str) -> Response {
    let header = match nav {
        None => String::new(),
        Some(nav) => {
            let project = nav.project.map_or(String::new(), |(id, name)| {
                format!(
                    r#"<li><a href="/console/projects/{id}/runs">Task History of {name}</a></li>"#,
                    id = escape(&id),
                    name = escape(name)
                )
            });
            // Only the operator has a project list; a project session's home is its project.
            let projects = if nav.console.scope == Scope::Operator {
                r#"<li><a href="/console">Projects</a></li>"#
            } else {
                ""
            };
            format!(
                r#"<nav aria-label="Console"><ul>
{projects}{project}
<li><form method="post" action="/console/sign-out"><input type="hidden" name="{field}" value="{token}"><button type="submit">Sign out</button></form></li>
</ul></nav>"#,
                field = csrf::FIELD,
                token = escape(&nav.console.csrf_token()),
            )
        }
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Paragon console</title>
<link rel="stylesheet" href="{css}">
</head>
<body>
<header class="top"><a class="brand" href="/console">Paragon console</a>{header}</header>
<main id="main">
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
        css = STYLESHEET_PATH.as_str(),
    );
    (status, Html(html)).into_response()
}

/// A page that only says `message` under `title`.
fn message(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        r#"<h1>{title}</h1><p>{message}</p><p><a href="/console">Back to the console</a></p>"#,
        title = escape(title),
        message = escape(message)
    );
    page(status, title, None, &body)
}

/// 404, for what does not exist and for what the session may not see (the same answer, so
/// that guessing ids confirms nothing).
pub fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not found", "There is no such page.")
}

/// 403 with the reason.
pub fn forbidden(reason: &str) -> Response {
    message(StatusCode::FORBIDDEN, "Refused", reason)
}

/// 400 with the reason.
pub fn bad_request(reason: &str) -> Response {
    message(StatusCode::BAD_REQUEST, "Bad request", reason)
}

/// 500 after a storage failure, logged (the page does not show database details).
pub fn storage_failed(error: &StorageError) -> Response {
    tracing::error!(%error, "a console page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not read or write its database. Try again in a moment.",
    )
}

/// A Unix-ms time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}

/// A `<time>` element for a Unix-ms time.
pub fn time_element(ms: i64) -> String {
    let iso = jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default();
    format!(
        r#"<time datetime="{}">{}</time>"#,
        escape(&iso),
        escape(&time(ms))
    )
}

/// A duration in ms for people: `840 ms`, `2.4 s`, `3 min 5 s`.
pub fn duration(ms: i64) -> String {
    match ms {
        ..1_000 => format!("{} ms", ms.max(0)),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// A value for a URL's query string (percent-encoded except the unreserved characters).
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// JSON as indented text, escaped for a `<pre>`.
pub fn json_block(value: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    format!("<pre>{}</pre>", escape(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_format_for_people_and_urls() {
        assert_eq!(query_value("a b&c=é"), "a%20b%26c%3D%C3%A9");
        assert_eq!(duration(840), "840 ms");
        assert_eq!(duration(2_400), "2.4 s");
        assert_eq!(duration(185_000), "3 min 5 s");
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
    }
}
