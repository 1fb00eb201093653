//! Sends queued webhook deliveries: one POST per delivery, signed, within a
//! timeout; a 2xx answer is delivered, anything else is tried again later.

use std::time::{Duration, Instant};

use super::queue::{Delivery, Outcome, Recorded, claim_next, record};
use super::signature;
use crate::db::DbPool;
use crate::db::models::now;
use crate::db::schema::webhooks;

/// The longest one delivery may take (connect, send, answer).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Deliveries sent per round before the worker looks again.
const ROUND: usize = 20;

pub struct Worker {
    pub pool: DbPool,
    /// The first retry delay (it doubles, up to an hour).
    pub retry_base: Duration,
    /// How often it looks for due deliveries.
    pub poll_every: Duration,
    pub send_timeout: Duration,
}

impl Worker {
    /// Runs until the process stops.
    pub async fn run(self) {
        let agent = agent(self.send_timeout);
        loop {
            let handled = match self.deliver_due(&agent).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhooks: could not claim deliveries");
                    0
                }
            };
            if handled < ROUND {
                tokio::time::sleep(self.poll_every).await;
            }
        }
    }

    /// Sends up to [`ROUND`] due deliveries, claiming each just before
    /// sending it; answers how many it handled.
    pub async fn deliver_due(&self, agent: &ureq::Agent) -> Result<usize, String> {
        // Twice the send's timeout, so that recording the outcome and a
        // clock behind in another process fit in the lease.
        let lease = chrono::Duration::from_std(self.send_timeout.saturating_mul(2))
            .unwrap_or(chrono::Duration::minutes(1));
        for handled in 0..ROUND {
            let pool = self.pool.clone();
            let claimed = actix_web::web::block(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                let Some(delivery) =
                    claim_next(&mut conn, now(), lease).map_err(|e| e.to_string())?
                else {
                    return Ok(None);
                };
                use crate::db::prelude::*;
                let target: Option<(String, String)> = webhooks::table
                    .find(delivery.webhook_id)
                    .select((webhooks::url, webhooks::secret))
                    .first(&mut conn)
                    .optional()
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(target.map(|t| (delivery, t)))
            })
            .await
            .map_err(|e| e.to_string())??;
            let Some((delivery, (url, secret))) = claimed else {
                return Ok(handled);
            };
            let agent = agent.clone();
            let body = delivery.body.clone();
            let (id, event) = (delivery.id, delivery.event.clone());
            let outcome =
                actix_web::web::block(move || send(&agent, &url, &secret, id, &event, &body))
                    .await
                    .unwrap_or_else(|e| Outcome {
                        status_code: None,
                        error: Some(format!("could not send: {e}")),
                        duration_ms: 0,
                    });
            self.record(delivery, outcome).await;
        }
        Ok(ROUND)
    }

    async fn record(&self, delivery: Delivery, outcome: Outcome) {
        let pool = self.pool.clone();
        let retry_base = self.retry_base;
        let recorded = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let recorded = record(&mut conn, &delivery, &outcome, now(), retry_base)
                .map_err(|e| e.to_string())?;
            match recorded {
                Recorded::Sent => {
                    tracing::info!(id = delivery.id, event = %delivery.event, "webhooks: delivered")
                }
                Recorded::Retrying => tracing::warn!(
                    id = delivery.id, attempts = delivery.attempts, error = ?outcome.error,
                    "webhooks: delivery failed; will retry"
                ),
                Recorded::GaveUp => tracing::warn!(
                    id = delivery.id, attempts = delivery.attempts, error = ?outcome.error,
                    "webhooks: delivery failed; giving up"
                ),
                Recorded::Stale => {}
            }
            Ok::<_, String>(())
        })
        .await;
        if let Err(e) | Ok(Err(e)) = recorded.map_err(|e| e.to_string()) {
            tracing::error!(error = %e, "webhooks: could not record a delivery outcome");
        }
    }
}

/// An HTTP client that answers every status (none is an error here),
/// follows no redirect and gives up after `timeout`.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("Loopwright-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// POSTs one delivery, signed now; a 2xx is delivered.
pub fn send(
    agent: &ureq::Agent,
    url: &str,
    secret: &str,
    delivery_id: i64,
    event: &str,
    body: &str,
) -> Outcome {
    let started = Instant::now();
    let timestamp = chrono::Utc::now().timestamp();
    let answer = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("Loopwright-Event", event)
        .header("Loopwright-Delivery", delivery_id.to_string())
        .header(
            signature::HEADER,
            signature::header_value(secret, timestamp, body),
        )
        .send(body.as_bytes());
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            Outcome {
                status_code: Some(i64::from(status)),
                error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
                duration_ms,
            }
        }
        Err(e) => Outcome {
            status_code: None,
            error: Some(short(&e.to_string())),
            duration_ms,
        },
    }
}

/// An error as the log keeps it: one line, at most 300 characters.
fn short(text: &str) -> String {
    let line = text.replace(['\r', '\n'], " ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
