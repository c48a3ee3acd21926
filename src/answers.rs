//! The platform's answers, read from the JS values the browser's `JSON` parsed.
//!
//! By `Reflect`, field by field, rather than through serde-wasm-bindgen: reading `Health`,
//! `CreatedFlow` and `FlowState` with their derived `Deserialize` added 4.0 KB of gzipped wasm
//! (each struct's visitor, inlined into the async function that awaits the answer); these
//! readers, for every answer the SDK reads, 0.55 KB (docs/sdk.md, "Size"). What keeps them the
//! protocol's: where the SDK uses a whole body it builds the protocol's struct, so a field
//! renamed in Rust fails to compile here; where it needs a field or two of a large body
//! (`/sdk/me`, `/sdk/integrations`) it reads just those. And the tests below feed each reader
//! what the server's own serializer writes, so a field renamed on the wire fails
//! `cargo xtask test` (checked once by renaming `startSecret` and `workflows`).

use js_sys::Array;
use paragon_protocol::{
    ErrorBody, ErrorCode, Health, HealthStatus,
    sdk::{CreatedFlow, FlowAnswer, FlowState, ProxyOutput},
};
use wasm_bindgen::JsValue;

use crate::js::{get, string};

/// `GET /healthz`, when it says `ok`.
pub fn health(body: &JsValue) -> Option<Health> {
    (string(body, "status")? == "ok").then_some(())?;
    Some(Health {
        status: HealthStatus::Ok,
        version: string(body, "version")?,
    })
}

/// An error of the platform: a `message`, and its `code` ([`ErrorCode::Unknown`] when absent
/// or new). `None` when the body has no message (an HTML page of a proxy in front, say).
pub fn error_body(body: &JsValue) -> Option<ErrorBody> {
    Some(ErrorBody {
        message: string(body, "message")?,
        code: string(body, "code").map_or(ErrorCode::Unknown, |c| ErrorCode::from_name(&c)),
    })
}

/// The proxy's `{output}` envelope of a JSON answer of the provider.
pub fn proxy_output(body: &JsValue) -> Option<ProxyOutput<JsValue>> {
    let output = get(body, "output");
    (body.is_object() && !Array::is_array(body) && !output.is_undefined())
        .then_some(ProxyOutput { output })
}

/// The `userId` of `/sdk/me` (the SDK hands the rest of [`SdkUser`] to the app as it is).
pub fn user_id(body: &JsValue) -> Option<String> {
    string(body, "userId")
}

/// An item of `/sdk/integrations` ([`SdkIntegration`]), read where the SDK needs a field; the
/// app gets the items as they are.
#[derive(Debug)]
pub struct Integration(JsValue);

impl Integration {
    /// `id`.
    pub fn id(&self) -> Option<String> {
        string(&self.0, "id")
    }

    /// Whether its `type` is `kind`.
    pub fn is(&self, kind: &str) -> bool {
        string(&self.0, "type").as_deref() == Some(kind)
    }

    /// Whether `workflows` ([`SdkWorkflow`]s) has one of this `id`.
    pub fn has_workflow(&self, id: &str) -> bool {
        Array::from(&get(&self.0, "workflows"))
            .iter()
            .any(|w| string(&w, "id").as_deref() == Some(id))
    }
}

/// The items of `/sdk/integrations`.
pub fn integrations(body: &JsValue) -> impl Iterator<Item = Integration> {
    Array::from(body).into_iter().map(Integration)
}

/// `POST …/oauth/flows`.
pub fn created_flow(body: &JsValue) -> Option<CreatedFlow> {
    Some(CreatedFlow {
        flow_id: string(body, "flowId")?,
        start_url: string(body, "startUrl")?,
        start_secret: string(body, "startSecret")?,
        // `as` saturates: no panic on a number out of range.
        expires_at: get(body, "expiresAt").as_f64().unwrap_or_default() as i64,
    })
}

/// `GET …/oauth/flows/{id}`; a status that is not a string reads as empty (still pending).
pub fn flow_state(body: &JsValue) -> FlowAnswer {
    FlowAnswer {
        state: FlowState {
            flow_id: string(body, "flowId").unwrap_or_default(),
            status: string(body, "status").unwrap_or_default(),
            credential_id: string(body, "credentialId"),
            error: string(body, "error"),
        },
        reason: string(body, "reason"),
    }
}

/// What the server writes (its types, serialized by serde_json), read by the readers above.
#[cfg(test)]
mod tests {
    use paragon_protocol::sdk::{
        FLOW_DENIED, SdkIntegration, SdkProject, SdkUser, SdkUserIntegration, SdkWorkflow,
    };
    use serde::Serialize;
    use serde_json::{Value, json};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::js;

    /// `body` as the browser sees it: the server's JSON, parsed by `JSON.parse`.
    fn sent(body: &impl Serialize) -> JsValue {
        js::parse(&serde_json::to_string(body).expect("serializable")).expect("JSON")
    }

