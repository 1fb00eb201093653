//! `GET /metrics`: the server's figures for a Prometheus scraper.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::Snapshot;
use crate::error::AppError;
use crate::web::{State, db};

/// OpenMetrics 1.0 text (Prometheus reads it), or 403 unless the reader is
/// allowed by [`crate::access::may_read_metrics`].
pub async fn show(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let proxied = req.headers().contains_key(header::FORWARDED)
        || req.headers().contains_key("x-forwarded-for");
    if !crate::access::may_read_metrics(
        req.peer_addr().map(|a| a.ip()),
        proxied,
        bearer,
        state.config.metrics_token.as_deref(),
    ) {
        return Err(AppError::Forbidden(
            "Metrics are read from this machine, or with the token LOOPWRIGHT_METRICS_TOKEN sets."
                .into(),
        ));
    }
    let (outbox, webhook_deliveries) = db(&state, |conn| {
        let now = crate::db::models::now();
        Ok((
            crate::mail::tally(conn, now)?,
            crate::webhooks::queue::tally(conn, now)?,
        ))
    })
    .await?;
    let pool = state.pool.state();
    let text = state
        .metrics
        .encode(Snapshot {
            pool_connections: pool.connections,
            pool_idle: pool.idle_connections,
            hashes_in_flight: state.hashing.in_flight(),
            outbox,
            webhook_deliveries,
        })
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
