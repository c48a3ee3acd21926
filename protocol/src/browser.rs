//! The names the SDK's Rust shares with JavaScript, defined once: the events apps subscribe to,
//! the SDK's error codes, names and the messages its JS entry also throws, and the messages the
//! SDK and the Connect Portal's script exchange over their `MessagePort`.
//!
//! The JavaScript gets them generated, never retyped: `cargo xtask build` writes
//! [`sdk_module`] in front of `js/index.js` (which imports it as `./constants.js`) into
//! `pkg/index.js`, and the server serves
//! [`portal_script_prelude`] ahead of the portal's script. Where JavaScript syntax needs the
//! name itself (a class name, a TypeScript type), the tests below compare the files with these
//! definitions.
//!
//! Constants only: the two functions that render JavaScript are never called by the SDK, so
//! the linker leaves them out of its wasm.

/// The events an app may subscribe to, named as in Paragon's SDK.
pub mod event {
    /// The user connected an integration (portal or headless install).
    pub const INTEGRATION_INSTALL: &str = "onIntegrationInstall";
    /// The user disconnected an integration in the portal.
    pub const INTEGRATION_UNINSTALL: &str = "onIntegrationUninstall";
    /// The user turned a workflow on or off in the portal.
    pub const WORKFLOW_CHANGE: &str = "onWorkflowChange";
    /// The portal is open and has its token.
    pub const PORTAL_OPEN: &str = "onPortalOpen";
    /// The portal was closed.
    pub const PORTAL_CLOSE: &str = "onPortalClose";
}

/// Every event of [`event`], in the order error messages list them.
pub const EVENTS: [&str; 5] = [
    event::INTEGRATION_INSTALL,
    event::INTEGRATION_UNINSTALL,
    event::WORKFLOW_CHANGE,
    event::PORTAL_OPEN,
    event::PORTAL_CLOSE,
];

/// The SDK's own stable error codes (`error.code`); the platform's are
/// [`crate::ErrorCode`].
pub mod code {
    /// `configureGlobal` got something that is not an http(s) base URL.
    pub const INVALID_HOST: &str = "INVALID_HOST";
    /// A call that talks to the platform ran before `configureGlobal`.
    pub const NOT_CONFIGURED: &str = "NOT_CONFIGURED";
    /// An argument has the wrong shape.
    pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
    /// The platform could not be reached or read.
    pub const NETWORK_ERROR: &str = "NETWORK_ERROR";
    /// The platform answered with an error status.
    pub const SERVER_ERROR: &str = "SERVER_ERROR";
    /// The platform answered 2xx with an unreadable body.
    pub const INVALID_RESPONSE: &str = "INVALID_RESPONSE";
    /// The integration's API answered `request()` with an error status.
    pub const PROVIDER_ERROR: &str = "PROVIDER_ERROR";
    /// A call that needs a user ran before `authenticate`.
    pub const NOT_AUTHENTICATED: &str = "NOT_AUTHENTICATED";
    /// The user token is not a readable JWT.
    pub const INVALID_TOKEN: &str = "INVALID_TOKEN";
    /// The user token has expired.
    pub const TOKEN_EXPIRED: &str = "TOKEN_EXPIRED";
    /// The app's `tokenProvider` did not give a token.
    pub const TOKEN_PROVIDER_FAILED: &str = "TOKEN_PROVIDER_FAILED";
    /// The project has no integration of this type.
    pub const UNKNOWN_INTEGRATION: &str = "UNKNOWN_INTEGRATION";
    /// The browser blocked the OAuth popup.
    pub const OAUTH_BLOCKED: &str = "OAUTH_BLOCKED";
    /// The user did not finish connecting in time.
    pub const OAUTH_TIMEOUT: &str = "OAUTH_TIMEOUT";
    /// The user closed the OAuth popup.
    pub const OAUTH_CANCELLED: &str = "OAUTH_CANCELLED";
    /// The user turned the consent down on the provider's page.
    pub const OAUTH_DENIED: &str = "OAUTH_DENIED";
    /// The provider or the platform ended the flow with an error.
    pub const OAUTH_FAILED: &str = "OAUTH_FAILED";
    /// The outbox is at its limit: the event was not stored.
    pub const OUTBOX_FULL: &str = "OUTBOX_FULL";
    /// `localStorage` refused the event: it was not stored.
    pub const STORAGE_FULL: &str = "STORAGE_FULL";
    /// `logout()` discarded the event before the platform had it.
    pub const EVENT_DISCARDED: &str = "EVENT_DISCARDED";

    /// Every code, as `ParagonErrorCode` of `index.d.ts` lists them.
    pub const ALL: [&str; 20] = [
        INVALID_HOST,
        NOT_CONFIGURED,
        INVALID_ARGUMENT,
        NETWORK_ERROR,
        SERVER_ERROR,
        INVALID_RESPONSE,
        PROVIDER_ERROR,
        NOT_AUTHENTICATED,
        INVALID_TOKEN,
        TOKEN_EXPIRED,
        TOKEN_PROVIDER_FAILED,
        UNKNOWN_INTEGRATION,
        OAUTH_BLOCKED,
        OAUTH_TIMEOUT,
        OAUTH_CANCELLED,
        OAUTH_DENIED,
        OAUTH_FAILED,
        OUTBOX_FULL,
        STORAGE_FULL,
        EVENT_DISCARDED,
    ];
}

