//! What the running server reports about itself: `GET /metrics` in the
//! Prometheus text format (OpenMetrics 1.0, through `prometheus-client`),
//! and one debug log line per request with its SQL statement count.
//!
//! Request figures are recorded as requests finish ([`request::observe`]);
//! gauges of things that live elsewhere (the pool, password hashes, the
//! outbox) are read when the metrics are scraped, so nothing has to keep
//! them up to date.

pub mod page;
pub mod request;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

use chrono::NaiveDateTime;

use crate::domain::DeliveryStatus;

/// A request by the route that answered it (its pattern, such as
/// `/stages/{id}/kit`, so the label set stays as small as the route table),
/// method and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

/// Seconds: 0.5 ms to about 8 s, doubling.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// Statements: 1 to 256, doubling (0 lands in the first bucket).
fn statement_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 9))
}

/// The server's figures. Cheap to clone: every metric is shared.
#[derive(Clone)]
pub struct Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    statements: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Requests waiting for a database connection right now.
    pub pool_waiting: Gauge,
    pool_in_use: Gauge,
    pool_idle: Gauge,
    hashes_in_flight: Gauge,
    outbox: QueueGauges,
    webhook_deliveries: QueueGauges,
    /// Scorecard reminders and escalations queued by the background task.
    pub reminders_sent: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_buckets),
            statements: Family::new_with_constructor(statement_buckets),
            pool_waiting: Gauge::default(),
            pool_in_use: Gauge::default(),
            pool_idle: Gauge::default(),
            hashes_in_flight: Gauge::default(),
            outbox: QueueGauges::default(),
            webhook_deliveries: QueueGauges::default(),
            reminders_sent: Counter::default(),
        }
    }
}

/// A queue of deliveries at a glance (the email outbox, the webhook
/// outbox), for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueTally {
    /// Waiting to be sent: new, being sent, or due for another attempt.
    pub queued: i64,
    /// Given up on.
    pub failed: i64,
    /// Seconds since the oldest waiting one was queued; `None` when none waits.
    pub oldest_queued_seconds: Option<f64>,
}

impl QueueTally {
    /// The states a tally reads: what it counts, never what was sent.
    pub const COUNTED: [DeliveryStatus; 3] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Sending,
        DeliveryStatus::Failed,
    ];

    /// From a queue's rows grouped by state: `(state, rows, oldest
    /// created_at)`, at `now`.
    pub fn of_groups(
        groups: impl IntoIterator<Item = (DeliveryStatus, i64, Option<NaiveDateTime>)>,
        now: NaiveDateTime,
    ) -> Self {
        let mut tally = QueueTally::default();
        for (state, count, oldest) in groups {
            match state {
                DeliveryStatus::Failed => tally.failed += count,
                DeliveryStatus::Sent => {}
                DeliveryStatus::Queued | DeliveryStatus::Sending => {
                    tally.queued += count;
                    let age = oldest.map(|at| (now - at).num_milliseconds().max(0) as f64 / 1000.0);
                    tally.oldest_queued_seconds = match (tally.oldest_queued_seconds, age) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
        }
        tally
    }
}

/// The three gauges of a [`QueueTally`].
#[derive(Clone, Default)]
struct QueueGauges {
    queued: Gauge,
    failed: Gauge,
    oldest_age: Gauge<f64, AtomicU64>,
}

impl QueueGauges {
    fn set(&self, tally: QueueTally) {
        self.queued.set(tally.queued);
        self.failed.set(tally.failed);
        self.oldest_age
            .set(tally.oldest_queued_seconds.unwrap_or(0.0));
    }

    /// As `<name>_queued`, `<name>_failed` and
    /// `<name>_oldest_queued_age_seconds`; `what` names the queue's items
    /// in the help texts ("Emails").
    fn register(&self, registry: &mut Registry, name: &str, what: &str) {
        registry.register(
            format!("{name}_queued"),
            format!("{what} waiting to be sent (new or to retry)"),
            self.queued.clone(),
        );
        registry.register(
            format!("{name}_failed"),
            format!("{what} given up after their last attempt"),
            self.failed.clone(),
        );
        registry.register_with_unit(
            format!("{name}_oldest_queued_age"),
            format!("{what}: age of the oldest still waiting, 0 when none waits"),
            Unit::Seconds,
            self.oldest_age.clone(),
        );
    }
}

/// What is read at scrape time from the parts that own it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub hashes_in_flight: usize,
    pub outbox: QueueTally,
    pub webhook_deliveries: QueueTally,
}

impl Metrics {
    /// Records one finished request.
    pub fn record_request(&self, labels: RequestLabels, seconds: f64, statements: u64) {
        let route = RouteLabels {
            route: labels.route.clone(),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&route).observe(seconds);
        self.statements
            .get_or_create(&route)
            .observe(statements as f64);
    }

