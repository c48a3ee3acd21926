//! `workflow(workflowId, { body, query, headers, selectedCredentialId })`: runs one of the
//! project's request-triggered workflows for the user and resolves with its answer. Paragon's
//! semantics: `POST /projects/{pid}/sdk/triggers/{workflowId}?{query}` with the body always
//! sent as JSON (`{}` when there is none, a string as a JSON string); the answer is the
//! workflow's own (its `response` step's body), not unwrapped; `202 {executionId}` when the
//! workflow did not answer within its time budget and goes on in the background; any other
//! status rejects with a `ParagonError` `SERVER_ERROR` carrying `status` and `body`.
//!
//! `SERVER_ERROR` for every error status: the platform refuses an unknown workflow (404) or
//! one the user cannot run (422) and a failed run (500 `WORKFLOW_FAILED`) in its error body,
//! and a `response` step may answer any status with any body, which the page cannot tell
//! apart from the platform's own; `status` and `body` (with the platform's `code`, if any)
//! say which it was.

/// How long one attempt waits for the answer: the platform holds the request for up to the
/// workflow's time budget (30 s by default, 120 s at most, then it answers 202), so this is
/// longer than the longest budget, to get the platform's answer rather than a timeout of our
/// own. A POST is not sent again after no answer (`retry::call_retry_ms`): the workflow may
/// have run.
pub const TIMEOUT_MS: u32 = 125_000;
/// The longest time budget the platform gives a request-triggered workflow.
const LONGEST_BUDGET_MS: u32 = 120_000;
const _: () = assert!(
    TIMEOUT_MS > LONGEST_BUDGET_MS,
    "an attempt outlasts every budget"
);

#[cfg(target_arch = "wasm32")]
pub(crate) use imp::{answer, workflow};

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::{JsCast, JsValue};

    use super::TIMEOUT_MS;
    use crate::{SdkError, call::Call, fetch::Reply, headers, js, path, session};

    /// `workflow(workflowId, request)`'s call, checked.
    pub fn workflow(id: String, request: JsValue) -> Result<Call, SdkError> {
        let auth = session::auth()?;
        // Encoded, `.` and `..` would still be resolved by the browser, out of `/triggers/`.
        let id = path::segment(&id).ok_or_else(|| {
            SdkError::InvalidArgument(
                "workflow: the id is a workflow's UUID or deploy id, one path segment".into(),
            )
        })?;
        let headers = headers::of(&request)?;
        let body = match js::get(&request, "body") {
            body if body.is_undefined() || body.is_null() => js::object(),
            body => body,
        };
        let url = auth.url(&crate::text::concat(&[
            "/triggers/",
            &js::encode(id),
            &query(&js::get(&request, "query"))?,
        ]));
        Ok(Call {
            auth,
            method: "POST",
            url,
            headers,
            json: Some(body),
            raw: None,
            refresh: false,
            timeout_ms: TIMEOUT_MS,
            answer: Box::new(answer),
        })
    }

    /// The workflow's answer as it is for a 2xx (`undefined` when empty), else the platform's
    /// error with the answer as its `body`. The body is set on the JS error rather than kept
    /// in [`SdkError::Server`] for every call: that measured 1.3 KB more of gzipped wasm.
    pub(crate) fn answer(reply: Reply) -> Result<JsValue, JsValue> {
        if reply.is_success() {
            return Ok(reply.body);
        }
        let body = reply.body.clone();
        let error = JsValue::from(reply.error());
        js::set(&error, "body", &body);
        Err(error)
    }

    /// `?` and `query`'s entries as the browser's `new URLSearchParams(query)` writes them
    /// (`+` for a space), or nothing when there are none.
    pub(super) fn query(value: &JsValue) -> Result<String, SdkError> {
        if value.is_undefined() || value.is_null() {
            return Ok(String::new());
        }
        let params =
            web_sys::UrlSearchParams::new_with_record_from_str_to_str(value.unchecked_ref())
                .map_err(|_| {
                    SdkError::InvalidArgument("workflow: query is an object of strings".into())
                })?;
        let text = String::from(params.to_string());
        Ok(if text.is_empty() {
            text
        } else {
            crate::text::concat(&["?", &text])
        })
    }
}

#[cfg(test)]
mod tests {
    // The same tests run natively (`cargo test`) and in Chromium (`wasm-pack test`).
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The workflow may have run when its answer did not come: the POST is not repeated, by
    /// the policy of every call (the timeout is checked at compile time, above).
    #[test]
    fn a_post_without_answer_is_not_sent_again() {
        assert_eq!(crate::retry::call_retry_ms(false, 0, None, 1.0, None), None);
    }
}

