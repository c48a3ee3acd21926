//! `request:` steps: one call to any endpoint of the integration's API with the user's
//! credential (the same token, refresh, pacing and answer cap as the actions, through
//! [`StepContext::send`]).
//!
//! The path is rendered, then held to the proxy's rules (`connect::api_path`: no `.` or `..`
//! segment in any encoding, no empty segment, no backslash; the URL keeps the API base's origin
//! and path). The output is the answer's JSON, or its text when it is not JSON (`null` when
//! empty); `steps.<id>.status` is its status.
//!
//! What is retried (docs/workflows.md, "Retries"): a 429 always, since the provider refused it
//! before acting; a 5xx or no answer only for GET, PUT and DELETE, which may be repeated
//! (RFC 9110 §9.2.2), or with `retry: always` — a POST or PATCH whose answer was lost may have
//! acted, and the platform cannot tell. Any other error answer fails the run with the
//! provider's message, or with `on_error: continue` is the step's output.

use reqwest::{
    Method, StatusCode,
    header::{HeaderMap, HeaderName, HeaderValue},
};
use serde_json::Value;

use super::{StepContext, message};
use crate::{
    connect::{
        api_client::{self, ApiAnswer, ApiBody, ApiRequest},
        api_path::ApiPath,
    },
    engine::outcome::{StepDone, StepFailure, StepResult},
    workflows::{
        Context, HttpMethod, OnError, RequestStep, Retry, render_inputs, scalar_text as text,
    },
};

/// Runs the call of `step`.
pub async fn execute(
    step: &RequestStep,
    ctx: &StepContext<'_>,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> StepResult {
    let request = build(step, ctx.api_base, values, warnings)?;
    let answer = ctx.send(&request).await.map_err(|failure| match failure {
        // No answer: repeated only when repeating is harmless.
        StepFailure::Retry { message, .. } if !may_repeat(step) => StepFailure::Failed(format!(
            "{message} (a {} is not retried when its answer is lost: it may have acted; `retry: always` allows it)",
            step.request.method.as_str()
        )),
        other => other,
    })?;
    judge(step, ctx.provider, &answer)
}

/// The request the step's templates make.
fn build(
    step: &RequestStep,
    api_base: &str,
    values: &Context<'_>,
    warnings: &mut Vec<String>,
) -> Result<ApiRequest, StepFailure> {
    let call = &step.request;
    let path = call.path.render(values);
    warnings.extend(path.warnings.iter().map(|w| format!("path: {w}")));
    let path = text(&path.value);
    let under = path.strip_prefix('/').unwrap_or(&path);
    let mut url = ApiPath::parse(under)
        .and_then(|p| p.under(api_base, None))
        .map_err(|refusal| StepFailure::Invalid(format!("path `{path}`: {refusal}")))?;
    let (query, missing) = render_inputs(&call.query, "query", values);
    warnings.extend(missing);
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &query {
            pairs.append_pair(name, &text(value));
        }
    }
    let (header_values, missing) = render_inputs(&call.headers, "header", values);
    warnings.extend(missing);
    let mut headers = HeaderMap::new();
    for (name, value) in &header_values {
        let invalid = |what: &str| StepFailure::Invalid(format!("header `{name}`: {what}"));
        let name = HeaderName::try_from(name.as_str()).map_err(|_| invalid("not a header name"))?;
        let value =
            HeaderValue::try_from(text(value)).map_err(|_| invalid("not a header value"))?;
        headers.append(name, value);
    }
    let (bytes, content_type) = match &call.body {
        None => (Vec::new(), None),
        Some(body) => {
            let rendered = body.render(values);
            warnings.extend(rendered.warnings.iter().map(|w| format!("body: {w}")));
            let json = HeaderValue::from_static("application/json");
            (rendered.value.to_string().into_bytes(), Some(json))
        }
    };
    Ok(ApiRequest {
        method: method(call.method),
        url: url.to_string(),
        path,
        body: ApiBody::Raw {
            bytes: bytes.into(),
            content_type,
            headers,
        },
    })
}

/// The step's output from the provider's answer.
fn judge(step: &RequestStep, provider: &str, answer: &ApiAnswer) -> StepResult {
    let status = answer.status;
    let output = output(answer);
    if status.is_success() {
        return Ok(StepDone {
            output,
            status: Some(status.as_u16()),
            refused: None,
        });
    }
    let refusal = format!(
        "{provider} answered {}: {}",
        status.as_u16(),
        message(&output)
    );
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(StepFailure::Retry {
            message: refusal,
            after: Some(answer.retry_after.unwrap_or(api_client::RATE_LIMIT_PAUSE)),
        });
    }
    if status.is_server_error() && may_repeat(step) {
        return Err(StepFailure::Retry {
            message: refusal,
            after: answer.retry_after,
        });
    }
    match step.on_error {
        OnError::Continue => Ok(StepDone {
            output,
            status: Some(status.as_u16()),
            refused: Some(refusal),
        }),
        OnError::Fail => Err(StepFailure::Failed(refusal)),
    }
}

