//! `connect(type, options)` and `closePortal()`: the Connect Portal's handshake, in the frame
//! the npm entry draws (`portalFrame` of `js/index.js`: a modal `<dialog>` holding the
//! iframe, hidden until the portal is ready, and the SDK's own card with Retry and Close when
//! it does not load). The messages' types are [`paragon_protocol::browser::portal_message`],
//! which the portal's script gets too.
//!
//! The token goes to the portal in one `postMessage` to the iframe's window with the portal's
//! exact origin as target, together with one port of a fresh `MessageChannel`; everything the
//! portal says comes back on the other port, which only that window holds. No `message`
//! listener is added to the app's window, so no other window can speak for the portal. Each
//! load of the frame (Retry loads it again) gets a new channel; a page of another origin in it
//! (the browser's error page) gets nothing, the browser drops a message whose target origin
//! is not its own.
//!
//! When the platform refuses the portal's token (it expired while the portal was open), the
//! portal says `token-expired` on the port and gets `{type: "token", token}` back: a token
//! renewed through the app's `tokenProvider`, or `null` when there is none.

use std::cell::RefCell;

use js_sys::{Array, Function, Promise};
use paragon_protocol::{
    browser::{event, portal_message},
    portal as port,
};
use wasm_bindgen::{JsCast, JsValue, prelude::Closure};
use web_sys::{HtmlIFrameElement, MessageChannel, MessageEvent, MessagePort};

use crate::{SdkError, js, listeners, session, wire};

struct Portal {
    /// Tells this portal's handlers apart from those of a portal closed before.
    id: u32,
    /// The entry's frame: `{frame, shown(), close()}`.
    chrome: JsValue,
    port: Option<MessagePort>,
    /// The app's callbacks (`onOpen`, `onInstall`, …).
    options: JsValue,
    /// Resolves the promise `connect` returned.
    resolve: Function,
    nonce: String,
    /// The token the portal holds.
    token: String,
}

thread_local! {
    static PORTAL: RefCell<Option<Portal>> = const { RefCell::new(None) };
    static NEXT_ID: RefCell<u32> = const { RefCell::new(0) };
}

fn dom_error(error: JsValue) -> SdkError {
    SdkError::InvalidArgument(js::error_message(&error, "a DOM call failed"))
}

/// Opens the portal for integration `kind` in the frame `open(src)` draws; the promise
/// resolves with the install event, or with `undefined` when the portal is closed first.
pub fn connect(kind: String, options: JsValue, open: Function) -> Result<Promise, SdkError> {
    let auth = session::auth()?;
    if session::integration_id(&kind).is_none() {
        return Err(SdkError::UnknownIntegration(kind));
    }
    close();
    let window = web_sys::window().ok_or(SdkError::NotAuthenticated)?;
    let app_origin = window.location().origin().map_err(dom_error)?;
    let origin = web_sys::Url::new(auth.host().as_str())
        .map_err(dom_error)?
        .origin();
    // `theme` is checked by the npm entry: light, dark or auto.
    let theme = js::string(&options, "theme").unwrap_or_default();
    let src = crate::text::concat(&[
        auth.host().url("/ui").as_str(),
        "?projectId=",
        &js::encode(&auth.project_id),
        "&integration=",
        &js::encode(&kind),
        "&origin=",
        &js::encode(&app_origin),
        if theme.is_empty() { "" } else { "&theme=" },
        &theme,
    ]);
    let nonce = window.crypto().map_err(dom_error)?.random_uuid();
    let id = NEXT_ID.with(|n| {
        *n.borrow_mut() += 1;
        *n.borrow()
    });
    let mut resolve = None;
    let promise = Promise::new(&mut |res, _| resolve = Some(res));
    let resolve = resolve.ok_or_else(|| SdkError::InvalidArgument("no Promise".into()))?;
    let chrome = open
        .call1(&JsValue::UNDEFINED, &src.into())
        .map_err(dom_error)?;
    let frame: HtmlIFrameElement = js::get(&chrome, "frame").unchecked_into();
    let loaded = frame.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        js::spawn(hand_over(id, loaded.clone(), origin.clone()));
    });
    frame.set_onload(Some(on_load.into_js_value().unchecked_ref()));
    PORTAL.with(|p| {
        *p.borrow_mut() = Some(Portal {
            id,
            chrome,
            port: None,
            token: String::new(),
            options,
            resolve,
            nonce,
        })
    });
    Ok(promise)
}

