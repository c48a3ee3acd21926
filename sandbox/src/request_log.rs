//! Every request the sandbox received, in order (`GET /_sandbox/requests`): method, path with
//! query, and answer status. Tests read it to prove, for example, that no secret ever travelled
//! in a URL. Bodies and headers are not kept.

use std::collections::VecDeque;

use serde::Serialize;

use crate::stand_in::{StandIn, World};

/// How many requests are kept; the oldest go first, so a long demo cannot grow without bound.
const CAPACITY: usize = 100_000;

/// One received request.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// The HTTP method.
    pub method: String,
    /// The path with its query string, exactly as received.
    pub path: String,
    /// The status the sandbox answered; 0 while the request is still being answered.
    pub status: u16,
}

/// The log.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    next_seq: u64,
}

impl RequestLog {
    /// Records a request on arrival (so the log is in arrival order, not completion order) and
    /// returns its sequence number for [`RequestLog::finish`].
    pub fn begin(&mut self, method: &str, path: &str) -> u64 {
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.next_seq += 1;
        self.entries.push_back(LoggedRequest {
            seq: self.next_seq,
            method: method.to_owned(),
            path: path.to_owned(),
            status: 0,
        });
        self.next_seq
    }

    /// Records the status a request was answered with.
    pub fn finish(&mut self, seq: u64, status: u16) {
        let first = self.entries.front().map_or(0, |e| e.seq);
        let index = seq.checked_sub(first).and_then(|i| usize::try_from(i).ok());
        if let Some(entry) = index.and_then(|i| self.entries.get_mut(i)) {
            entry.status = status;
        }
    }

    /// Forgets everything but keeps counting (sequence numbers stay unique).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Every kept request, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &LoggedRequest> {
        self.entries.iter()
    }
}

/// The middleware that records every request in arrival order, before anything can refuse it.
/// Only the method and the status reach the log line: paths and queries may carry tokens
/// (HubSpot's v1 tokens, Salesforce's revoke URLs).
pub async fn log_request<W: World>(
    axum::extract::State(stand_in): axum::extract::State<StandIn<W>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |pq| pq.as_str().to_owned(),
    );
    let method = request.method().as_str().to_owned();
    let seq = stand_in.lock().requests().begin(&method, &path);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    stand_in.lock().requests().finish(seq, status);
    tracing::debug!(%method, status, "request");
    response
}
