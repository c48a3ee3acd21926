//! What the sandbox has done, overall and per account (`GET /_sandbox/counters`), so tests can
//! assert what did *not* happen: no token issued after a refused exchange, no write after an
//! injected error.

use std::collections::BTreeMap;

use serde::Serialize;

/// One set of counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// Requests to a token endpoint, whatever their outcome.
    pub token_requests: u64,
    /// Access tokens issued (by code exchange or refresh).
    pub tokens_issued: u64,
    /// Successful refresh-token grants.
    pub refreshes: u64,
    /// CRM calls.
    pub api_requests: u64,
    /// Introspection requests (v3, 2026-03 and the v1 GETs).
    pub introspections: u64,
    /// Revocation requests.
    pub revocations: u64,
    /// CRM calls answered 429, by the real limit or by the fault knob.
    pub rate_limited: u64,
    /// CRM calls answered with an injected 5xx.
    pub faults_injected: u64,
}

/// The sandbox's counters.
#[derive(Debug, Default, Serialize)]
pub struct Counters {
    #[serde(flatten)]
    total: Tally,
    hubs: BTreeMap<u32, Tally>,
}

impl Counters {
    /// Counts an event overall and, when its account is known, for that account.
    pub fn count(&mut self, hub_id: Option<u32>, event: impl Fn(&mut Tally)) {
        event(&mut self.total);
        if let Some(hub_id) = hub_id {
            event(self.hubs.entry(hub_id).or_default());
        }
    }

    /// Counts an event for its account only (its overall count was taken earlier, before the
    /// account was known).
    pub fn count_hub_only(&mut self, hub_id: Option<u32>, event: impl Fn(&mut Tally)) {
        if let Some(hub_id) = hub_id {
            event(self.hubs.entry(hub_id).or_default());
        }
    }
}