/// Sends the frame that loaded the token and a port (a new channel each load).
async fn hand_over(id: u32, frame: HtmlIFrameElement, origin: String) {
    let (Some(nonce), Ok(auth)) = (
        PORTAL.with(|p| {
            p.borrow()
                .as_ref()
                .filter(|p| p.id == id)
                .map(|p| p.nonce.clone())
        }),
        session::auth(),
    ) else {
        return;
    };
    // The portal calls the platform with this token while it is open: hand it one that does
    // not expire in a moment (renewed through the app's `tokenProvider`, if any).
    let token = auth.fresh_token().await.unwrap_or_else(|_| auth.token());
    let init = wire::to_js(&port::Init {
        kind: portal_message::INIT.to_owned(),
        nonce,
        token: token.clone(),
    });
    let (Ok(channel), Some(target)) = (MessageChannel::new(), frame.content_window()) else {
        return;
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        on_message(id, event.data());
    })
    .into_js_value();
    channel
        .port1()
        .set_onmessage(Some(on_message.unchecked_ref()));
    let sent = target.post_message_with_transfer(&init, &origin, &Array::of1(&channel.port2()));
    PORTAL.with(|p| {
        if let Some(portal) = p.borrow_mut().as_mut().filter(|p| p.id == id) {
            if let Some(old) = portal.port.replace(channel.port1()) {
                old.close();
            }
            portal.token = token;
        }
    });
    if let Err(e) = sent {
        web_sys::console::error_1(&e);
    }
}

/// Calls the entry frame's `name` (`shown` or `close`).
fn chrome(chrome: &JsValue, name: &str) {
    if let Some(f) = js::function(chrome, name) {
        let _ = f.call0(chrome);
    }
}

/// The fields of the portal's messages that the SDK hands on to the app's callbacks: those of
/// the protocol's `Installed`, `Uninstalled` and `WorkflowChanged` (a test compares).
const INSTALLED_FIELDS: [&str; 3] = ["integrationId", "integrationType", "credentialId"];
const UNINSTALLED_FIELDS: [&str; 2] = ["integrationId", "integrationType"];
const WORKFLOW_CHANGED_FIELDS: [&str; 3] = ["integrationId", "workflowId", "workflowStateChange"];

/// What the portal said on the port.
fn on_message(id: u32, data: JsValue) {
    let Some((options, resolve, nonce)) = PORTAL.with(|p| {
        p.borrow()
            .as_ref()
            .filter(|p| p.id == id)
            .map(|p| (p.options.clone(), p.resolve.clone(), p.nonce.clone()))
    }) else {
        return;
    };
    let kind = js::string(&data, "type").unwrap_or_default();
    let copy = |keys: &[&str]| {
        let out = js::object();
        for key in keys {
            js::set(&out, key, &js::get(&data, key));
        }
        out
    };
    match kind.as_str() {
        portal_message::READY if js::string(&data, "nonce").as_deref() == Some(nonce.as_str()) => {
            PORTAL.with(|p| {
                if let Some(portal) = p.borrow().as_ref() {
                    chrome(&portal.chrome, "shown");
                }
            });
            callback(&options, "onOpen", &JsValue::UNDEFINED);
            listeners::emit(event::PORTAL_OPEN, &JsValue::UNDEFINED);
        }
        portal_message::INSTALLED => {
            let event = copy(&INSTALLED_FIELDS);
            crate::js::spawn(async move {
                // The callbacks see the user as it is now, with the new credential.
                let _ = session::refresh().await;
                callback(&options, "onSuccess", &event);
                callback(&options, "onInstall", &event);
                listeners::emit(event::INTEGRATION_INSTALL, &event);
                let _ = resolve.call1(&JsValue::UNDEFINED, &event);
            });
        }
        portal_message::UNINSTALLED => {
            let event = copy(&UNINSTALLED_FIELDS);
            crate::js::spawn(async move {
                let _ = session::refresh().await;
                callback(&options, "onUninstall", &event);
                listeners::emit(event::INTEGRATION_UNINSTALL, &event);
            });
        }
        portal_message::WORKFLOW_CHANGED => {
            let event = copy(&WORKFLOW_CHANGED_FIELDS);
            callback(&options, "onWorkflowChange", &event);
            listeners::emit(event::WORKFLOW_CHANGE, &event);
        }
        portal_message::ERROR => {
            // The user turning the consent down is a choice, not a failure.
            let error: JsValue = if js::string(&data, "reason").as_deref()
                == Some(paragon_protocol::sdk::FLOW_DENIED)
            {
                SdkError::OAuthDenied
            } else {
                SdkError::OAuthFailed(js::string(&data, "message").unwrap_or_default())
            }
            .into();
            callback(&options, "onError", &error);
        }
        portal_message::TOKEN_EXPIRED => crate::js::spawn(renew_token(id)),
        portal_message::CLOSE => close_portal(id),
        _ => {}
    }
}

/// Answers the portal's `token-expired` with a renewed token, or `null`.
async fn renew_token(id: u32) {
    let held = PORTAL.with(|p| {
        p.borrow()
            .as_ref()
            .filter(|p| p.id == id)
            .map(|p| p.token.clone())
    });
    let (Some(held), Ok(auth)) = (held, session::auth()) else {
        return;
    };
    let token = auth.renew(&held).await.ok().map(|()| auth.token());
    PORTAL.with(|p| {
        let mut portal = p.borrow_mut();
        let Some(portal) = portal.as_mut().filter(|p| p.id == id) else {
            return;
        };
        if let Some(fresh) = &token {
            portal.token = fresh.clone();
        }
        let answer = wire::to_js(&port::Token {
            kind: portal_message::TOKEN.to_owned(),
            token,
        });
        if let Some(port) = &portal.port {
            let _ = port.post_message(&answer);
        }
    });
}

