//! [`StandIn`]: the shell every provider's stand-in keeps its state in (HubSpot's `Sandbox`,
//! Salesforce's and SendGrid's), cloned into every handler.
//!
//! One mutex guards a stand-in's whole [`World`]: these are test doubles, and one lock makes
//! every request atomic (a code is redeemed once, a refresh token rotates once, a key is
//! revoked between two calls or not) without any reasoning about interleavings. What differs
//! between providers is the world itself; how it is built, locked and reset does not.

use std::{
    fmt,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::{
    error::SandboxError,
    http::reply::{self, KnobAnswer, KnobError},
    request_log::{self, RequestLog},
};

/// What changes while a stand-in runs: built from its configuration at start and again on
/// every `POST /_sandbox/reset`.
pub trait World: Sized + Send + 'static {
    /// What the stand-in was started with; a reset goes back to it.
    type Config: Send + Sync + 'static;
    /// Values fixed at start (lifetimes, the base URL) that handlers read without the lock.
    type Settings: Send + Sync + 'static;

    /// The world as the configuration describes it, with nothing else in it.
    fn build(config: &Self::Config) -> Result<Self, SandboxError>;

    /// The world's request log, which a reset empties but does not restart: sequence numbers
    /// stay unique across resets, so a test never mistakes an old request for a new one.
    fn requests(&mut self) -> &mut RequestLog;

    /// What the stand-in has counted, for `GET /_sandbox/counters`.
    fn counters(&self) -> Value;
}

/// One stand-in's state; cheap to clone.
pub struct StandIn<W: World> {
    shared: Arc<Shared<W>>,
}

struct Shared<W: World> {
    settings: W::Settings,
    config: W::Config,
    world: Mutex<W>,
}

impl<W: World> Clone for StandIn<W> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<W: World> fmt::Debug for StandIn<W> {
    /// The world is behind a lock and may hold secrets: neither is printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandIn").finish_non_exhaustive()
    }
}

impl<W: World> StandIn<W> {
    /// The stand-in for a configuration the caller has validated.
    pub fn new(config: W::Config, settings: W::Settings) -> Result<Self, SandboxError> {
        let world = Mutex::new(W::build(&config)?);
        Ok(Self {
            shared: Arc::new(Shared {
                settings,
                config,
                world,
            }),
        })
    }

    /// The fixed settings.
    pub fn settings(&self) -> &W::Settings {
        &self.shared.settings
    }

    /// The world. A panic in another request cannot poison it for good: the world is plain
    /// data, consistent at every await-free step, so the guard is taken back.
    pub fn lock(&self) -> MutexGuard<'_, W> {
        self.shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Back to the configuration with nothing else; request sequence numbers keep counting.
    pub fn reset(&self) -> Result<(), SandboxError> {
        let mut fresh = W::build(&self.shared.config)?;
        let mut world = self.lock();
        let mut requests = std::mem::take(world.requests());
        requests.clear();
        *fresh.requests() = requests;
        *world = fresh;
        Ok(())
    }

    /// `routes` as one stand-in serves them: every request logged on arrival, before anything
    /// can refuse it, and bodies above `max_body_bytes` refused with 413 before a handler
    /// reads them.
    pub fn app(self, routes: Router<Self>, max_body_bytes: usize) -> Router {
        routes
            .layer(DefaultBodyLimit::max(max_body_bytes))
            .layer(middleware::from_fn_with_state(
                self.clone(),
                request_log::log_request::<W>,
            ))
            .with_state(self)
    }
}

/// The knobs every stand-in has, whatever its provider: `GET /_sandbox/counters`,
/// `GET /_sandbox/requests` (every request in arrival order, the last 100,000) and
/// `POST /_sandbox/reset` (204: back to the configuration).
pub fn knobs<W: World>() -> Router<StandIn<W>> {
    Router::new()
        .route("/_sandbox/counters", get(counters::<W>))
        .route("/_sandbox/requests", get(requests::<W>))
        .route("/_sandbox/reset", post(reset::<W>))
}

async fn counters<W: World>(State(stand_in): State<StandIn<W>>) -> Response {
    let counters = stand_in.lock().counters();
    reply::json(StatusCode::OK, &counters)
}

async fn requests<W: World>(State(stand_in): State<StandIn<W>>) -> Response {
    let mut world = stand_in.lock();
    let entries: Vec<_> = world.requests().entries().collect();
    reply::json(StatusCode::OK, &json!(entries))
}

async fn reset<W: World>(State(stand_in): State<StandIn<W>>) -> KnobAnswer {
    stand_in
        .reset()
        .map_err(|error| KnobError(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
