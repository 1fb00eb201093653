//! `/metrics`: what an operator's Prometheus reads, and who may read it.

use crate::builders::{Team, candidate, job, plan, stage};
use crate::support::{TestApp, TestDb};

/// The value of the first sample line that starts with `series`.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[test]
fn an_operator_on_the_machine_reads_requests_by_route_with_their_statements() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::with_interviewers(&app, 1);
    let interviewer = &interviewers[0];
    let job = job("Metrics job").create(&mut manager.api);
    plan()
        .stage(0, stage().interviewers([interviewer.id]))
        .apply(&mut manager.api, job.loop_id);
    let ada = candidate("Ada").on(&job).create(&mut recruiter.api);
    let mut kit_reader = interviewer.browser();
    let kit = format!("/stages/{}/kit", ada.stages[0]);
    let (statements, page) = app.count_queries(|| kit_reader.get(&kit));
    assert_eq!(page.status, 200, "{}", page.body);

    let mut operator = app.browser();
    let scraped = operator.get("/metrics");
    assert_eq!(scraped.status, 200, "{}", scraped.body);
    assert!(
        scraped
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        scraped.headers
    );
    let text = &scraped.body;
    let kit_series = r#"{route="/stages/{id}/kit"#;
    assert_eq!(
        sample(
            text,
            &format!(r#"loopwright_http_requests_total{kit_series}",method="GET",status="200"}}"#)
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            text,
            &format!("loopwright_sql_statements_per_request_sum{kit_series}\"}}")
        ),
        Some(statements as f64),
        "the statements the pool counted for the page: {text}"
    );
    assert!(
        sample(
            text,
            &format!("loopwright_http_request_duration_seconds_count{kit_series}\"}}")
        ) == Some(1.0),
        "{text}"
    );
    for gauge in [
        "loopwright_db_pool_connections_in_use",
        "loopwright_db_pool_waiting",
        "loopwright_password_hashes_in_flight",
        "loopwright_outbox_queued",
        "loopwright_outbox_failed",
        "loopwright_outbox_oldest_queued_age_seconds",
        "loopwright_webhook_deliveries_queued",
        "loopwright_webhook_deliveries_failed",
        "loopwright_webhook_deliveries_oldest_queued_age_seconds",
        "loopwright_reminders_sent_total",
    ] {
        assert!(sample(text, gauge).is_some(), "{gauge} missing: {text}");
    }
    // The team's invitations are not mail here, but the candidate's
    // confirmation is not sent either: nothing is queued by this test.
    assert_eq!(sample(text, "loopwright_outbox_failed"), Some(0.0));
    // A request that matched no route is labelled as such, not by its path.
    let _ = operator.get("/no/such/page/12345");
    let text = operator.get("/metrics").body;
    assert!(text.contains(r#"route="(no route)""#), "{text}");
    assert!(!text.contains("12345"), "{text}");
}

#[test]
fn metrics_are_refused_through_a_proxy_and_without_the_configured_token() {
    let app = TestApp::spawn();
    let mut proxied = app.browser();
    proxied
        .extra_headers
        .push(("X-Forwarded-For".into(), "203.0.113.7".into()));
    let refused = proxied.get("/metrics");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("LOOPWRIGHT_METRICS_TOKEN"),
        "{}",
        refused.body
    );

    let token = "a-long-scrape-token-0123456789";
    let app = TestApp::spawn_with(TestDb::new(), |config| {
        config.metrics_token = Some(token.into());
    });
    assert_eq!(app.browser().get("/metrics").status, 403, "token required");
    let mut wrong = app.browser();
    wrong.bearer = Some("a-long-guessed-token-012345".into());
    assert_eq!(wrong.get("/metrics").status, 403);
    let mut scraper = app.browser();
    scraper.bearer = Some(token.into());
    let read = scraper.get("/metrics");
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(read.body.ends_with("# EOF\n"), "{}", read.body);
}
