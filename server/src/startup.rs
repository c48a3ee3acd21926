//! Building and running the application: [`Application::build`] opens the storage and binds the
//! socket, so a test can ask for port 0 and read the real address before serving starts.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::Semaphore};

use crate::{
    config::Config,
    connection::{self, ConnectionLimits},
    error::ServerError,
    http::{self, AppState},
    storage::{self, Store},
};

/// How long in-flight requests may take to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Store,
    state: AppState,
    engine: crate::engine::EngineConfig,
    limits: ConnectionLimits,
    housekeeping: crate::housekeeping::HousekeepingConfig,
    webhooks: crate::webhooks_out::WebhooksOutConfig,
    egress: crate::connect::egress::EgressPolicy,
}

impl Application {
    /// Opens the storage (running its migrations), builds the router and binds the socket.
    pub async fn build(config: Config) -> Result<Self, ServerError> {
        let store = storage::open(&config.database).await?;
        Self::build_with_store(config, store).await
    }

    /// Like [`Application::build`] with a storage the caller opened (tests pick a schema).
    pub async fn build_with_store(config: Config, store: Store) -> Result<Self, ServerError> {
        // Checked here too, for a configuration that did not come through the CLI.
        let limits = config.connections.check()?;
        config.webhooks.check().map_err(ServerError::Usage)?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let bound = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
        let public_url = config
            .public
            .url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        let state = AppState::new(&config, store.clone(), public_url)?;
        let router = http::router(state.clone());
        Ok(Self {
            listener,
            router,
            store,
            state,
            engine: config.engine,
            limits,
            housekeeping: config.housekeeping,
            webhooks: config.webhooks,
            egress: config.egress,
        })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        // A bound TcpListener always has a local address; fall back rather than panic.
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:8080`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr())
    }

    /// The storage the application serves from.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (bounded).
    ///
    /// hyper-util's connection builder rather than `axum::serve`, because only it exposes the
    /// head size and header-read timeout (see [`ConnectionLimits`]).
    ///
    /// At the connection limit the loop stops accepting rather than accepting and dropping: the
    /// kernel's accept queue holds the next clients, who are served as soon as a slot frees up
    /// (the timeouts guarantee one does), instead of being reset; nothing is read from them, so
    /// they cost no memory here.
    pub async fn run_until<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let builder = self.limits.builder();
        let slots = Arc::new(Semaphore::new(self.limits.max_connections));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        if self.engine.workers > 0 {
            let mut stopped = stopped.clone();
            crate::engine::spawn(
                self.state.connect.clone(),
                self.engine.clone(),
                &self.state.engine,
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            );
            // Schedules fire where runs are executed: an API-only replica (no workers) leaves
            // them to the others.
            let mut scheduler_stopped = stop.subscribe();
            crate::engine::scheduler::spawn(
                self.store.clone(),
                self.engine.clone(),
                self.state.engine.clone(),
                async move {
                    let _ = scheduler_stopped.wait_for(|stop| *stop).await;
                },
            );
        }
        if self.webhooks.workers > 0 {
            let mut stopped = stopped.clone();
            crate::webhooks_out::worker::spawn(
                self.store.clone(),
                self.state.connect.keys.clone(),
                self.egress,
                self.webhooks.clone(),
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            )
            .map_err(crate::error::ServerError::ProviderClient)?;
        }
        let mut housekeeping_stopped = stop.subscribe();
        crate::housekeeping::spawn(self.store.clone(), self.housekeeping, async move {
            let _ = housekeeping_stopped.wait_for(|stop| *stop).await;
        });
        tokio::pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            match accepted {
                Ok(accepted) => connection::spawn(
                    &builder,
                    self.limits,
                    accepted,
                    self.router.clone(),
                    stopped.clone(),
                    slot,
                ),
                Err(error) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        let _ = stop.send(true);
        drop(self.listener);
        // Every connection holds a slot until its task ends: all slots back means all done.
        let all = u32::try_from(self.limits.max_connections).unwrap_or(u32::MAX);
        if tokio::time::timeout(DRAIN_TIMEOUT, slots.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; stopping anyway");
        }
        Ok(())
    }
}

/// `paragon serve`: builds the application, prints its URL on stdout (scripts and tests read
/// that line to learn the port) and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> Result<(), ServerError> {
    let app = Application::build(config).await?;
    println!("paragon listening on {}", app.base_url());
    tracing::info!(addr = %app.local_addr(), "serving");
    app.run_until(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed the server simply runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