/// Whether a try whose outcome is unknown may be repeated.
fn may_repeat(step: &RequestStep) -> bool {
    step.retry == Retry::Always || step.request.method.is_idempotent()
}

/// The answer as JSON, else as text; `null` when empty.
fn output(answer: &ApiAnswer) -> Value {
    if answer.body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&answer.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer.body).into_owned()))
}

fn method(method: HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::workflows::{ApiCall, Inputs, Template, TemplateValue};

    fn step(method: HttpMethod, path: &str) -> RequestStep {
        RequestStep {
            request: ApiCall {
                method,
                path: Template::parse(path).expect("template"),
                query: Inputs(vec![(
                    "email".into(),
                    Template::parse("{{event.email}}").expect("template"),
                )]),
                headers: Inputs(vec![(
                    "X-Trace".into(),
                    Template::parse("run {{user.id}}").expect("template"),
                )]),
                body: Some(
                    TemplateValue::from_json(json!({"n": "{{event.n}}"})).expect("template"),
                ),
            },
            on_error: OnError::Fail,
            retry: Retry::Safe,
        }
    }

    fn built(step: &RequestStep) -> Result<ApiRequest, StepFailure> {
        let event = json!({"email": "a+b@acme.test", "n": 3, "id": "../../admin"});
        let empty = Map::new();
        let values = Context::of_event(&event, &empty);
        build(step, "https://api.hubapi.com", &values, &mut Vec::new())
    }

    #[test]
    fn the_templates_make_the_url_headers_and_json_body() {
        let request = built(&step(HttpMethod::Post, "/crm/v3/objects/contacts/search"))
            .unwrap_or_else(|_| panic!("builds"));
        assert_eq!(
            request.url,
            "https://api.hubapi.com/crm/v3/objects/contacts/search?email=a%2Bb%40acme.test"
        );
        let ApiBody::Raw {
            bytes,
            content_type,
            headers,
        } = &request.body
        else {
            panic!("a raw body");
        };
        assert_eq!(bytes.as_ref(), br#"{"n":3}"#);
        assert_eq!(
            content_type.as_ref().map(|c| c.as_bytes()),
            Some(&b"application/json"[..])
        );
        assert_eq!(headers["x-trace"], "run u");
    }

    #[test]
    fn a_path_that_leaves_the_api_is_refused_before_any_call() {
        for path in ["/crm/{{event.id}}", "/a/%2e%2e/b", "/a//b"] {
            let refused = built(&step(HttpMethod::Get, path));
            assert!(
                matches!(&refused, Err(StepFailure::Invalid(m)) if m.contains("path")),
                "{path}: {refused:?}"
            );
        }
    }

    fn answer(status: u16, body: &str) -> ApiAnswer {
        ApiAnswer {
            status: StatusCode::from_u16(status).expect("status"),
            content_type: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn answers_are_judged_by_status_method_and_the_steps_rules() {
        let get = step(HttpMethod::Get, "/x");
        let post = step(HttpMethod::Post, "/x");
        let ok = judge(&get, "HubSpot", &answer(200, r#"{"total":1}"#)).expect("a success");
        assert_eq!((ok.output, ok.status), (json!({"total": 1}), Some(200)));
        let text = judge(&get, "HubSpot", &answer(200, "plain")).expect("a success");
        assert_eq!(text.output, json!("plain"));
        assert_eq!(
            judge(&get, "HubSpot", &answer(204, "")).expect("ok").output,
            Value::Null
        );
        assert!(matches!(
            judge(&post, "HubSpot", &answer(429, "{}")),
            Err(StepFailure::Retry { .. })
        ));
        assert!(matches!(
            judge(&get, "HubSpot", &answer(503, "{}")),
            Err(StepFailure::Retry { .. })
        ));
        assert!(matches!(
            judge(&post, "HubSpot", &answer(503, "{}")),
            Err(StepFailure::Failed(_))
        ));
        let always = RequestStep {
            retry: Retry::Always,
            ..post.clone()
        };
        assert!(matches!(
            judge(&always, "HubSpot", &answer(503, "{}")),
            Err(StepFailure::Retry { .. })
        ));
        let missing = answer(404, r#"{"message":"resource not found"}"#);
        let failed = judge(&get, "HubSpot", &missing);
        assert!(
            matches!(&failed, Err(StepFailure::Failed(m)) if m == "HubSpot answered 404: resource not found"),
            "{failed:?}"
        );
        let go_on = RequestStep {
            on_error: OnError::Continue,
            ..get
        };
        let continued = judge(&go_on, "HubSpot", &missing).expect("continues");
        assert_eq!(continued.status, Some(404));
        assert_eq!(continued.output["message"], "resource not found");
        assert!(continued.refused.is_some());
    }
}
