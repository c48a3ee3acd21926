//! The bodies the SDK sends, which are the serde types of `paragon-protocol` (the server reads
//! the same types), made JS values by serde-wasm-bindgen; the browser's `JSON` turns them into
//! text. No JSON library of Rust is in the wasm.
//!
//! Answers are read by `answers.rs`, field by field, for the bytes it saves.

use serde::{Serialize, Serializer};
use wasm_bindgen::JsValue;

/// The free-form JSON of the protocol's types (their `J`: metadata, an event's payload), kept
/// as the JS value it is: serde-wasm-bindgen hands it over without walking it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Json(pub JsValue);

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, serializer)
    }
}

/// `value` as a plain JS object (objects, not `Map`s; `None` as `null`), ready for
/// `JSON.stringify` or `postMessage`.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    // The protocol's structs hold strings, booleans and `Json`: serializing them cannot fail.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Each body the SDK sends, made by the SDK's serializer and read by the server's own
/// deserializer (serde_json, with its `deny_unknown_fields`), so a field renamed on one side
/// only fails here.
#[cfg(test)]
mod tests {
    use paragon_protocol::{
        portal::{Init, Token},
        sdk::{CreateFlow, EventTrigger, Object, PatchSdkUser},
    };
    use serde::de::DeserializeOwned;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::js;

    fn parse(text: &str) -> JsValue {
        js::parse(text).expect("valid JSON")
    }

    /// What the server reads of `body` as the SDK sends it.
    fn server_reads<T: DeserializeOwned>(body: &impl Serialize) -> T {
        let text = js::stringify(&to_js(body)).expect("JSON");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("the server refuses {text}: {e}"))
    }

    #[test]
    fn an_event_reaches_the_server_with_its_payload_as_it_was() {
        let sent = EventTrigger {
            name: "Contact Created".into(),
            payload: Json(parse(r#"{"email":"a@b.test","n":[1,{"x":null}]}"#)),
        };
        let read: EventTrigger<serde_json::Value> = server_reads(&sent);
        assert_eq!(read.name, "Contact Created");
        assert_eq!(
            read.payload,
            serde_json::json!({"email": "a@b.test", "n": [1, {"x": null}]})
        );
    }

    #[test]
    fn metadata_and_a_flow_reach_the_server_field_for_field() {
        let meta: PatchSdkUser<Object> = server_reads(&PatchSdkUser {
            meta: Json(parse(r#"{"plan":"pro","seats":3}"#)),
        });
        assert_eq!(meta.meta["plan"], "pro");
        assert_eq!(meta.meta["seats"], 3);
        let sent = CreateFlow {
            integration: "hubspot".into(),
            origin: "https://app.test".into(),
        };
        assert_eq!(server_reads::<CreateFlow>(&sent), sent);
    }

    #[test]
    fn the_portals_messages_are_plain_objects_with_the_protocols_names() {
        let init = Init {
            kind: "paragon:init".into(),
            nonce: "n-1".into(),
            token: "t".into(),
        };
        assert_eq!(
            js::stringify(&to_js(&init)).as_deref(),
            Some(r#"{"type":"paragon:init","nonce":"n-1","token":"t"}"#)
        );
        let none = Token {
            kind: "token".into(),
            token: None,
        };
        assert_eq!(
            js::stringify(&to_js(&none)).as_deref(),
            Some(r#"{"type":"token","token":null}"#),
            "no token is null, as the portal expects"
        );
    }
}