/// What needs the browser: `URLSearchParams` and the answers as JS values. The platform's
/// answers are what its serializer writes (`serde_json` of the protocol's types), so a field
/// renamed on the wire fails here.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use paragon_protocol::{
        ErrorBody, ErrorCode,
        sdk::{TriggerAccepted, TriggerFailed},
    };
    use serde::Serialize;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::imp::{answer, query};
    use crate::{SdkError, fetch::Reply, js};

    fn reply(status: u16, text: &str) -> Reply {
        Reply {
            status,
            body: js::parse(text).unwrap_or(JsValue::UNDEFINED),
            text: text.to_owned(),
            is_json: true,
            retry_after: None,
        }
    }

    fn server(status: u16, body: &impl Serialize) -> Reply {
        reply(status, &serde_json::to_string(body).expect("JSON"))
    }

    #[test]
    fn the_query_is_written_as_url_search_params_writes_it() {
        let query_of = |text: &str| query(&js::parse(text).expect("JSON")).expect("a query");
        assert_eq!(
            query_of(r#"{"tag":"a b","q":"1&2=3","é":"/?#"}"#),
            "?tag=a+b&q=1%262%3D3&%C3%A9=%2F%3F%23"
        );
        assert_eq!(query_of("{}"), "");
        assert_eq!(query(&JsValue::UNDEFINED), Ok(String::new()));
        assert_eq!(query(&JsValue::NULL), Ok(String::new()));
    }

    #[test]
    fn a_query_that_url_search_params_refuses_is_an_invalid_argument() {
        let pairs = js::parse(r#"[["a"]]"#).expect("JSON");
        assert!(matches!(query(&pairs), Err(SdkError::InvalidArgument(_))));
    }

    /// A 2xx answer is the workflow's, as it is: no `{output}` unwrapped, `undefined` when
    /// empty, and the 202 of a workflow that goes on in the background.
    #[test]
    fn a_2xx_answer_resolves_with_the_workflow_s_json_as_it_is() {
        let own = r#"{"output":{"id":"1"},"tag":"x"}"#;
        let value = answer(reply(200, own)).expect("2xx");
        assert_eq!(js::stringify(&value).as_deref(), Some(own));
        let accepted = TriggerAccepted {
            execution_id: "e-1".into(),
        };
        let running = answer(server(202, &accepted)).expect("202");
        assert_eq!(js::string(&running, "executionId").as_deref(), Some("e-1"));
        assert!(answer(reply(204, "")).expect("204").is_undefined());
    }

    /// Any other status rejects with `SERVER_ERROR`, its `status`, the body as it came and the
    /// body's `message`.
    #[test]
    fn an_error_status_rejects_with_its_status_body_and_message() {
        let failed = TriggerFailed {
            message: "HubSpot answered 409".into(),
            code: ErrorCode::WorkflowFailed,
            step: Some("create".into()),
            execution_id: "e-2".into(),
        };
        let error = answer(server(500, &failed)).expect_err("500");
        let get = |key: &str| js::get(&error, key);
        assert_eq!(get("code"), "SERVER_ERROR");
        assert_eq!(get("name"), "ParagonError");
        assert_eq!(get("status"), 500);
        assert_eq!(
            get("message"),
            "platform answered 500: HubSpot answered 409"
        );
        let body = get("body");
        assert_eq!(
            js::string(&body, "code").as_deref(),
            Some("WORKFLOW_FAILED")
        );
        assert_eq!(js::string(&body, "step").as_deref(), Some("create"));
        assert_eq!(js::string(&body, "executionId").as_deref(), Some("e-2"));

        let missing = ErrorBody {
            message: "no workflow x".into(),
            code: ErrorCode::NotFound,
        };
        let error = answer(server(404, &missing)).expect_err("404");
        assert_eq!(js::get(&error, "status"), 404);
        let body = js::get(&error, "body");
        assert_eq!(js::string(&body, "code").as_deref(), Some("NOT_FOUND"));

        // A `response` step's own error answer, without the platform's fields.
        let error = answer(reply(409, r#"{"reason":"duplicate"}"#)).expect_err("409");
        assert_eq!(js::get(&error, "status"), 409);
        let body = js::get(&error, "body");
        assert_eq!(js::string(&body, "reason").as_deref(), Some("duplicate"));
        assert_eq!(
            js::get(&error, "message"),
            "platform answered 409: HTTP 409"
        );
    }
}
