//! Question search over a large bank.
//!
//! `cargo run --release --example bank_search` starts the real app on a
//! temporary SQLite database (or on `LOOPWRIGHT_DATABASE_URL` if it names a
//! PostgreSQL database you can throw away), adds 10,000 generated questions
//! to the seeded bank, and prints the latency of typical searches over HTTP.

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use loopwright::config::DatabaseUrl;
use loopwright::db::models::{User, UserInsertForm, now};

mod support;

const PASSWORD: &str = "benchmark passphrase 2026";

fn main() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let database_url = match std::env::var("LOOPWRIGHT_DATABASE_URL") {
        Ok(url) => DatabaseUrl::parse(&url).expect("database url"),
        Err(_) => DatabaseUrl::Sqlite(dir.path().join("bench.db")),
    };
    let backend = database_url.backend();
    let config = support::config(dir.path(), database_url);
    let base = support::serve(config, move |app| {
        let mut conn = app.pool().get().expect("connection");
        let hash = loopwright::auth::password::hash(PASSWORD).expect("hash");
        let at = now();
        User::create(
            &mut conn,
            &UserInsertForm::active("bench@example.com", "Bench", "interviewer", &hash, at),
        )
        .expect("user");
        let started = Instant::now();
        diesel::sql_query(
            "INSERT INTO questions (slug, category, prompt, why_asked, prep_pointers, follow_ups, suggested_minutes, version, created_at, updated_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) \
             SELECT 'generated-' || i, CASE WHEN i % 3 = 0 THEN 'behavioural' ELSE 'technical' END, \
                    'Generated question ' || i || ' about caching layers, queues and ' || (i % 97) || ' retries', \
                    'Generated why-note ' || i || ' on idempotency and failure. Filler for a benchmark.', \
                    '[\"measure first\",\"name the trade-off\",\"cover failure\"]', '[\"and then?\"]', 10, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n",
        )
        .execute(&mut conn)
        .expect("generate questions");
        diesel::sql_query(
            "INSERT INTO question_criteria (question_id, criterion_id) SELECT q.id, c.id FROM questions q, criteria c \
             WHERE q.slug LIKE 'generated-%' AND c.slug = CASE WHEN q.id % 2 = 0 THEN 'api-design' ELSE 'distributed-systems' END",
        )
        .execute(&mut conn)
        .expect("link criteria");
        diesel::sql_query(
            "INSERT INTO question_stage_kinds (question_id, stage_kind_id) SELECT q.id, k.id FROM questions q, stage_kinds k \
             WHERE q.slug LIKE 'generated-%' AND k.slug = 'system-design-interview'",
        )
        .execute(&mut conn)
        .expect("link stage kinds");
        println!(
            "{backend}: 10,000 questions generated in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        app.public_url().to_owned()
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let token = agent
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(serde_json::json!({"email": "bench@example.com", "password": PASSWORD}))
        .expect("login")
        .body_mut()
        .read_json::<serde_json::Value>()
        .expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();

    for (label, query) in [
        ("no filter, page 1", ""),
        ("one word (matches ~10,000)", "q=caching"),
        ("two words", "q=idempotency+failure"),
        ("rare word (a few hits)", "q=reconciliation"),
        (
            "word + criterion + stage kind",
            "q=queues&criterion=api-design&stage_kind=system-design-interview",
        ),
        ("word, page 200", "q=caching&page=200"),
        (
            "criterion + category only",
            "criterion=distributed-systems&category=behavioural",
        ),
    ] {
        let mut times: Vec<Duration> = (0..30)
            .map(|_| {
                let t = Instant::now();
                let res = agent
                    .get(format!("{base}/api/v1/questions?{query}"))
                    .header("Authorization", format!("Bearer {token}"))
                    .call()
                    .expect("search");
                assert_eq!(res.status().as_u16(), 200);
                t.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "{label:<32} p50 {:>7.2} ms   p90 {:>7.2} ms",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() * 9 / 10].as_secs_f64() * 1e3
        );
    }
}