/// The JS `name` (and class) of the SDK's errors.
pub mod error_name {
    /// Every error the SDK throws, unless one of the others fits.
    pub const PARAGON: &str = "ParagonError";
    /// The app fixes it by authenticating again.
    pub const AUTHENTICATION: &str = "AuthenticationError";
    /// The browser blocked the headless install's popup.
    pub const OAUTH_BLOCKED: &str = "OAuthBlockedError";
    /// The headless install timed out.
    pub const OAUTH_TIMEOUT: &str = "OAuthTimeoutError";

    /// Every name.
    pub const ALL: [&str; 4] = [PARAGON, AUTHENTICATION, OAUTH_BLOCKED, OAUTH_TIMEOUT];
}

/// Messages of errors that both the JS entry (before the wasm is loaded) and the wasm throw.
pub mod message {
    /// [`super::code::NOT_CONFIGURED`].
    pub const NOT_CONFIGURED: &str = "call paragon.configureGlobal({ host }) before this method";
    /// [`super::code::NOT_AUTHENTICATED`].
    pub const NOT_AUTHENTICATED: &str =
        "call paragon.authenticate(projectId, token) before this method";
    /// The start of [`super::code::INVALID_HOST`]'s message; the quoted host follows.
    pub const INVALID_HOST: &str = "configureGlobal: invalid host ";
    /// Why a host is refused when it is not an http(s) URL.
    pub const NOT_AN_HTTP_URL: &str = "expected an http:// or https:// URL";
    /// The start of the message for an unknown event; the quoted name follows.
    pub const NO_SUCH_EVENT: &str = "no SDK event ";
    /// After the unknown event's name: the list of [`super::EVENTS`] follows.
    pub const EXPECTED_ONE_OF: &str = "; expected one of ";
}

/// The `type` of the messages between the SDK and the Connect Portal's script.
pub mod portal_message {
    /// SDK → portal window, the only `postMessage` (with the token and the port).
    pub const INIT: &str = "paragon:init";
    /// Portal → SDK: the port works (echoes the init's nonce).
    pub const READY: &str = "ready";
    /// Portal → SDK: the platform refused the token; asks for a renewed one.
    pub const TOKEN_EXPIRED: &str = "token-expired";
    /// SDK → portal: the renewed token (or `null`).
    pub const TOKEN: &str = "token";
    /// SDK → portal: read the user's state again.
    pub const REFRESH: &str = "refresh";
    /// Portal → SDK: the user connected the integration.
    pub const INSTALLED: &str = "installed";
    /// Portal → SDK: the user disconnected it.
    pub const UNINSTALLED: &str = "uninstalled";
    /// Portal → SDK: the user turned a workflow on or off.
    pub const WORKFLOW_CHANGED: &str = "workflow-changed";
    /// Portal → SDK: connecting failed.
    pub const ERROR: &str = "error";
    /// Portal → SDK: the user pressed Close.
    pub const CLOSE: &str = "close";
}

/// The names `js/index.js` imports from `./constants.js`, which `cargo xtask build` puts (with
/// the version) in front of the entry.
pub fn sdk_module() -> String {
    let code = [
        ("invalidHost", code::INVALID_HOST),
        ("notConfigured", code::NOT_CONFIGURED),
        ("invalidArgument", code::INVALID_ARGUMENT),
        ("notAuthenticated", code::NOT_AUTHENTICATED),
        ("unknownIntegration", code::UNKNOWN_INTEGRATION),
    ];
    let message = [
        ("notConfigured", message::NOT_CONFIGURED),
        ("notAuthenticated", message::NOT_AUTHENTICATED),
        ("invalidHost", message::INVALID_HOST),
        ("notAnHttpUrl", message::NOT_AN_HTTP_URL),
        ("noSuchEvent", message::NO_SUCH_EVENT),
        ("expectedOneOf", message::EXPECTED_ONE_OF),
    ];
    [
        GENERATED,
        "export const EVENTS = ",
        &array(&EVENTS),
        ";\nexport const CODE = ",
        &object(&code),
        ";\nexport const MESSAGE = ",
        &object(&message),
        ";\n",
    ]
    .concat()
}

/// What the server puts before the portal's script: `MESSAGE`, the types of the port's
/// messages.
pub fn portal_script_prelude() -> String {
    use portal_message::*;
    let types = [
        ("init", INIT),
        ("ready", READY),
        ("tokenExpired", TOKEN_EXPIRED),
        ("token", TOKEN),
        ("refresh", REFRESH),
        ("installed", INSTALLED),
        ("uninstalled", UNINSTALLED),
        ("workflowChanged", WORKFLOW_CHANGED),
        ("error", ERROR),
        ("close", CLOSE),
    ];
    [GENERATED, "var MESSAGE = ", &object(&types), ";\n"].concat()
}

