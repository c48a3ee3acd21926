//! The bodies of the wire, which are the serde types of `paragon-protocol` (the server
//! serializes the same types), to and from JS values with serde-wasm-bindgen. No JSON text is
//! parsed or printed in Rust: the browser's `JSON` does that, so serde_json stays out of the
//! wasm.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::DeserializeOwned};
use wasm_bindgen::JsValue;

use crate::{SdkError, js};

/// The free-form JSON of the protocol's types (their `J`: metadata, an event's payload, the
/// provider's answer), kept as the JS value it is: serde-wasm-bindgen hands it over without
/// walking it, and the SDK never looks inside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Json(pub JsValue);

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_wasm_bindgen::preserve::deserialize(deserializer).map(Json)
    }
}

/// `value` (a parsed answer of the platform) as the protocol's `T`; `what` names the answer in
/// the error, e.g. `/sdk/me`.
pub fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, SdkError> {
    serde_wasm_bindgen::from_value(value).map_err(|error| {
        let detail = js::error_message(&error.into(), "unreadable");
        SdkError::InvalidResponse([what, ": ", &detail].concat())
    })
}

/// `value` as a plain JS object (objects, not `Map`s, so that `JSON.stringify` and the app
/// read it as JSON).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    // Serializing the protocol's structs (strings, numbers, booleans, `Json`) cannot fail.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::UNDEFINED)
}

#[cfg(test)]
mod tests {
    use paragon_protocol::{
        ErrorBody, ErrorCode, Health, HealthStatus,
        sdk::{CreateFlow, EventTrigger, FlowState, ProxyOutput},
    };
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn parse(text: &str) -> JsValue {
        js::parse(text).expect("valid JSON")
    }

    #[test]
    fn a_typed_answer_is_read_and_free_form_json_is_kept_as_it_is() {
        let output: ProxyOutput<Json> =
            from_js(parse(r#"{"output":{"a":[1,2]}}"#), "proxy").expect("an envelope");
        assert_eq!(
            js::stringify(&output.output.0).as_deref(),
            Some(r#"{"a":[1,2]}"#)
        );
        let health: Health =
            from_js(parse(r#"{"status":"ok","version":"1.2.3"}"#), "/healthz").expect("health");
        assert_eq!(health.status, HealthStatus::Ok);
        assert_eq!(health.version, "1.2.3");
    }

    #[test]
    fn an_answer_of_the_wrong_shape_is_an_invalid_response_that_names_it() {
        let missing = from_js::<FlowState>(parse(r#"{"flowId":"f"}"#), "the flow");
        let Err(SdkError::InvalidResponse(message)) = missing else {
            panic!("expected InvalidResponse, got {missing:?}");
        };
        assert!(message.starts_with("the flow: "), "{message}");
        assert!(message.contains("status"), "{message}");
        let wrong_type = from_js::<Health>(parse(r#"{"status":"ok","version":7.5}"#), "h");
        assert!(
            matches!(wrong_type, Err(SdkError::InvalidResponse(_))),
            "{wrong_type:?}"
        );
        let unknown = from_js::<ErrorBody>(parse(r#"{"message":"m","code":"NEW"}"#), "e")
            .expect("an unknown code is Unknown");
        assert_eq!(unknown.code, ErrorCode::Unknown);
    }

    #[test]
    fn a_body_becomes_a_plain_object_with_the_protocols_names() {
        let flow = to_js(&CreateFlow {
            integration: "hubspot".into(),
            origin: "https://app.test".into(),
        });
        assert_eq!(
            js::stringify(&flow).as_deref(),
            Some(r#"{"integration":"hubspot","origin":"https://app.test"}"#)
        );
        let event = to_js(&EventTrigger {
            name: "Contact Created".into(),
            payload: Json(parse(r#"{"email":"a@b.test"}"#)),
        });
        assert_eq!(
            js::stringify(&event).as_deref(),
            Some(r#"{"name":"Contact Created","payload":{"email":"a@b.test"}}"#)
        );
    }
}
