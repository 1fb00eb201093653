//! Page throughput against a minimal page of the same stack (issue 13).
//!
//! `cargo run --release --example page_speed [-- SECONDS [LABEL]]` starts
//! the real app on a temporary SQLite database (or, with
//! `LOOPWRIGHT_BENCH_POSTGRES=postgres://…` naming a server, on a new
//! database there) and seeds, through its API,
//! an admin, a hiring manager, a recruiter, three interviewers, a job whose
//! six-stage loop holds 16 questions, and three candidates with six
//! submitted scorecards. In the same process it starts a minimal actix-web
//! app on the same database (diesel r2d2, handlebars) whose one page
//! reads a stage and its questions in one indexed statement and renders
//! them.
//!
//! Each page is loaded with `wrk -t2 -c64 -d<SECONDS>s` (default 5) between
//! two runs of the minimal page; the table gives the page's requests per
//! second, the mean of the two minimal runs, their ratio, the page's p99
//! latency, the SQL statements one request costs (counted by the app's
//! pool), and the requests that failed (non-2xx or socket errors). With a
//! LABEL, only the pages whose label contains it are run (for profiling one).
//!
//! `-- insights [CANDIDATES]` measures the Insights pages on the demo data
//! set instead (see `insights.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use loopwright::config::DatabaseUrl;
use loopwright::db::QueryCounter;
use loopwright::db::models::{User, UserInsertForm, now};
use seed::{ADMIN, PASSWORD, seed};

mod insights;
mod minimal;
mod seed;
#[path = "../support/mod.rs"]
mod support;

/// Matches 13 prompts of the seed bank and more notes.
const SEARCH: &str = "q=design";

fn main() {
    if std::env::args().nth(1).as_deref() == Some("insights") {
        let candidates = std::env::args()
            .nth(2)
            .map(|s| s.parse().expect("CANDIDATES: a whole number"))
            .unwrap_or(2000);
        insights::run(candidates);
        return;
    }
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("SECONDS: a whole number of seconds"))
        .unwrap_or(5);
    let only = std::env::args().nth(2).unwrap_or_default();
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!(
            "wrk is missing: install it with `apt-get install -y wrk` (Debian, Ubuntu) and run again."
        );
        std::process::exit(2);
    }
    let dir = tempfile::TempDir::new().expect("temp dir");
    let postgres = std::env::var("LOOPWRIGHT_BENCH_POSTGRES").ok();
    let database = match &postgres {
        Some(server) => DatabaseUrl::Postgres(fresh_postgres_database(server)),
        None => DatabaseUrl::Sqlite(dir.path().join("bench.db")),
    };
    let config = support::config(dir.path(), database.clone());
    let (base, queries) = support::serve(config, |app| {
        let hash = loopwright::auth::password::hash(PASSWORD).expect("hash");
        User::create(
            &mut app.pool().get().expect("connection"),
            &UserInsertForm::active(ADMIN, "Avery Admin", "admin", &hash, now()),
        )
        .expect("admin");
        (app.public_url().to_owned(), app.queries())
    });
    let world = seed(&base);
    let minimal = minimal::start(&database);
    let minimal_page = Request {
        label: "minimal page",
        method: "GET",
        url: format!("{minimal}/stages/{}", world.kit_stage),
        token: None,
        body: None,
    };
    check(&minimal_page, None);

    let (interviewer, manager, recruiter) =
        (&world.interviewers[0], &world.manager, &world.recruiter);
    let (stage, job, candidate) = (world.kit_stage, world.job, world.candidate);
    let pages = [
        // Two floors: the app's middleware and routing alone, then with the
        // sign-in check (the person's row) every signed-in request pays.
        Request {
            token: None,
            ..interviewer.get("floor: /healthz (no sign-in, no SQL)", "/healthz")
        },
        interviewer.get("floor: /api/v1/me (sign-in check)", "/api/v1/me"),
        interviewer.get("kit API", &format!("/api/v1/stages/{stage}/kit")),
        interviewer.get("kit page", &format!("/stages/{stage}/kit")),
        manager.get("planner page (job template)", &format!("/jobs/{job}")),
        manager.get("debrief page", &format!("/candidates/{candidate}/debrief")),
        manager.get(
            "debrief API",
            &format!("/api/v1/candidates/{candidate}/debrief"),
        ),
        interviewer.get("My interviews", "/interviews"),
        recruiter.get("candidates list", "/candidates"),
        interviewer.get("bank search page", &format!("/bank?{SEARCH}")),
        interviewer.get("bank search API", &format!("/api/v1/questions?{SEARCH}")),
        Request {
            label: "scorecard draft save (PUT)",
            method: "PUT",
            url: format!("{base}/api/v1/stages/{}/scorecard", world.draft_stage),
            token: Some(interviewer.token.clone()),
            body: Some(world.draft.to_string()),
        },
    ];

    println!(
        "{}; wrk -t2 -c64 -d{seconds}s, {} cores; each page between two runs of the minimal page",
        database.backend(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| page | req/s | minimal req/s | ratio | p99 | statements | failed |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for page in pages.iter().filter(|p| p.label.contains(&only)) {
        let statements = check(page, Some(&queries));
        let before = wrk(&minimal_page, seconds, dir.path());
        let run = wrk(page, seconds, dir.path());
        let after = wrk(&minimal_page, seconds, dir.path());
        let reference = (before.per_second + after.per_second) / 2.0;
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.1} ms | {} | {} |",
            page.label,
            run.per_second,
            reference,
            run.per_second / reference,
            run.p99_ms,
            statements,
            run.failed + before.failed + after.failed,
        );
    }
}

