//! The messages of the SDK and the Connect Portal's script on their `MessagePort`, each `type`
//! of [`crate::browser::portal_message`] with its own struct. The SDK reads a message's `type`
//! ([`Tagged`]) and then that type's struct from the same object; the events the SDK gives the
//! app's callbacks (`onInstall`, `onUninstall`, `onWorkflowChange`) are these structs too, in
//! the shapes of Paragon's SDK.
//!
//! One struct per message rather than one enum tagged by `type`: serde reads an internally
//! tagged enum by buffering the whole object first, which costs the SDK's wasm several
//! kilobytes.

use serde::{Deserialize, Serialize};

/// The `type` every message has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tagged {
    /// One of [`crate::browser::portal_message`].
    #[serde(rename = "type")]
    pub kind: String,
}

/// SDK → the portal's window, the only `postMessage`, with the port: `paragon:init`. The
/// integration to show is in the portal's URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Init {
    /// [`crate::browser::portal_message::INIT`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Echoed by [`Ready`], so that the SDK knows the port reached this portal.
    pub nonce: String,
    /// The user token the portal calls the platform with while it is open.
    pub token: String,
}

/// Portal → SDK: `ready`, the port works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ready {
    /// The [`Init`]'s nonce.
    pub nonce: String,
}

/// Portal → SDK: `installed`, and the app's `onInstall` / `onIntegrationInstall` event (also
/// after a headless install).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Installed {
    /// The integration's id.
    pub integration_id: String,
    /// Its type, e.g. `hubspot`.
    pub integration_type: String,
    /// The new credential's id.
    pub credential_id: Option<String>,
}

/// Portal → SDK: `uninstalled`, and the app's `onUninstall` / `onIntegrationUninstall` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Uninstalled {
    /// The integration's id.
    pub integration_id: String,
    /// Its type.
    pub integration_type: String,
}

/// Portal → SDK: `workflow-changed`, and the app's `onWorkflowChange` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowChanged {
    /// The integration the workflow belongs to, when known.
    pub integration_id: Option<String>,
    /// The workflow's id.
    pub workflow_id: String,
    /// What changed.
    pub workflow_state_change: WorkflowStateChange,
}

/// The change of [`WorkflowChanged`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowStateChange {
    /// Whether the workflow is now on for the user.
    pub enabled: bool,
}

/// Portal → SDK: `error`, connecting failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failed {
    /// What went wrong, for people.
    pub message: String,
    /// [`crate::sdk::FLOW_DENIED`] when the user turned the consent down (the SDK's
    /// `OAUTH_DENIED`); absent for any other failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// SDK → portal: `token`, the answer to `token-expired`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// [`crate::browser::portal_message::TOKEN`].
    #[serde(rename = "type")]
    pub kind: String,
    /// A renewed token, or `null` when the app cannot renew it.
    pub token: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    const PORTAL_JS: &str = include_str!("../../server/src/http/assets/portal.js");

    fn keys(value: &impl Serialize) -> Vec<String> {
        match serde_json::to_value(value).expect("serializes") {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            other => panic!("not an object: {other}"),
        }
    }

    /// The portal's script is JavaScript: each field it sends or reads must be spelled as
    /// here, or the SDK would read nothing.
    #[test]
    fn the_portal_script_spells_every_field_of_its_messages() {
        let installed = Installed {
            integration_id: "i".into(),
            integration_type: "hubspot".into(),
            credential_id: Some("c".into()),
        };
        let changed = WorkflowChanged {
            integration_id: Some("i".into()),
            workflow_id: "w".into(),
            workflow_state_change: WorkflowStateChange { enabled: true },
        };
        let init = Init {
            kind: "paragon:init".into(),
            nonce: "n".into(),
            token: "t".into(),
        };
        let fields = [
            keys(&installed),
            keys(&changed),
            keys(&Failed {
                message: "m".into(),
                reason: Some(crate::sdk::FLOW_DENIED.into()),
            }),
            keys(&Ready { nonce: "n".into() }),
        ];
        for key in fields.iter().flatten() {
            assert!(
                PORTAL_JS.contains(&[key.as_str(), ": "].concat()),
                "portal.js sends no {key}"
            );
        }
        for key in keys(&init) {
            if key != "type" {
                assert!(
                    PORTAL_JS.contains(&["data.", key.as_str()].concat()),
                    "portal.js reads no {key}"
                );
            }
        }
    }
}