    fn text(value: &JsValue) -> String {
        js::stringify(value).unwrap_or_default()
    }

    #[test]
    fn health_and_error_bodies_read_as_the_server_wrote_them() {
        let health = Health {
            status: HealthStatus::Ok,
            version: "1.2.3".into(),
        };
        assert_eq!(super::health(&sent(&health)), Some(health));
        for code in [
            ErrorCode::Unauthorized,
            ErrorCode::RateLimited,
            ErrorCode::BadGateway,
        ] {
            let body = ErrorBody {
                message: "no".into(),
                code,
            };
            assert_eq!(error_body(&sent(&body)), Some(body));
        }
        let html = JsValue::from_str("<html>");
        assert_eq!(
            error_body(&html),
            None,
            "a page of a proxy is no error body"
        );
        let new_code = js::parse(r#"{"message":"m","code":"BRAND_NEW"}"#).expect("JSON");
        assert_eq!(
            error_body(&new_code).map(|e| e.code),
            Some(ErrorCode::Unknown)
        );
    }

    #[test]
    fn flows_read_as_the_server_wrote_them() {
        let flow = CreatedFlow {
            flow_id: "f-1".into(),
            start_url: "https://platform.test/oauth/start".into(),
            start_secret: "s".into(),
            expires_at: 1_900_000_000,
        };
        assert_eq!(created_flow(&sent(&flow)), Some(flow));
        for (status, credential_id, error, reason) in [
            ("pending", None, None, None),
            ("done", Some("c-1".to_owned()), None, None),
            ("failed", None, Some("invalid_scope".to_owned()), None),
            (
                "failed",
                None,
                Some("access_denied".to_owned()),
                Some(FLOW_DENIED.to_owned()),
            ),
        ] {
            let state = FlowAnswer {
                state: FlowState {
                    flow_id: "f-1".into(),
                    status: status.into(),
                    credential_id,
                    error,
                },
                reason,
            };
            assert_eq!(flow_state(&sent(&state)), state);
        }
    }

    #[test]
    fn the_proxys_envelope_reads_as_the_server_wrote_it() {
        let envelope = ProxyOutput {
            output: json!({"results": [{"id": "1"}], "total": 1}),
        };
        let read = proxy_output(&sent(&envelope)).expect("an envelope");
        assert_eq!(text(&read.output), r#"{"results":[{"id":"1"}],"total":1}"#);
        let null = proxy_output(&sent(&ProxyOutput {
            output: Value::Null,
        }));
        assert!(
            null.is_some_and(|p| p.output.is_null()),
            "null is an answer"
        );
        assert!(proxy_output(&sent(&json!([{"output": 1}]))).is_none());
        assert!(proxy_output(&sent(&json!({"message": "m"}))).is_none());
    }

    #[test]
    fn the_user_and_the_integrations_read_as_the_server_wrote_them() {
        let connected = SdkUserIntegration {
            enabled: true,
            credential_id: Some("c-1".into()),
            credential_status: Some("VALID".into()),
            provider_id: Some("hub-1".into()),
            provider_data: json!({}),
            all_credentials: Vec::new(),
            shared_settings: json!({}),
            workflow_settings: json!({}),
        };
        let user = SdkUser {
            user_id: "user-1".into(),
            integrations: json!({ "hubspot": connected }),
            meta: json!({"plan": "pro"}),
            project: SdkProject {
                id: "p-1".into(),
                accessible_features: vec!["headless-cp".into()],
            },
        };
        assert_eq!(user_id(&sent(&user)).as_deref(), Some("user-1"));

        let integration = |id: &str, kind: &str, workflows: &[&str]| SdkIntegration {
            id: id.into(),
            kind: kind.into(),
            name: kind.to_uppercase(),
            icon: None,
            is_active: true,
            workflows: workflows
                .iter()
                .map(|id| SdkWorkflow {
                    id: (*id).into(),
                    description: "Sync contacts".into(),
                    enabled: true,
                })
                .collect(),
            has_credential: false,
            configs: vec![json!({"id": "config"})],
            sdk_integration_config: None::<Value>,
            integration_config: Some(json!({"shortDescription": kind})),
        };
        let body = vec![
            integration("i-1", "hubspot", &["w-1", "w-2"]),
            integration("i-2", "salesforce", &[]),
        ];
        let read: Vec<Integration> = integrations(&sent(&body)).collect();
        let [hubspot, salesforce] = read.as_slice() else {
            panic!("two items, read {}", read.len());
        };
        assert_eq!(hubspot.id().as_deref(), Some("i-1"));
        assert!(hubspot.is("hubspot") && !hubspot.is("salesforce") && salesforce.is("salesforce"));
        assert!(hubspot.has_workflow("w-2") && !hubspot.has_workflow("w-3"));
        assert!(!salesforce.has_workflow("w-1"));
    }
}