const GENERATED: &str =
    "// Generated from protocol/src/browser.rs: change the names there, not here.\n";

/// A JS string literal. Every value above is printable ASCII without quotes or backslashes
/// (a test checks), so the JSON string is the text between double quotes.
fn string(value: &str) -> String {
    ["\"", value, "\""].concat()
}

fn array(values: &[&str]) -> String {
    let items: Vec<String> = values.iter().map(|v| string(v)).collect();
    ["[", &items.join(", "), "]"].concat()
}

fn object(entries: &[(&str, &str)]) -> String {
    let items: Vec<String> = entries
        .iter()
        .map(|(key, value)| [key, ": ", &string(value)].concat())
        .collect();
    ["{ ", &items.join(", "), " }"].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX_JS: &str = include_str!("../../js/index.js");
    const INDEX_D_TS: &str = include_str!("../../js/index.d.ts");
    const PORTAL_JS: &str = include_str!("../../server/src/http/assets/portal.js");

    fn quoted(value: &str) -> String {
        ["\"", value, "\""].concat()
    }

    fn every_value() -> Vec<&'static str> {
        use portal_message::*;
        let mut all = EVENTS.to_vec();
        all.extend(code::ALL);
        all.extend(error_name::ALL);
        all.extend([
            message::NOT_CONFIGURED,
            message::NOT_AUTHENTICATED,
            message::INVALID_HOST,
            message::NOT_AN_HTTP_URL,
            message::NO_SUCH_EVENT,
            message::EXPECTED_ONE_OF,
        ]);
        all.extend([
            INIT,
            READY,
            TOKEN_EXPIRED,
            TOKEN,
            REFRESH,
            INSTALLED,
            UNINSTALLED,
            WORKFLOW_CHANGED,
            ERROR,
            CLOSE,
        ]);
        all
    }

    #[test]
    fn every_value_needs_no_escaping_in_a_js_string() {
        for value in every_value() {
            let json = serde_json::to_string(value).expect("a string serializes");
            assert_eq!(json, quoted(value), "{value:?} would need escaping");
        }
    }

    #[test]
    fn the_generated_modules_hold_the_definitions() {
        let sdk = sdk_module();
        for value in EVENTS {
            assert!(sdk.contains(&quoted(value)), "{value} missing from {sdk}");
        }
        assert!(sdk.contains(&quoted(message::NOT_CONFIGURED)), "{sdk}");
        let portal = portal_script_prelude();
        assert!(portal.contains("init: \"paragon:init\""), "{portal}");
        assert!(
            portal.contains("tokenExpired: \"token-expired\""),
            "{portal}"
        );
    }

    /// The JS entry takes the generated names instead of spelling them: a name typed into it
    /// could drift from the wasm's.
    #[test]
    fn the_js_entry_imports_the_names_instead_of_spelling_them() {
        assert!(INDEX_JS.contains("from \"./constants.js\""));
        let generated = sdk_module();
        for value in every_value() {
            if generated.contains(&quoted(value)) {
                assert!(
                    !INDEX_JS.contains(&quoted(value)),
                    "js/index.js spells {value:?}: use the constant of constants.js"
                );
            }
        }
    }

    /// A class's name is JavaScript syntax, not a value: each must be the name the wasm gives
    /// its errors, in the entry and in the types.
    #[test]
    fn the_js_error_classes_are_named_as_the_wasm_names_its_errors() {
        for name in error_name::ALL {
            let class = ["class ", name, " extends "].concat();
            assert!(INDEX_JS.contains(&class), "js/index.js has no {class}");
            assert!(INDEX_D_TS.contains(&class), "js/index.d.ts has no {class}");
            assert!(
                INDEX_JS.contains(&["this.name = \"", name, "\""].concat()),
                "js/index.js names {name} otherwise"
            );
        }
    }

    /// The types list exactly the codes and events the SDK has.
    #[test]
    fn the_typescript_types_list_the_codes_and_events() {
        let union = INDEX_D_TS
            .split("export type ParagonErrorCode =")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .expect("index.d.ts declares ParagonErrorCode");
        let typed: Vec<&str> = union
            .split('|')
            .map(|c| c.trim().trim_matches('"'))
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(typed, code::ALL);

        let events = INDEX_D_TS
            .split("export interface SdkEvents {")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .expect("index.d.ts declares SdkEvents");
        let typed: Vec<&str> = events
            .lines()
            .filter_map(|line| line.trim().split(':').next())
            .filter(|name| !name.is_empty())
            .collect();
        assert_eq!(typed, EVENTS);
    }

    /// The portal's script gets `MESSAGE` from the server and must use it for every type (its
    /// element ids and states, `"close"` or `"ready"`, are its own and stay literal).
    #[test]
    fn the_portal_script_uses_the_generated_message_types() {
        for spelled in ["type: \"", "type === \"", "type !== \""] {
            assert!(
                !PORTAL_JS.contains(spelled),
                "portal.js spells a message type ({spelled}…): use MESSAGE"
            );
        }
        assert!(
            PORTAL_JS.contains("MESSAGE.init"),
            "portal.js reads no MESSAGE"
        );
    }
}
