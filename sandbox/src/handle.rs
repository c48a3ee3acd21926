//! [`start`] and [`SandboxHandle`]: a running sandbox, stopped on [`SandboxHandle::stop`] or
//! when the handle is dropped.

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::Router;
use tokio::{
    net::TcpListener,
    sync::{oneshot, watch},
    task::JoinHandle,
};

use crate::{
    config::SandboxConfig,
    error::SandboxError,
    http,
    state::{Sandbox, Settings},
    webhooks,
};

/// How long [`SandboxHandle::stop`] lets in-flight requests finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Binds the socket and starts serving on the current tokio runtime. Several sandboxes can
/// run in one process; each has its own state.
pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
    config.validate()?;
    let addr = config.addr;
    serve_with(addr, "hubspot-sandbox", |base_url, stopping| {
        let settings = Settings::new(&config, base_url);
        let sandbox = Sandbox::new(config, settings)?;
        let sender = tokio::spawn(webhooks::sender::run(sandbox.clone(), stopping));
        Ok((http::router(sandbox), Some(sender)))
    })
    .await
}

/// Binds `addr` and serves the router `build` makes for the bound base URL: the part every
/// provider's stand-in shares (the HubSpot one above, [`crate::salesforce::start`],
/// [`crate::sendgrid::start`]).
pub(crate) async fn serve(
    addr: SocketAddr,
    name: &'static str,
    build: impl FnOnce(String) -> Result<Router, SandboxError>,
) -> Result<SandboxHandle, SandboxError> {
    serve_with(addr, name, |base_url, _| Ok((build(base_url)?, None))).await
}

/// [`serve`] for a stand-in with a background task beside its server (HubSpot's webhook
/// sender): `build` gets a receiver that changes when the stand-in stops, and the server's
/// task waits for the background task after the last request has drained.
async fn serve_with(
    addr: SocketAddr,
    name: &'static str,
    build: impl FnOnce(
        String,
        watch::Receiver<bool>,
    ) -> Result<(Router, Option<JoinHandle<()>>), SandboxError>,
) -> Result<SandboxHandle, SandboxError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(SandboxError::Serve)?;
    let base_url = format!("http://{addr}");
    let (stopping, stopping_seen) = watch::channel(false);
    let (router, background) = build(base_url.clone(), stopping_seen)?;
    let (shutdown, stop_requested) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                // A dropped sender (handle dropped) stops the server as well.
                let _ = stop_requested.await;
            })
            .await
            .map_err(SandboxError::Serve);
        // Dropping `stopping` tells the background task too; `send` makes it explicit.
        let _ = stopping.send(true);
        if let Some(background) = background {
            let _ = background.await;
        }
        served
    });
    tracing::info!(%base_url, "{name} started");
    Ok(SandboxHandle {
        addr,
        base_url,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

/// A running sandbox.
#[derive(Debug)]
#[must_use = "the sandbox stops when its handle is dropped"]
pub struct SandboxHandle {
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), SandboxError>>>,
}

impl SandboxHandle {
    /// The base URL for every host of the provider (HubSpot's `app.hubspot.com` and
    /// `api.hubapi.com`; Salesforce's login host and instance; SendGrid's `api.sendgrid.com`),
    /// e.g. `http://127.0.0.1:9090`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound address (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish (bounded) and returns once stopped.
    pub async fn stop(mut self) {
        self.signal_stop();
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(DRAIN_TIMEOUT, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    /// Serves until `signal` completes (then stops as [`SandboxHandle::stop`] does) or the
    /// server fails.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> Result<(), SandboxError> {
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        tokio::select! {
            finished = &mut task => return flatten(finished),
            () = signal => {}
        }
        self.signal_stop();
        match tokio::time::timeout(DRAIN_TIMEOUT, &mut task).await {
            Ok(finished) => flatten(finished),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }

    fn signal_stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn flatten(
    finished: Result<Result<(), SandboxError>, tokio::task::JoinError>,
) -> Result<(), SandboxError> {
    finished.map_err(|error| SandboxError::Serve(std::io::Error::other(error)))?
}

impl Drop for SandboxHandle {
    /// Drop cannot wait: it asks the server to stop and lets it drain on its own.
    fn drop(&mut self) {
        self.signal_stop();
    }
}
