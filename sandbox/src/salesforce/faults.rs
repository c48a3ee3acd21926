//! [`Faults`]: what a flaky Salesforce does to a client, per org
//! (`POST /_sandbox/orgs/{orgId}/faults`), and [`lost_answer`], the answer of a write whose
//! connection broke after Salesforce committed it.
//!
//! Most faults answer instead of doing the work, which a client may simply send again. One does
//! not: `loseAnswers` does the work and loses the answer, the case that makes a retried create a
//! second record unless the client looks for its first one (the platform's `match_on`).

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{body::Body, http::StatusCode, response::Response};
use serde::{Deserialize, Serialize};

use super::failure::RestFailure;
use crate::faults::take_one;

/// The faults of one org. Each knob is independent; all zero is a healthy org.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// The next this-many REST calls answer 401 `INVALID_SESSION_ID`, as after a session
    /// timeout or an admin's revocation, whatever the token.
    #[serde(default)]
    pub force_invalid_session: u32,
    /// The next this-many REST calls answer 503 `SERVER_UNAVAILABLE`.
    #[serde(default)]
    pub force503: u32,
    /// Fraction (0 to 1) of REST calls that answer 500 `UNKNOWN_EXCEPTION` or 503
    /// `SERVER_UNAVAILABLE` (even odds) without doing anything, drawn after the forced faults.
    #[serde(default)]
    pub error_rate: f64,
    /// The next this-many creates and updates that succeed are kept, and then the connection
    /// is closed without an answer: no status, no body, as when it breaks after Salesforce
    /// committed. A refused write (a 400) answers as usual and does not use one up; reads,
    /// queries and deletes never lose their answer.
    #[serde(default)]
    pub lose_answers: u32,
}

impl Faults {
    /// Refuses settings outside their ranges.
    pub fn check(&self) -> Result<(), String> {
        if (0.0..=1.0).contains(&self.error_rate) {
            Ok(())
        } else {
            Err("errorRate must be between 0 and 1".into())
        }
    }

    /// The fault of this REST call before its work, if one is due; a forced one is used up.
    pub fn draw(&mut self) -> Option<RestFailure> {
        if take_one(&mut self.force_invalid_session) {
            Some(RestFailure::invalid_session())
        } else if take_one(&mut self.force503) {
            Some(RestFailure::unavailable())
        } else if self.error_rate > 0.0 && rand::random::<f64>() < self.error_rate {
            Some(if rand::random::<bool>() {
                RestFailure::internal()
            } else {
                RestFailure::unavailable()
            })
        } else {
            None
        }
    }

    /// Whether the answer of a write that succeeded is lost; uses one up.
    pub fn lose_answer(&mut self) -> bool {
        take_one(&mut self.lose_answers)
    }
}

/// The answer of a write that was made, lost: its body fails before its first byte, so the
/// server closes the connection without sending the status line and the client's request fails
/// with a connection error. Its status, 444, is nginx's for "closed without an answer": the
/// request log shows it, and it has a body for the server to read (a 204 would be sent at once,
/// since it has none).
pub fn lost_answer() -> Response {
    let mut response = Response::new(Body::from_stream(Broken));
    *response.status_mut() = StatusCode::from_u16(444).unwrap_or(StatusCode::BAD_GATEWAY);
    response
}

/// A body that fails when first read.
struct Broken;

impl futures_core::Stream for Broken {
    type Item = Result<axum::body::Bytes, io::Error>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "the sandbox lost this answer (loseAnswers)",
        ))))
    }
}