    /// The text a scraper reads, with `snapshot`'s gauges set first.
    /// Errors only if writing to a `String` fails, which it does not.
    pub fn encode(&self, snapshot: Snapshot) -> Result<String, std::fmt::Error> {
        let in_use = snapshot.pool_connections.saturating_sub(snapshot.pool_idle);
        self.pool_in_use.set(i64::from(in_use));
        self.pool_idle.set(i64::from(snapshot.pool_idle));
        self.hashes_in_flight
            .set(i64::try_from(snapshot.hashes_in_flight).unwrap_or(i64::MAX));
        self.outbox.set(snapshot.outbox);
        self.webhook_deliveries.set(snapshot.webhook_deliveries);

        let mut registry = Registry::with_prefix("loopwright");
        registry.register(
            "http_requests",
            "Requests answered, by route pattern, method and status",
            self.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from request to response, by route pattern",
            Unit::Seconds,
            self.latency.clone(),
        );
        registry.register(
            "sql_statements_per_request",
            "SQL statements one request ran, by route pattern",
            self.statements.clone(),
        );
        registry.register(
            "db_pool_connections_in_use",
            "Pooled connections checked out by requests",
            self.pool_in_use.clone(),
        );
        registry.register(
            "db_pool_connections_idle",
            "Pooled connections open and free",
            self.pool_idle.clone(),
        );
        registry.register(
            "db_pool_waiting",
            "Requests waiting for a pooled connection",
            self.pool_waiting.clone(),
        );
        registry.register(
            "password_hashes_in_flight",
            "Password hashes running or waiting for a slot",
            self.hashes_in_flight.clone(),
        );
        self.outbox.register(&mut registry, "outbox", "Emails");
        self.webhook_deliveries
            .register(&mut registry, "webhook_deliveries", "Webhook deliveries");
        registry.register(
            "reminders_sent",
            "Scorecard reminders and escalations queued",
            self.reminders_sent.clone(),
        );
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_counts_waiting_and_given_up_and_ages_the_oldest_waiting() {
        let at = |minute: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
                .and_then(|d| d.and_hms_opt(10, minute, 0))
                .unwrap()
        };
        let tally = QueueTally::of_groups(
            [
                (DeliveryStatus::Queued, 3, Some(at(50))),
                (DeliveryStatus::Sending, 1, Some(at(40))),
                (DeliveryStatus::Failed, 2, Some(at(0))),
                (DeliveryStatus::Sent, 7, Some(at(1))),
            ],
            at(55),
        );
        assert_eq!(
            tally,
            QueueTally {
                queued: 4,
                failed: 2,
                oldest_queued_seconds: Some(15.0 * 60.0),
            }
        );
        assert_eq!(QueueTally::of_groups([], at(55)), QueueTally::default());
    }

    #[test]
    fn the_text_carries_each_request_by_route_and_the_scraped_gauges() {
        let metrics = Metrics::default();
        let labels = RequestLabels {
            route: "/stages/{id}/kit".into(),
            method: "GET".into(),
            status: 200,
        };
        metrics.record_request(labels.clone(), 0.003, 12);
        metrics.record_request(labels, 0.004, 12);
        metrics.reminders_sent.inc_by(3);
        let text = metrics
            .encode(Snapshot {
                pool_connections: 5,
                pool_idle: 2,
                hashes_in_flight: 1,
                outbox: QueueTally {
                    queued: 4,
                    failed: 1,
                    oldest_queued_seconds: Some(90.0),
                },
                webhook_deliveries: QueueTally {
                    queued: 0,
                    failed: 2,
                    oldest_queued_seconds: None,
                },
            })
            .unwrap();
        assert!(text.contains(
            r#"loopwright_http_requests_total{route="/stages/{id}/kit",method="GET",status="200"} 2"#
        ), "{text}");
        assert!(
            text.contains(
                r#"loopwright_sql_statements_per_request_sum{route="/stages/{id}/kit"} 24.0"#
            ),
            "{text}"
        );
        assert!(
            text.contains("loopwright_db_pool_connections_in_use 3"),
            "{text}"
        );
        assert!(text.contains("loopwright_outbox_queued 4"), "{text}");
        assert!(
            text.contains("loopwright_outbox_oldest_queued_age_seconds 90.0"),
            "{text}"
        );
        assert!(
            text.contains("loopwright_webhook_deliveries_failed 2"),
            "{text}"
        );
        assert!(
            text.contains("loopwright_webhook_deliveries_oldest_queued_age_seconds 0.0"),
            "{text}"
        );
        assert!(text.contains("loopwright_reminders_sent_total 3"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
