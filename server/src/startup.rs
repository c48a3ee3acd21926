//! Building and running the application: [`Application::build`] opens the storage and binds the
//! socket, so a test can ask for port 0 and read the real address before serving starts.

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::extract::ConnectInfo;
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::{
    cli::ServeArgs,
    config::ServeConfig,
    error::ServerError,
    http::{self, AppState},
    storage::{self, Store},
};

/// The largest request head (request line and headers) read before answering. Far above
/// hyper's ~400 KB default so that an oversized `Authorization` header reaches the token check
/// and gets the protocol's 401 JSON body instead of a bare 431 (the token check itself refuses
/// anything over 8 KB at once).
const MAX_REQUEST_HEAD_BYTES: usize = 2 * 1024 * 1024;
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
    housekeeping: crate::housekeeping::HousekeepingConfig,
}

impl Application {
    /// Opens the storage (running its migrations), builds the router and binds the socket.
    pub async fn build(config: ServeConfig) -> Result<Self, ServerError> {
        let store = storage::open(&config.storage).await?;
        Self::build_with_store(config, store).await
    }

    /// Like [`Application::build`] with a storage the caller opened (tests pick a schema).
    pub async fn build_with_store(config: ServeConfig, store: Store) -> Result<Self, ServerError> {
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let bound = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: config.addr,
            source,
        })?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        let state = AppState::new(&config, store.clone(), public_url);
        let router = http::router(state.clone());
        Ok(Self {
            listener,
            router,
            store,
            state,
            engine: config.engine,
            housekeeping: config.housekeeping,
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
    /// hyper-util's connection builder rather than `axum::serve`, because only it lets the
    /// request-head limit be raised (see [`MAX_REQUEST_HEAD_BYTES`]).
    pub async fn run_until<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().max_buf_size(MAX_REQUEST_HEAD_BYTES);
        builder
            .http2()
            .max_header_list_size(MAX_REQUEST_HEAD_BYTES as u32);
        let graceful = GracefulShutdown::new();
        let (stop_engine, engine_stopped) = tokio::sync::watch::channel(false);
        if self.engine.workers > 0 {
            let mut stopped = engine_stopped;
            crate::engine::spawn(
                self.state.connect.clone(),
                self.engine.clone(),
                &self.state.engine,
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            );
        }
        let mut stopped = stop_engine.subscribe();
        crate::housekeeping::spawn(self.store.clone(), self.housekeeping, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        });
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            // EMFILE and friends: back off instead of spinning.
                            tracing::warn!(%error, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    // The peer's address, for handlers that throttle by source.
                    let router = self.router.clone().map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
                        request.extensions_mut().insert(ConnectInfo(peer));
                        request
                    });
                    let service = TowerToHyperService::new(router);
                    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection.into_owned());
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%error, "connection closed with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        let _ = stop_engine.send(true);
        drop(self.listener);
        if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
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
pub async fn serve(args: ServeArgs) -> Result<(), ServerError> {
    let config = ServeConfig::try_from(args)?;
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