/// A new, empty database on the PostgreSQL server `server` (a URL whose
/// user may create databases): its URL. Named after this process, so runs
/// never share one; drop it with `dropdb` when done.
fn fresh_postgres_database(server: &str) -> String {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("loopwright_bench_{}", std::process::id());
    let mut admin =
        diesel::PgConnection::establish(server).expect("LOOPWRIGHT_BENCH_POSTGRES answers");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create the benchmark database");
    let mut url = url::Url::parse(server).expect("LOOPWRIGHT_BENCH_POSTGRES is a URL");
    url.set_path(&name);
    eprintln!("benchmarking on PostgreSQL database {name}");
    url.to_string()
}

/// One request a benchmark sends, again and again.
struct Request {
    label: &'static str,
    method: &'static str,
    url: String,
    /// Sent as `Authorization: Bearer`.
    token: Option<String>,
    /// A JSON body.
    body: Option<String>,
}

/// Sends `request` twice and answers the statements the second one cost
/// (counted by `queries`, 1 without it); panics unless both succeed.
fn check(request: &Request, queries: Option<&QueryCounter>) -> u64 {
    let agent = agent();
    let send = || {
        let mut call = ureq::http::Request::builder()
            .method(request.method)
            .uri(&request.url);
        if let Some(token) = &request.token {
            call = call.header("Authorization", format!("Bearer {token}"));
        }
        let call = match &request.body {
            Some(body) => agent.run(
                call.header("Content-Type", "application/json")
                    .body(body.clone())
                    .expect("request"),
            ),
            None => agent.run(call.body(()).expect("request")),
        };
        let mut res = call.expect("the app answers");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        assert!(
            (200..300).contains(&status),
            "{} {}: {status} {text}",
            request.method,
            request.url
        );
    };
    send();
    let Some(queries) = queries else {
        send();
        return 1;
    };
    let before = queries.get();
    send();
    queries.get() - before
}

/// What one `wrk` run measured.
struct Run {
    per_second: f64,
    p99_ms: f64,
    /// Non-2xx/3xx answers and socket errors.
    failed: u64,
}

/// Runs `wrk -t2 -c64` on `request` for `seconds`, through a Lua script in
/// `scratch` that sets its method, headers and body.
fn wrk(request: &Request, seconds: u64, scratch: &Path) -> Run {
    let script = lua_script(request, scratch);
    let out = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(&script)
        .arg(&request.url)
        .output()
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let per_second = after("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output: {text}"));
    let p99_ms = after("99%")
        .and_then(millis)
        .unwrap_or_else(|| panic!("no 99% latency in wrk's output: {text}"));
    let non_2xx: u64 = after("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let socket: u64 = after("Socket errors:")
        .map(|v| {
            v.split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    Run {
        per_second,
        p99_ms,
        failed: non_2xx + socket,
    }
}

/// `12.34ms`, `870.00us`, `1.02s` or `1.5m` in milliseconds.
fn millis(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1e3,
        "ms" => number,
        "s" => number * 1e3,
        "m" => number * 60e3,
        _ => return None,
    })
}

fn lua_script(request: &Request, scratch: &Path) -> PathBuf {
    let mut lua = format!("wrk.method = \"{}\"\n", request.method);
    if let Some(token) = &request.token {
        lua += &format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n");
    }
    if let Some(body) = &request.body {
        lua += "wrk.headers[\"Content-Type\"] = \"application/json\"\n";
        lua += &format!("wrk.body = [==[{body}]==]\n");
    }
    let path = scratch.join("request.lua");
    std::fs::write(&path, lua).expect("write the wrk script");
    path
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}
