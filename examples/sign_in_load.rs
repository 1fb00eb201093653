//! Sign-in throughput and page latency under sign-in load.
//!
//! `cargo run --release --example sign_in_load` starts the real app on a
//! temporary SQLite database, adds one user, then prints: the time of one
//! sign-in, sign-ins per second with several clients at once, and the
//! latency of the home page when idle and while those sign-ins run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use loopwright::config::DatabaseUrl;
use loopwright::db::models::{User, UserInsertForm, now};

mod support;

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "benchmark passphrase 2026";

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn sign_in(agent: &ureq::Agent, base: &str) -> u16 {
    agent
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(serde_json::json!({"email": EMAIL, "password": PASSWORD}))
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn page_latencies(base: &str, n: usize) -> Vec<Duration> {
    let agent = new_agent();
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let res = agent.get(format!("{base}/")).call().expect("home page");
            assert_eq!(res.status().as_u16(), 200);
            t.elapsed()
        })
        .collect()
}

fn main() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let config = support::config(dir.path(), DatabaseUrl::Sqlite(dir.path().join("bench.db")));
    let base = support::serve(config, |app| {
        let hash = loopwright::auth::password::hash(PASSWORD).expect("hash");
        let at = now();
        User::create(
            &mut app.pool().get().expect("connection"),
            &UserInsertForm::active(EMAIL, "Bench", "interviewer", &hash, at),
        )
        .expect("user");
        app.public_url().to_owned()
    });

    let agent = new_agent();
    let mut single: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(sign_in(&agent, &base), 200);
            t.elapsed()
        })
        .collect();
    println!(
        "one sign-in (argon2id m=19MiB t=2 p=1, over HTTP): median {:.1} ms, p90 {:.1} ms",
        percentile(&mut single, 0.5).as_secs_f64() * 1e3,
        percentile(&mut single, 0.9).as_secs_f64() * 1e3
    );

    let mut idle = page_latencies(&base, 200);
    println!(
        "home page, idle: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&mut idle, 0.5).as_secs_f64() * 1e3,
        percentile(&mut idle, 0.99).as_secs_f64() * 1e3
    );

    for clients in [2, 4, 8] {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (stop, done, base) = (stop.clone(), done.clone(), base.clone());
                std::thread::spawn(move || {
                    let agent = new_agent();
                    while !stop.load(Ordering::Relaxed) {
                        if sign_in(&agent, &base) == 200 {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        let start_count = done.load(Ordering::Relaxed);
        let start = Instant::now();
        let mut loaded = page_latencies(&base, 100);
        std::thread::sleep(Duration::from_secs(3).saturating_sub(start.elapsed()));
        let rate =
            (done.load(Ordering::Relaxed) - start_count) as f64 / start.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            let _ = w.join();
        }
        println!(
            "{clients} clients signing in: {rate:.1} sign-ins/s; home page meanwhile p50 {:.2} ms, p99 {:.2} ms",
            percentile(&mut loaded, 0.5).as_secs_f64() * 1e3,
            percentile(&mut loaded, 0.99).as_secs_f64() * 1e3
        );
    }
}
