//! `request(integrationType, path, { method, body, headers, selectedCredentialId })`: a call to
//! the integration's API with the user's credential, through the platform's proxy
//! (`/projects/{pid}/sdk/proxy/{integration}/{path}`), so that the page never holds the
//! provider's tokens. Paragon's semantics: an object body is sent as JSON, the platform's
//! `{output}` envelope is unwrapped, an empty answer is `undefined`, and an error status of
//! the provider rejects with a `ParagonError` (`PROVIDER_ERROR`) that carries its status and
//! answer.
//!
//! The answer's rules are [`answer_of`], apart from the browser so that they are tested
//! natively.

/// What an answer of the proxy resolves with, from its status, whether it is JSON, and its
/// text (`parse` reads JSON text).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<J> {
    /// No body: `undefined`.
    Empty,
    /// A JSON answer: its `output` when it is the platform's envelope, else all of it.
    Json(J),
    /// Anything else, as text.
    Text(String),
}

/// The methods `request()` sends.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// `method` in upper case when `request()` sends it, `None` otherwise.
pub fn method(method: &str) -> Option<&'static str> {
    METHODS.into_iter().find(|m| m.eq_ignore_ascii_case(method))
}

/// The answer of `text`: `Empty` when there is none, `Json` when the `Content-Type` says JSON
/// and it parses (`parse`, with `output` for the envelope's field), else `Text`.
pub fn answer_of<J>(
    text: &str,
    is_json: bool,
    parse: impl Fn(&str) -> Option<J>,
    output: impl Fn(&J) -> Option<J>,
) -> Answer<J> {
    if text.is_empty() {
        return Answer::Empty;
    }
    match is_json.then(|| parse(text)).flatten() {
        Some(value) => Answer::Json(output(&value).unwrap_or(value)),
        None => Answer::Text(text.to_owned()),
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use imp::request;

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::ArrayBuffer;
    use wasm_bindgen::{JsCast, JsValue};

    use super::{Answer, answer_of, method};
    use crate::{SdkError, call::Call, fetch::Reply, headers, js, path::api_path, session};

    /// Paragon's: the platform infers the type of a string body from the body.
    const AUTO_CONTENT_TYPE: &str = "auto";

    /// `request(integrationType, path, init)`'s call, checked.
    pub fn request(kind: String, path: String, init: JsValue) -> Result<Call, SdkError> {
        let auth = session::auth()?;
        if session::integration_id(&kind).is_none() {
            return Err(SdkError::UnknownIntegration(kind));
        }
        let verb = match js::get(&init, "method") {
            m if m.is_undefined() => "GET",
            m => m.as_string().as_deref().and_then(method).ok_or_else(|| {
                SdkError::InvalidArgument(
                    "request: method is one of GET, POST, PUT, PATCH, DELETE".into(),
                )
            })?,
        };
        let mut headers = headers::of(&init)?;
        let body = js::get(&init, "body");
        let has_type = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        let (json, raw) = if body.is_undefined() || body.is_null() {
            (None, None)
        } else if is_body_init(&body) {
            (None, Some(body))
        } else if js::stringify(&body).is_some() {
            (Some(body), None)
        } else {
            return Err(SdkError::InvalidArgument(
                "request: the body is neither a string, Blob, FormData, URLSearchParams, \
                 ArrayBuffer nor a JSON value"
                    .into(),
            ));
        };
        if raw.as_ref().is_some_and(JsValue::is_string) && !has_type {
            headers.push(("Content-Type".to_owned(), AUTO_CONTENT_TYPE.to_owned()));
        }
        let path = api_path(&path).ok_or_else(|| {
            SdkError::InvalidArgument(
                "request: the path is under the integration's API: no . or .. segment, no backslash"
                    .into(),
            )
        })?;
        let url = auth.url(&crate::text::concat(&[
            "/proxy/",
            &js::encode(&kind),
            "/",
            path,
        ]));
        Ok(Call {
            auth,
            method: verb,
            url,
            headers,
            json,
            raw,
            refresh: false,
            timeout_ms: crate::fetch::TIMEOUT_MS,
            answer: Box::new(answer),
        })
    }

    /// What `request()` resolves with: the provider's answer (the envelope unwrapped), or a
    /// `PROVIDER_ERROR` for its error status; the platform's own refusals as they are.
    fn answer(reply: Reply) -> Result<JsValue, JsValue> {
        if !reply.is_success() && reply.is_platform_error() {
            // Not the provider's answer: the platform refused (not connected, a path outside
            // the API, the token).
            return Err(reply.error().into());
        }
        // The fetch has parsed the text already (`undefined` when it is not JSON).
        let parsed = |_: &str| Some(reply.body.clone()).filter(|b| !b.is_undefined());
        let answer = answer_of(&reply.text, reply.is_json, parsed, |value| {
            crate::answers::proxy_output(value).map(|envelope| envelope.output)
        });
        let value = match answer {
            Answer::Empty => JsValue::UNDEFINED,
            Answer::Json(value) => value,
            Answer::Text(text) => text.into(),
        };
        if reply.is_success() {
            return Ok(value);
        }
        Err(SdkError::Provider {
            status: reply.status,
            detail: js::string(&value, "message").or_else(|| value.as_string()),
            body: value,
        }
        .into())
    }

    /// A string, `Blob`, `FormData`, `URLSearchParams`, `ArrayBuffer` or view, which `fetch`
    /// sends as it is.
    fn is_body_init(body: &JsValue) -> bool {
        body.is_string()
            || body.is_instance_of::<web_sys::Blob>()
            || body.is_instance_of::<web_sys::FormData>()
            || body.is_instance_of::<web_sys::UrlSearchParams>()
            || body.is_instance_of::<ArrayBuffer>()
            || ArrayBuffer::is_view(body)
    }
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A stand-in for JSON: `{"output":X}` is the envelope of `X`; other text parses to itself.
    fn parse(text: &str) -> Option<String> {
        text.starts_with('{').then(|| text.to_owned())
    }

    fn output(value: &str) -> Option<String> {
        value
            .strip_prefix("{\"output\":")
            .and_then(|rest| rest.strip_suffix('}'))
            .map(str::to_owned)
    }

    #[test]
    fn the_envelope_is_unwrapped_and_other_json_is_kept() {
        assert_eq!(
            answer_of(
                r#"{"output":{"id":"1"}}"#,
                true,
                parse,
                |v: &String| output(v)
            ),
            Answer::Json(r#"{"id":"1"}"#.to_owned())
        );
        assert_eq!(
            answer_of(r#"{"results":[]}"#, true, parse, |v: &String| output(v)),
            Answer::Json(r#"{"results":[]}"#.to_owned())
        );
    }

    #[test]
    fn an_empty_answer_is_empty_and_anything_not_json_is_text() {
        assert_eq!(
            answer_of("", true, parse, |v: &String| output(v)),
            Answer::Empty
        );
        assert_eq!(
            answer_of("{not json either}", false, parse, |v: &String| output(v)),
            Answer::Text("{not json either}".to_owned())
        );
        // JSON by its type but unreadable: the text, as it came.
        assert_eq!(
            answer_of("<html>", true, parse, |v: &String| output(v)),
            Answer::Text("<html>".to_owned())
        );
    }

    #[test]
    fn methods_are_the_five_of_rest_in_any_case() {
        assert_eq!(method("post"), Some("POST"));
        assert_eq!(method("Delete"), Some("DELETE"));
        assert_eq!(method("TRACE"), None);
        assert_eq!(method(""), None);
    }
}
