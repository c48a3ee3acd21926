//! The `connection.*` messages of webhooks out: a connection made, removed, or refused at
//! refresh (the user must reconnect). Their data names the connection, never its tokens:
//! `{userId, integration, connectionId, providerId, accountName}`.

use serde_json::{Value, json};

use super::Connect;
use crate::{
    storage::{Credential, Integration},
    webhooks_out::{self, event_types},
};

/// What a `connection.*` message says of `credential`.
fn data(integration: &Integration, credential: &Credential) -> Value {
    json!({
        "userId": credential.user_id,
        "integration": integration.provider,
        "connectionId": credential.id,
        "providerId": credential.provider_id,
        "accountName": credential.provider_data.get("accountName").cloned().unwrap_or(Value::Null),
    })
}

/// `connection.created`.
pub async fn created(connect: &Connect, integration: &Integration, credential: &Credential) {
    emit(
        connect,
        event_types::CONNECTION_CREATED,
        integration,
        credential,
    )
    .await;
}

/// `connection.deleted`.
pub async fn deleted(connect: &Connect, integration: &Integration, credential: &Credential) {
    emit(
        connect,
        event_types::CONNECTION_DELETED,
        integration,
        credential,
    )
    .await;
}

/// `connection.invalid`.
pub async fn invalid(connect: &Connect, integration: &Integration, credential: &Credential) {
    emit(
        connect,
        event_types::CONNECTION_INVALID,
        integration,
        credential,
    )
    .await;
}

async fn emit(connect: &Connect, kind: &str, integration: &Integration, credential: &Credential) {
    webhooks_out::emit(
        &connect.store,
        credential.project_id,
        kind,
        data(integration, credential),
    )
    .await;
}
