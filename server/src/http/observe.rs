//! A request id on every request and answer (`x-request-id`), and a trace span per request.
//!
//! The span records the method and the path only: query strings and headers are left out so
//! that nothing a client sends by mistake (a token in a query) can reach the log.

use axum::{Router, http::Request};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub fn layer(routes: Router) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
    })
    // One line per answer at INFO (status and latency); the request line itself is DEBUG.
    .on_response(DefaultOnResponse::new().level(Level::INFO));
    // Layers run outside-in in reverse order of `.layer` calls: set the id, then trace with
    // it, then copy it onto the answer.
    routes
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
