//! `event(name, payload)` with the durable outbox (docs/sdk.md), `flush()` and
//! `pendingEvents()`.
//!
//! Each event gets a UUID, its `Idempotency-Key`, and is written to `localStorage` (one key per
//! project and user; the entry holds the event only, never a token) before the first send. It
//! leaves the outbox on 2xx or a permanent 4xx; otherwise it is retried with backoff, and again
//! after `authenticate`, on `online` and on `pageshow`, so it survives offline periods and
//! reloads. The platform records a key once, so a repeat never runs a workflow twice.
//!
//! The outbox is bounded, so that a page (a loop, a bug, a hostile payload) cannot fill the
//! origin's `localStorage` and break the app's own use of it: `event()` refuses an event that
//! would pass its [`Limits`], or that `localStorage` itself refuses, with an error, and stores
//! nothing. `logout()` discards the user's undelivered events unless the app keeps them
//! ([`discard`]): their payloads may hold personal data, left behind on a shared computer.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue, prelude::Closure};

use paragon_protocol::sdk::EventTrigger;

use crate::{
    SdkError, js,
    retry::{self, Outcome},
    session::{self, Auth},
    wire::{self, Json},
};

mod limits;
pub use limits::{Limits, set_limits};

thread_local! {
    /// The promises of this page's events that are not settled yet: id, resolve, reject.
    static WAITERS: RefCell<Vec<(String, Function, Function)>> = const { RefCell::new(Vec::new()) };
    /// Events being sent now, so that concurrent flushes do not send one twice at once.
    static IN_FLIGHT: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Where the outbox lives when the page may not use `localStorage` (key, JSON text).
    static MEMORY: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    static ATTEMPT: Cell<u32> = const { Cell::new(0) };
    static TIMER: Cell<Option<i32>> = const { Cell::new(None) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

fn key(auth: &Auth) -> String {
    key_of(&auth.project_id, &auth.user_id)
}

/// The outbox of `user` of `project`.
pub fn key_of(project: &str, user: &str) -> String {
    crate::text::concat(&["paragon:outbox:", project, ":", user])
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load(key: &str) -> Array {
    let text = match storage() {
        Some(s) => s.get_item(key).ok().flatten(),
        None => MEMORY.with(|m| {
            m.borrow()
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, t)| t.clone())
        }),
    };
    text.and_then(|t| js::parse(&t))
        .filter(Array::is_array)
        .map(|v| Array::from(&v))
        .unwrap_or_default()
}

/// Writes the user's outbox; `Err` with the browser's exception when `localStorage` refused
/// it (QuotaExceededError). In memory when the page may not use `localStorage`.
fn store(key: &str, text: &str) -> Result<(), JsValue> {
    match storage() {
        Some(s) if text == "[]" => s.remove_item(key),
        Some(s) => s.set_item(key, text),
        None => {
            MEMORY.with(|m| {
                let mut m = m.borrow_mut();
                m.retain(|(k, _)| k != key);
                m.push((key.to_owned(), text.to_owned()));
            });
            Ok(())
        }
    }
}

fn remove(key: &str, id: &str) {
    let kept: Array = load(key)
        .iter()
        .filter(|e| js::string(e, "id").as_deref() != Some(id))
        .collect();
    let text = js::stringify(&kept).unwrap_or_else(|| "[]".into());
    // A shorter outbox never passes a quota; if it failed anyway, the event is sent again and
    // the platform, which records its key once, answers the first receipt.
    let _ = store(key, &text);
}

/// `event(name, payload)`: stores the event, then sends it. The promise resolves with the
/// platform's `{id, runs}` once delivered and rejects on a permanent refusal.
pub fn event(name: String, payload: JsValue) -> Result<Promise, SdkError> {
    let auth = session::auth()?;
    if name.is_empty() {
        return Err(SdkError::InvalidArgument("event: the name is empty".into()));
    }
    let payload = if payload.is_undefined() {
        js::object()
    } else {
        payload
    };
    if !payload.is_object() || Array::is_array(&payload) || js::stringify(&payload).is_none() {
        return Err(SdkError::InvalidArgument(
            "event: the payload must be a JSON object".into(),
        ));
    }
    let window = web_sys::window().ok_or(SdkError::NotAuthenticated)?;
    let id = window
        .crypto()
        .map_err(|_| SdkError::InvalidArgument("no crypto".into()))?
        .random_uuid();
    let entry = js::object();
    js::set(&entry, "id", &id.as_str().into());
    js::set(&entry, "name", &name.into());
    js::set(&entry, "payload", &payload);
    js::set(&entry, "createdAt", &js_sys::Date::now().into());
    let key = key(&auth);
    let entries = load(&key);
    entries.push(&entry);
    let text = js::stringify(&entries).ok_or_else(|| {
        SdkError::InvalidArgument("event: the payload must be a JSON object".into())
    })?;
    let limits = limits::current();
    if !limits.admit(entries.length(), text.len()) {
        return Err(limits.full());
    }
    store(&key, &text)
        .map_err(|e| SdkError::StorageFull(js::error_message(&e, "QuotaExceededError")))?;

    let promise = Promise::new(&mut |resolve, reject| {
        WAITERS.with(|w| w.borrow_mut().push((id.clone(), resolve, reject)));
    });
    crate::js::spawn(flush());
    Ok(promise)
}

fn settle(id: &str, result: Result<JsValue, SdkError>) {
    let waiter = WAITERS.with(|w| {
        let mut w = w.borrow_mut();
        let at = w.iter().position(|(i, _, _)| i == id)?;
        Some(w.remove(at))
    });
    match (waiter, result) {
        (Some((_, resolve, _)), Ok(value)) => drop(resolve.call1(&JsValue::UNDEFINED, &value)),
        (Some((_, _, reject)), Err(e)) => drop(reject.call1(&JsValue::UNDEFINED, &e.into())),
        // An event of an earlier page: nobody waits for it any more.
        (None, Err(e)) => web_sys::console::error_1(&e.into()),
        (None, Ok(_)) => {}
    }
}

/// Sends the user's pending events in order until the outbox is empty or a send must wait.
pub async fn flush() {
    let Ok(auth) = session::auth() else {
        return;
    };
    listen();
    let key = key(&auth);
    loop {
        // Stop when the user logged out or another one authenticated meanwhile.
        let same = session::auth().is_ok_and(|a| key == self::key(&a));
        let entries = load(&key);
        let next = entries.iter().find(|e| {
            let id = js::string(e, "id").unwrap_or_default();
            IN_FLIGHT.with(|f| !f.borrow().contains(&id))
        });
        let (true, Some(entry)) = (same, next) else {
            return;
        };
        let id = js::string(&entry, "id").unwrap_or_default();
        let body = wire::to_js(&EventTrigger {
            name: js::string(&entry, "name").unwrap_or_default(),
            payload: Json(js::get(&entry, "payload")),
        });
        let url = auth.url("/events/trigger");
        let mut request = auth.request("POST", &url);
        request.body = Some(&body);
        request.idempotency_key = Some(&id);
        IN_FLIGHT.with(|f| f.borrow_mut().push(id.clone()));
        let sent = request.send().await;
        IN_FLIGHT.with(|f| f.borrow_mut().retain(|i| *i != id));
        let status = sent.as_ref().ok().map(|r| r.status);
        match retry::outcome(status) {
            Outcome::Delivered | Outcome::Rejected => {
                remove(&key, &id);
                ATTEMPT.with(|a| a.set(0));
                if let Ok(reply) = sent {
                    settle(&id, reply.ok());
                }
            }
            Outcome::NeedsAuth => return,
            Outcome::Retry => {
                schedule(sent.ok().and_then(|r| r.retry_after));
                return;
            }
        }
    }
}

/// Runs [`flush`] again after the backoff of the next attempt.
fn schedule(retry_after: Option<f64>) {
    let attempt = ATTEMPT.with(|a| a.replace(a.get().saturating_add(1)));
    let delay = retry::delay_ms(attempt, js_sys::Math::random(), retry_after);
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(timer) = TIMER.with(|t| t.take()) {
        window.clear_timeout_with_handle(timer);
    }
    let again = Closure::once_into_js(|| {
        TIMER.with(|t| t.set(None));
        crate::js::spawn(flush());
    });
    let timer = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        again.unchecked_ref(),
        delay.min(f64::from(i32::MAX)) as i32,
    );
    TIMER.with(|t| t.set(timer.ok()));
}

