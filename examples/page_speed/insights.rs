//! `cargo run --release --example page_speed -- insights [CANDIDATES]`: the
//! Insights pages and API on the demo data set (default 2,000 candidates,
//! 40 interviewers), one request at a time: p50 and p95 of 40 timed
//! requests after 5 warm-ups, and the SQL statements one request costs.

use std::time::Instant;

use loopwright::config::DatabaseUrl;
use loopwright::db::models::now;
use loopwright::insights::demo::{self, DemoOptions};
use serde_json::{Value, json};

use crate::support;

const WARM_UP: usize = 5;
const TIMED: usize = 40;

pub fn run(candidates: usize) {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let config = support::config(
        dir.path(),
        DatabaseUrl::Sqlite(dir.path().join("insights.db")),
    );
    let started = Instant::now();
    let (base, queries, report) = support::serve(config, move |app| {
        let report = demo::generate(
            &mut app.pool().get().expect("connection"),
            DemoOptions {
                candidates,
                seed: 1,
            },
            now(),
        )
        .expect("demo data");
        (app.public_url().to_owned(), app.queries(), report)
    });
    eprintln!(
        "{report}\n(generated in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let token = |email: &str| -> String {
        let body: Value = agent
            .post(format!("{base}/api/v1/auth/login"))
            .send_json(json!({"email": email, "password": demo::PASSWORD}))
            .expect("sign in")
            .body_mut()
            .read_json()
            .expect("json");
        body["token"].as_str().expect("token").to_owned()
    };
    let admin = token(&report.admin_email);
    let manager = token("morgan@example.com");
    let interviewer = token(&report.lenient.2);
    let question = report.never_separating.0;
    let question_page = format!("/insights/questions/{question}");
    let pages: Vec<(&str, &str, &str)> = vec![
        ("calibration page (admin, all jobs)", "/insights", &admin),
        (
            "calibration page (interviewer, own)",
            "/insights",
            &interviewer,
        ),
        ("agreement page", "/insights/criteria", &admin),
        ("questions page", "/insights/questions?sort=signal", &admin),
        ("question page", &question_page, &admin),
        ("interviewers API", "/api/v1/insights/interviewers", &admin),
        (
            "interviewers API (hiring manager)",
            "/api/v1/insights/interviewers",
            &manager,
        ),
        ("criteria API", "/api/v1/insights/criteria", &admin),
        (
            "questions API",
            "/api/v1/insights/questions?sort=use",
            &admin,
        ),
    ];
    println!(
        "one request at a time; {TIMED} timed after {WARM_UP} warm-ups; {candidates} candidates"
    );
    println!();
    println!("| page | p50 | p95 | statements |");
    println!("|---|---:|---:|---:|");
    for (label, path, token) in pages {
        let get = || {
            let mut res = agent
                .get(format!("{base}{path}"))
                .header("Authorization", format!("Bearer {token}"))
                .call()
                .expect("the app answers");
            let status = res.status().as_u16();
            let _ = res.body_mut().read_to_string();
            assert_eq!(status, 200, "{label}: {path}");
        };
        for _ in 0..WARM_UP {
            get();
        }
        let before = queries.get();
        get();
        let statements = queries.get() - before;
        let mut times: Vec<f64> = (0..TIMED)
            .map(|_| {
                let t = Instant::now();
                get();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "| {label} | {:.1} ms | {:.1} ms | {statements} |",
            at(0.5),
            at(0.95)
        );
    }
}
