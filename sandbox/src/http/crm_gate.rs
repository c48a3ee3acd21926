//! What every CRM call goes through before its handler, in HubSpot's order as far as it can be
//! observed: the bearer token (401), the account's injected latency, forced 429s and the
//! rate-limit window (429), the scope (403), injected 5xx or huge answers; and after it, the
//! `X-HubSpot-RateLimit-*` headers (on every answer but search's, as HubSpot). Contacts, owners,
//! pipelines and properties all go through it and share one window per account; only the scopes
//! differ (see [`Scopes`]).

use std::time::{Duration, Instant};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::reply;
use crate::{
    clock,
    crm::{CrmFailure, failure::RatePolicy},
    faults::Injected,
    oauth::tokens::BearerRefused,
    rate_limit::Verdict,
    state::Sandbox,
};

const READ_SCOPE: &[&str] = &["crm.objects.contacts.read"];
const WRITE_SCOPE: &[&str] = &["crm.objects.contacts.write"];

/// The scopes a CRM route accepts (any one of them), set as a request extension by routers
/// other than the contacts one; without it, the contacts rule applies (read for GET and
/// search, write otherwise).
#[derive(Debug, Clone, Copy)]
pub struct Scopes(pub &'static [&'static str]);

/// The authenticated caller of a CRM call, for the handlers.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The account the token belongs to.
    pub hub_id: u32,
}

/// The rate-limit headers of a ten-secondly-limited answer.
#[derive(Debug, Clone, Copy)]
struct Window {
    interval_ms: u64,
    max: u32,
    remaining: u32,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The middleware of the CRM routes.
pub async fn gate(State(sandbox): State<Sandbox>, mut request: Request, next: Next) -> Response {
    let is_search = request.method() == Method::POST && request.uri().path().ends_with("/search");
    let scopes = match request.extensions().get::<Scopes>() {
        Some(Scopes(accepted)) => accepted,
        None if request.method() == Method::GET || is_search => READ_SCOPE,
        None => WRITE_SCOPE,
    };
    let now = clock::now_ms();
    let (grant, latency_ms) = {
        let mut world = sandbox.lock();
        world.counters.count(None, |t| t.api_requests += 1);
        let token = bearer(request.headers()).unwrap_or_default();
        let grant = match world.oauth.tokens.authenticate(token, now) {
            Ok(grant) => grant.clone(),
            Err(BearerRefused::Invalid) => {
                return CrmFailure::InvalidAuthentication.into_response();
            }
            Err(BearerRefused::Expired { expired_ms }) => {
                let ago_ms = now.saturating_sub(expired_ms);
                return CrmFailure::ExpiredAuthentication { ago_ms, expired_ms }.into_response();
            }
        };
        world
            .counters
            .count_hub_only(Some(grant.hub_id), |t| t.api_requests += 1);
        let latency_ms = world.faults.get(&grant.hub_id).map_or(0, |f| f.latency_ms);
        (grant, latency_ms)
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    let hub = Some(grant.hub_id);
    let limited = |policy| CrmFailure::RateLimited {
        policy,
        hub_id: grant.hub_id,
        app_id: grant.app_id,
    };
    let window = {
        let mut guard = sandbox.lock();
        let world = &mut *guard;
        let injected = world.faults.get_mut(&grant.hub_id).and_then(|f| f.draw());
        let limits = if is_search {
            &mut world.search_window
        } else {
            &mut world.ten_secondly
        };
        let interval_ms = u64::try_from(limits.span().as_millis()).unwrap_or(u64::MAX);
        let max = limits.max();
        let full = |remaining| Window {
            interval_ms,
            max,
            remaining,
        };
        let (policy, window) = if is_search {
            (RatePolicy::Secondly, None)
        } else {
            (RatePolicy::TenSecondly, Some(full(0)))
        };
        if injected == Some(Injected::RateLimit) {
            world.counters.count(hub, |t| t.rate_limited += 1);
            return with_limits(limited(policy).into_response(), window, Some(1));
        }
        let window = match limits.hit(grant.hub_id, Instant::now()) {
            Verdict::Allowed { remaining } => window.map(|_| full(remaining)),
            Verdict::Limited { retry_after } => {
                world.counters.count(hub, |t| t.rate_limited += 1);
                // Whole seconds, rounded up: a client that waits that long gets through.
                let seconds = retry_after.as_millis().div_ceil(1000).max(1);
                let seconds = u64::try_from(seconds).unwrap_or(u64::MAX);
                return with_limits(limited(policy).into_response(), window, Some(seconds));
            }
        };
        if !grant.scopes.iter().any(|s| scopes.contains(&s.as_str())) {
            let failure = CrmFailure::MissingScopes { required: scopes };
            return with_limits(failure.into_response(), window, None);
        }
        if let Some(Injected::HugeAnswer(bytes)) = injected {
            world.counters.count(hub, |t| t.faults_injected += 1);
            return reply::huge(bytes);
        }
        if let Some(Injected::ServerError(status)) = injected {
            world.counters.count(hub, |t| t.faults_injected += 1);
            return with_limits(
                CrmFailure::Injected { status }.into_response(),
                window,
                None,
            );
        }
        window
    };
    request.extensions_mut().insert(Caller {
        hub_id: grant.hub_id,
    });
    with_limits(next.run(request).await, window, None)
}

fn with_limits(
    mut response: Response,
    window: Option<Window>,
    retry_after: Option<u64>,
) -> Response {
    let headers = response.headers_mut();
    if let Some(window) = window {
        reply::set_number(
            headers,
            "x-hubspot-ratelimit-interval-milliseconds",
            window.interval_ms,
        );
        reply::set_number(headers, "x-hubspot-ratelimit-max", u64::from(window.max));
        reply::set_number(
            headers,
            "x-hubspot-ratelimit-remaining",
            u64::from(window.remaining),
        );
    }
    if let Some(seconds) = retry_after {
        reply::set_number(headers, "retry-after", seconds);
    }
    response
}
