//! A minimal HTTP client for the demo's calls to the servers it started itself (plain HTTP
//! on 127.0.0.1), so that xtask needs no HTTP library. HTTP/1.0 keeps the answer simple to
//! read: no chunked encoding, the server closes the connection after the body.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Sends `method url` with an optional bearer token and JSON body; returns the status and the
/// body parsed as JSON (`Value::Null` when empty or not JSON).
pub fn call(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let what = format!("{method} {url}");
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{what}: only http:// URLs"))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\n");
    if let Some(token) = bearer {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));

    let io = |e: std::io::Error| format!("{what}: {e}");
    let mut stream = TcpStream::connect(host).map_err(io)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(io)?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what}: no HTTP status in the answer"))?;
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// [`call`] that expects a 2xx answer; any other status is an error with the answer's message.
pub fn expect_ok(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Result<Value, String> {
    match call(method, url, bearer, body)? {
        (200..=299, value) => Ok(value),
        (status, value) => Err(format!(
            "{method} {url}: {status} {}",
            value["message"].as_str().unwrap_or_default()
        )),
    }
}
