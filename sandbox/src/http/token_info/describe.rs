//! The bodies of token introspection: HubSpot's `PublicAccessTokenInfoResponse` and
//! `PublicRefreshTokenInfoResponse` (v3), or the v1 shapes without `active`, `client_id` and
//! `token_use`.

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{oauth::tokens::Grant, state::World};

fn account_fields(world: &World, grant: &Grant) -> (String, String) {
    world
        .accounts
        .get(grant.hub_id)
        .map_or_else(Default::default, |a| {
            (a.user_email.clone(), a.hub_domain.clone())
        })
}

/// A live access token's description and account; `None` when unknown, expired or revoked.
/// `v3` adds the fields of the v3 shape.
pub fn access(world: &World, token: &str, now_ms: u64, v3: bool) -> Option<(Value, u32)> {
    let grant = world.oauth.tokens.authenticate(token, now_ms).ok()?;
    let (record, _) = world.oauth.tokens.access(token)?;
    let (user, hub_domain) = account_fields(world, grant);
    let mut body = json!({
        "token": token,
        "user": user,
        "hub_domain": hub_domain,
        "scopes": grant.scopes,
        "signed_access_token": signed(grant, token, record.expires_ms),
        "hub_id": grant.hub_id,
        "app_id": grant.app_id,
        "expires_in": record.expires_ms.saturating_sub(now_ms) / 1000,
        "user_id": grant.user_id,
        "token_type": "access",
        "is_private_distribution": false,
    });
    if v3 {
        body["active"] = json!(true);
        body["client_id"] = json!(grant.client_id);
        body["token_use"] = json!("access_token");
    }
    Some((body, grant.hub_id))
}

/// A live refresh token's description and account; `None` when unknown, rotated or revoked.
pub fn refresh(world: &World, token: &str, v3: bool) -> Option<(Value, u32)> {
    let (_, grant) = world.oauth.tokens.live_refresh(token)?;
    let (user, hub_domain) = account_fields(world, grant);
    let mut body = json!({
        "token": token,
        "user": user,
        "hub_domain": hub_domain,
        "scopes": grant.scopes,
        "hub_id": grant.hub_id,
        "client_id": grant.client_id,
        "user_id": grant.user_id,
        "token_type": "refresh",
    });
    if v3 {
        body["active"] = json!(true);
        body["app_id"] = json!(grant.app_id);
        body["token_use"] = json!("refresh_token");
    }
    Some((body, grant.hub_id))
}

/// HubSpot's `SignedAccessToken`: what its access tokens encode. The values are plausible,
/// not HubSpot's internal encodings (the scope fields are opaque base64 there too).
fn signed(grant: &Grant, token: &str, expires_ms: u64) -> Value {
    let digest = |label: &str| STANDARD.encode(Sha256::digest(format!("{label}:{token}")));
    json!({
        "expiresAt": expires_ms,
        "scopes": STANDARD.encode(grant.scopes.join(" ")),
        "hubId": grant.hub_id,
        "userId": grant.user_id,
        "appId": grant.app_id,
        "signature": digest("signature"),
        "scopeToScopeGroupPks": STANDARD.encode(grant.scopes.len().to_string()),
        "newSignature": digest("newSignature"),
        "hublet": "na1",
        "trialScopes": "",
        "trialScopeToScopeGroupPks": "",
        "isUserLevel": false,
        "installingUserId": grant.user_id,
        "isServiceAccount": false,
        "isPrivateDistribution": false,
        "appInstallId": format!("{}-{}", grant.app_id, grant.hub_id),
        "audience": "api.hubapi.com",
    })
}
