//! The `integration_enabled` trigger: when a user connects an integration anew (no credential
//! of theirs for it before: a first connection, or one after a disconnect; not a reconnection
//! that replaces the tokens of a credential they still have), the workflows of that integration
//! with `trigger: integration_enabled: {}` that the user has enabled run once, with
//! `connection.*` = `{integration, accountId, accountName}`.
//!
//! The connection is recorded as an input of `source` `integration_enabled`, keyed by the
//! credential's id, so that the same connection never starts its workflows twice. It is written
//! after the credential, in a transaction of its own: if the storage fails between the two, the
//! connection stands and its workflows do not run (the error is logged for the operator).

use serde_json::{Value, json};

use super::Connect;
use crate::{
    clock,
    ids::EventId,
    storage::{Credential, Integration, NewEvent, TriggerKind},
};

/// Starts the `integration_enabled` workflows of `integration` for the owner of `credential`,
/// which was just created.
pub async fn started(connect: &Connect, integration: &Integration, credential: &Credential) {
    let event = NewEvent {
        id: EventId::random(),
        project_id: credential.project_id,
        user_id: credential.user_id.clone(),
        idempotency_key: crate::input_keys::integration_enabled(&credential.id),
        name: integration.provider.clone(),
        payload: json!({
            "integration": integration.provider,
            "accountId": credential.provider_id,
            "accountName": credential.provider_data.get("accountName").cloned().unwrap_or(Value::Null),
        }),
        created_ms: clock::now_ms(),
    };
    match connect
        .store
        .record_trigger(&event, TriggerKind::IntegrationEnabled)
        .await
    {
        Ok(outcome) if outcome.runs > 0 && !outcome.duplicate => {
            // Other replicas' engines too; every engine also polls, so a failed announce only
            // delays the runs.
            if let Err(error) = connect.store.announce_runs().await {
                tracing::warn!(%error, "announcing runs failed");
            }
        }
        Ok(_) => {}
        Err(error) => {
            tracing::error!(credential = %credential.id, %error, "the integration_enabled workflows of a new connection were not started");
        }
    }
}