fn callback(options: &JsValue, name: &str, arg: &JsValue) {
    if let Some(f) = js::function(options, name) {
        if let Err(e) = f.call2(&JsValue::UNDEFINED, arg, &session::user()) {
            web_sys::console::error_1(&e);
        }
    }
}

/// Closes portal `id`, if it is still the open one (a handler of a portal closed before does
/// nothing to a newer one).
fn close_portal(id: u32) {
    if PORTAL.with(|p| p.borrow().as_ref().is_some_and(|p| p.id == id)) {
        close();
    }
}

/// `closePortal()`: closes the entry's frame (the browser gives focus back to what had it)
/// and the port; the promise of `connect` resolves with `undefined` if it has not resolved yet.
pub fn close() {
    let Some(portal) = PORTAL.with(|p| p.borrow_mut().take()) else {
        return;
    };
    chrome(&portal.chrome, "close");
    if let Some(port) = portal.port {
        port.set_onmessage(None);
        port.close();
    }
    callback(&portal.options, "onClose", &JsValue::UNDEFINED);
    listeners::emit(event::PORTAL_CLOSE, &JsValue::UNDEFINED);
    let _ = portal
        .resolve
        .call1(&JsValue::UNDEFINED, &JsValue::UNDEFINED);
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A portal `id` with `nonce` whose `onOpen` counts into `globalThis.portalOpened`.
    fn open_portal(id: u32, nonce: &str) {
        let options = js::object();
        let on_open = Function::new_no_args("globalThis.portalOpened += 1;");
        js::set(&options, "onOpen", &on_open);
        js::set(&js_sys::global(), "portalOpened", &0.into());
        let portal = Portal {
            id,
            chrome: js::object(),
            port: None,
            options,
            resolve: Function::new_no_args(""),
            nonce: nonce.to_owned(),
            token: String::new(),
        };
        PORTAL.with(|p| *p.borrow_mut() = Some(portal));
    }

    fn ready(nonce: Option<&str>) -> JsValue {
        let message = js::object();
        js::set(&message, "type", &portal_message::READY.into());
        if let Some(nonce) = nonce {
            js::set(&message, "nonce", &nonce.into());
        }
        message
    }

    fn opened() -> JsValue {
        js::get(&js_sys::global(), "portalOpened")
    }

    #[test]
    fn only_a_ready_with_this_portals_nonce_on_its_own_port_opens_it() {
        open_portal(7, "nonce-a");
        on_message(7, ready(Some("nonce-b")));
        on_message(7, ready(None));
        on_message(7, JsValue::from_str("ready"));
        assert_eq!(
            opened(),
            0,
            "a wrong, missing or malformed nonce opens nothing"
        );
        on_message(8, ready(Some("nonce-a")));
        assert_eq!(
            opened(),
            0,
            "the port of a portal closed before says nothing"
        );
        on_message(7, ready(Some("nonce-a")));
        assert_eq!(opened(), 1);
        close();
        on_message(7, ready(Some("nonce-a")));
        assert_eq!(opened(), 1, "a closed portal's port says nothing");
    }

    /// The protocol's message as JSON (what the portal's script sends, whose spelling the
    /// protocol's own test checks), with its `type`.
    fn sent(kind: &str, message: &impl serde::Serialize) -> JsValue {
        let mut value = serde_json::to_value(message).expect("serializes");
        value["type"] = kind.into();
        js::parse(&value.to_string()).expect("JSON")
    }

    #[test]
    fn the_protocols_ready_opens_the_portal_and_its_events_carry_the_protocols_fields() {
        use paragon_protocol::portal::{
            Installed, Ready, Uninstalled, WorkflowChanged, WorkflowStateChange,
        };
        open_portal(9, "nonce-c");
        let ready = Ready {
            nonce: "nonce-c".into(),
        };
        on_message(9, sent(portal_message::READY, &ready));
        assert_eq!(opened(), 1);
        close();

        let installed = Installed {
            integration_id: "i".into(),
            integration_type: "hubspot".into(),
            credential_id: Some("c".into()),
        };
        let uninstalled = Uninstalled {
            integration_id: "i".into(),
            integration_type: "hubspot".into(),
        };
        let changed = WorkflowChanged {
            integration_id: Some("i".into()),
            workflow_id: "w".into(),
            workflow_state_change: WorkflowStateChange { enabled: true },
        };
        assert_eq!(keys(&installed), sorted(&INSTALLED_FIELDS));
        assert_eq!(keys(&uninstalled), sorted(&UNINSTALLED_FIELDS));
        assert_eq!(keys(&changed), sorted(&WORKFLOW_CHANGED_FIELDS));
    }

    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        fields.sort();
        fields
    }

    /// The serialized field names of a protocol struct, sorted.
    fn keys(message: &impl serde::Serialize) -> Vec<String> {
        match serde_json::to_value(message).expect("serializes") {
            serde_json::Value::Object(map) => {
                sorted(&map.keys().map(String::as_str).collect::<Vec<_>>())
            }
            other => panic!("not an object: {other}"),
        }
    }
}