/// After `authenticate`: the first retry comes soon again.
pub fn reset_backoff() {
    ATTEMPT.with(|a| a.set(0));
}

/// Flushes on `online` and `pageshow` (a page back from the back/forward cache), once per page.
fn listen() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let on = Closure::<dyn Fn()>::new(|| crate::js::spawn(flush())).into_js_value();
    for name in ["online", "pageshow"] {
        let _ = window.add_event_listener_with_callback(name, on.unchecked_ref());
    }
}

/// `pendingEvents()`: the user's events not delivered yet, oldest first (`[]` when logged out);
/// while `authenticate` runs (or after it failed), those of the user its token names.
pub fn pending() -> JsValue {
    let key = match session::auth() {
        Ok(auth) => Some(key(&auth)),
        Err(_) => session::signing_in(),
    };
    match key {
        Some(key) => js::copy(&load(&key)),
        None => Array::new().into(),
    }
}

/// `logout()` without `keepPendingEvents`: removes the user's undelivered events from this
/// browser, rejects this page's promises of them with `EVENT_DISCARDED` (the console shows
/// those of earlier pages), and returns them, oldest first, so that the app sees what was not
/// delivered. An event whose request is already on the way may still reach the platform.
pub fn discard() -> JsValue {
    let Ok(auth) = session::auth() else {
        return Array::new().into();
    };
    let key = key(&auth);
    let entries = load(&key);
    // Removing a key never passes a quota.
    let _ = store(&key, "[]");
    for entry in entries.iter() {
        settle(
            &js::string(&entry, "id").unwrap_or_default(),
            Err(SdkError::EventDiscarded),
        );
    }
    entries.into()
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const KEY: &str = "paragon:outbox:test-project:test-user";

    fn ids(key: &str) -> Vec<String> {
        load(key)
            .iter()
            .filter_map(|e| js::string(&e, "id"))
            .collect()
    }

    /// The layout other pages of the origin read back: one `localStorage` key per project and
    /// user holding a JSON array of `{id, name, payload, createdAt}`, gone once empty.
    #[test]
    fn the_outbox_is_one_json_array_per_user_in_local_storage_and_empty_means_no_key() {
        let storage = storage().expect("the test page has localStorage");
        store(
            KEY,
            r#"[{"id":"a","name":"E","payload":{},"createdAt":1},{"id":"b","name":"E","payload":{"x":1},"createdAt":2}]"#,
        )
        .expect("stored");
        assert_eq!(ids(KEY), ["a", "b"]);
        remove(KEY, "a");
        assert_eq!(ids(KEY), ["b"]);
        let kept = storage
            .get_item(KEY)
            .ok()
            .flatten()
            .expect("the key is there");
        assert_eq!(
            kept,
            r#"[{"id":"b","name":"E","payload":{"x":1},"createdAt":2}]"#
        );
        remove(KEY, "b");
        assert_eq!(
            storage.get_item(KEY).ok().flatten(),
            None,
            "an empty outbox leaves no key"
        );
        assert!(ids(KEY).is_empty());
    }

    #[test]
    fn what_is_not_an_outbox_in_storage_reads_as_empty() {
        let storage = storage().expect("the test page has localStorage");
        for junk in ["not json", "{\"id\":\"a\"}", "42"] {
            storage.set_item(KEY, junk).expect("set");
            assert!(ids(KEY).is_empty(), "{junk}");
        }
        storage.remove_item(KEY).expect("removed");
    }
}
