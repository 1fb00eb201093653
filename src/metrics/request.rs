//! Per-request figures: how long it took and how many SQL statements it ran.
//!
//! Statements run on the blocking pool, not on the request's task, so
//! [`crate::web::db`] counts those of its own call on the thread that ran
//! them and adds them here ([`add_statements`]); the middleware holds the
//! request's tally in a task-local for as long as the handler runs.

use std::cell::Cell;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::RequestLabels;
use crate::web::AppState;

tokio::task_local! {
    static STATEMENTS: Cell<u64>;
}

/// Adds `n` statements to the current request's tally; outside a request
/// (background tasks) it does nothing.
pub fn add_statements(n: u64) {
    let _ = STATEMENTS.try_with(|tally| tally.set(tally.get() + n));
}

/// Middleware: times the request, counts its statements, records both by
/// route in the server's [`super::Metrics`] and logs one line at `debug`
/// (target `loopwright::request`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let (answer, statements) = STATEMENTS
        .scope(Cell::new(0), async {
            let answer = next.call(req).await;
            (answer, STATEMENTS.with(Cell::get))
        })
        .await;
    let response = answer?;
    let elapsed = started.elapsed();
    let request = response.request();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let status = response.status().as_u16();
    tracing::debug!(
        target: "loopwright::request",
        method = %request.method(),
        path = request.path(),
        route = %route,
        status,
        statements,
        ms = elapsed.as_secs_f64() * 1000.0,
        "answered"
    );
    if let Some(metrics) = metrics {
        metrics.record_request(
            RequestLabels {
                route,
                method: request.method().as_str().to_owned(),
                status,
            },
            elapsed.as_secs_f64(),
            statements,
        );
    }
    Ok(response)
}
