//! One accepted connection: the limits it is served under and the task that drives it until it
//! ends, idles out or the server stops.
//!
//! A slow client costs a socket and a read buffer for as long as the server waits for it, so
//! every wait has an end: hyper's header-read timeout bounds the wait for a request head, the
//! idle timeout bounds a connection with no request in flight (including one that never sends a
//! byte, which hyper-util's protocol sniffing would otherwise wait on forever), and the request
//! timeout bounds the time from a complete head to the response head.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Json,
    extract::ConnectInfo,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use hyper::{Request, body::Incoming};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use paragon_protocol::{ErrorBody, ErrorCode};
use tokio::{
    net::TcpStream,
    sync::{OwnedSemaphorePermit, watch},
};
use tower::ServiceExt;

use crate::error::ServerError;

/// hyper's smallest read buffer; the token check reads `Authorization` headers up to 8 KB too.
const MIN_HEADER_BYTES: usize = 8 * 1024;
/// A head larger than this is not a request anyone means to send.
const MAX_HEADER_BYTES: usize = 16 * 1024 * 1024;
/// Far above any real deployment; keeps the semaphore's `acquire_many(u32)` drain in range.
const MAX_CONNECTIONS: usize = 1_000_000;
/// HTTP/2 streams one connection may have open at once (RFC 9113 section 6.5.2,
/// SETTINGS_MAX_CONCURRENT_STREAMS): a browser opens a handful; h2's own default is unbounded.
const MAX_STREAMS_PER_CONNECTION: u32 = 100;
/// HTTP/2 keep-alive pings find peers that vanished without a FIN, so their slots free up.
const H2_PING_EVERY: Duration = Duration::from_secs(30);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// The limits every connection is served under (`paragon serve --help` has the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a complete HTTP/1 request head, counted from when the
    /// server starts waiting for it (the connection opened, or the previous response was sent).
    pub header_read_timeout: Duration,
    /// How long a request may take from its complete head to the response's head.
    pub request_timeout: Duration,
    /// How long a connection may stay open with no request in flight (HTTP/1 and HTTP/2).
    pub idle_timeout: Duration,
    /// Connections served at once; further clients wait in the kernel's accept queue.
    pub max_connections: usize,
    /// The largest request head (HTTP/1 request line and headers, HTTP/2 header list), and so
    /// the most one connection's read buffer holds.
    pub max_header_bytes: usize,
}

impl Default for ConnectionLimits {
    /// The defaults of `paragon serve`.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_header_bytes: 64 * 1024,
        }
    }
}

impl ConnectionLimits {
    /// Checks the sizes are in range, so that hyper's own assertions can never fire.
    pub fn check(self) -> Result<Self, ServerError> {
        if !(MIN_HEADER_BYTES..=MAX_HEADER_BYTES).contains(&self.max_header_bytes) {
            return Err(ServerError::Usage(format!(
                "--max-header-bytes {} must be between {MIN_HEADER_BYTES} and {MAX_HEADER_BYTES}",
                self.max_header_bytes
            )));
        }
        if !(1..=MAX_CONNECTIONS).contains(&self.max_connections) {
            return Err(ServerError::Usage(format!(
                "--max-connections {} must be between 1 and {MAX_CONNECTIONS}",
                self.max_connections
            )));
        }
        Ok(self)
    }

    /// The connection builder for both protocols under these limits.
    pub(crate) fn builder(&self) -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // The read buffer's cap is what bounds a head still being sent: hyper answers 431 and
        // closes once a head outgrows it, complete or not.
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(self.max_header_bytes);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX))
            .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
            .keep_alive_interval(H2_PING_EVERY)
            .keep_alive_timeout(H2_PING_TIMEOUT);
        builder
    }
}

/// Serves one accepted connection on its own task until it ends, has been idle for the idle
/// timeout, or `stop` turns true; `permit` is its slot under the connection limit.
pub(crate) fn spawn(
    builder: &auto::Builder<TokioExecutor>,
    limits: ConnectionLimits,
    (stream, peer): (TcpStream, SocketAddr),
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) {
    let (in_flight, mut watched) = watch::channel(0_usize);
    let in_flight = Arc::new(in_flight);
    let counter = in_flight.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        // The peer's address, for handlers that throttle by source.
        request.extensions_mut().insert(ConnectInfo(peer));
        let busy = Busy::begin(counter.clone());
        let router = router.clone();
        let path = request.uri().path().to_owned();
        async move {
            let _busy = busy;
            let answer = router.oneshot(request);
            Ok::<_, Infallible>(within(limits.request_timeout, answer, &path).await)
        }
    });
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), service)
        .into_owned();
    tokio::spawn(async move {
        let _permit = permit;
        // Held here too, so `changed()` below can only fail once the connection is gone.
        let _in_flight = in_flight;
        tokio::pin!(connection);
        let ended = loop {
            let idle = *watched.borrow_and_update() == 0;
            tokio::select! {
                result = connection.as_mut() => break Ended::Closed(result),
                changed = watched.changed() => match changed {
                    // A request began or ended: the idle clock starts again from now.
                    Ok(()) => continue,
                    Err(_) => break Ended::Idle,
                },
                () = tokio::time::sleep(limits.idle_timeout), if idle => break Ended::Idle,
                _ = stop.wait_for(|stop| *stop) => break Ended::Stopping,
            }
        };
        // Graceful first: an HTTP/1 response still being written is finished, HTTP/2 gets a
        // GOAWAY. An idle connection then has one more idle timeout to go before it is dropped,
        // because an HTTP/2 peer that never acknowledges the GOAWAY's PING (or a client that
        // does not read its answer) would hold it open; the server's drain bounds a stop.
        let result = match ended {
            Ended::Closed(result) => result,
            Ended::Stopping => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
            Ended::Idle => {
                connection.as_mut().graceful_shutdown();
                match tokio::time::timeout(limits.idle_timeout, connection).await {
                    Ok(result) => result,
                    Err(_) => Ok(()),
                }
            }
        };
        if let Err(error) = result {
            tracing::debug!(%error, %peer, "connection closed with an error");
        }
    });
}

/// Why a connection's task stopped waiting.
enum Ended {
    /// The connection finished on its own.
    Closed(Result<(), Box<dyn std::error::Error + Send + Sync>>),
    /// No request in flight for the idle timeout.
    Idle,
    /// The server is shutting down.
    Stopping,
}

/// One request in flight on a connection, for as long as its response future runs.
struct Busy(Arc<watch::Sender<usize>>);

impl Busy {
    fn begin(counter: Arc<watch::Sender<usize>>) -> Self {
        counter.send_modify(|count| *count += 1);
        Self(counter)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.send_modify(|count| *count = count.saturating_sub(1));
    }
}

/// The router's answer, or the protocol's error body once `limit` has passed.
async fn within<F>(limit: Duration, answer: F, path: &str) -> Response
where
    F: Future<Output = Result<Response, Infallible>>,
{
    match tokio::time::timeout(limit, answer).await {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(_) => {
            tracing::warn!(?limit, path, "request timed out");
            let body = ErrorBody {
                message: format!(
                    "the request did not complete within the server's limit of {} s; try again",
                    limit.as_secs()
                ),
                code: ErrorCode::Internal,
            };
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
