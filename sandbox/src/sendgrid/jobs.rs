//! [`Job`]: what `PUT /v3/marketing/contacts` answers a `job_id` for, read back by
//! `GET /v3/marketing/contacts/imports/{id}` ("Import Contacts Status", `ContactImport`).
//!
//! SendGrid queues upserts and processes them later; here the work is done before the 202 is
//! sent, so every job reads `completed`. A client that polls the job before reading contacts
//! back works here and at SendGrid; one that reads them back at once works here only.

use serde_json::{Value, json};

use super::contacts::Upserted;
use crate::{clock, secrets};

/// One finished upsert.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job id, a UUID.
    pub id: String,
    /// The account that made it (another account's key does not see it).
    pub username: String,
    /// Contacts in the request.
    pub requested: u64,
    /// What it did.
    pub done: Upserted,
    /// When it ran, ms.
    pub at_ms: u64,
}

impl Job {
    /// A job of `username` that wrote `requested` contacts with `done` at `at_ms`.
    pub fn new(username: &str, requested: u64, done: Upserted, at_ms: u64) -> Self {
        Self {
            id: secrets::random_uuid(),
            username: username.to_owned(),
            requested,
            done,
            at_ms,
        }
    }

    /// The job as SendGrid's `ContactImport`.
    pub fn view(&self) -> Value {
        let at = clock::iso8601_seconds(self.at_ms);
        json!({
            "id": self.id,
            "status": "completed",
            "job_type": "upsert",
            "results": {
                "requested_count": self.requested,
                "created_count": self.done.created,
                "updated_count": self.done.updated,
                "deleted_count": 0,
                "errored_count": 0,
            },
            "started_at": at,
            "finished_at": at,
        })
    }
}
