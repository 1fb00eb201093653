//! Page throughput against a minimal page of the same stack (issue 13), on
//! a small data set and on a big one, in one run.
//!
//! `cargo run --release --example page_speed [-- SECONDS [LABEL]] [--small]`
//! starts the real app on a temporary SQLite database (or, with
//! `LOOPWRIGHT_BENCH_POSTGRES=postgres://…` naming a server, on a new
//! database there) and seeds, through its API, an admin, a hiring manager,
//! a recruiter, three interviewers, a job whose six-stage loop holds 16
//! questions, and three candidates with six submitted scorecards, with 47
//! more candidates on a second job so the candidates list shows a full page
//! (the small set). Two pages are also loaded as the person who has sat on
//! the most stages, to show whether what an interviewer sees grows with
//! their history: on the small set the interviewer seated on the second
//! job's two stages (about 100 seats, enough for a full page of My
//! interviews and of each of the dashboard's sections), on the big set one
//! of the demo's interviewers, with about 10,000 interviews behind them.
//! The big set puts the same world on top of a company's history:
//! 10,000 candidates with about 100,000 scorecards, 1,000 people and 20,000
//! questions (`big.rs`), written before the app starts; `--small` skips it.
//! For each set, in the benchmark's own process, a minimal actix-web app on the same database (diesel r2d2,
//! handlebars) serves one page that reads a stage and its questions in one
//! indexed statement and renders them.
//!
//! Each page is loaded with `wrk -t2 -c64 -d<SECONDS>s` (default 5) between
//! two runs of the minimal page, and with one connection for 2 s. The table
//! gives the page's requests per second at 64 connections, the mean of the
//! two minimal runs, their ratio, p50 at one connection, p99 at 64, the SQL
//! statements one request costs (from the app's `/metrics`), the peak RSS
//! of the app's process while the page was loaded (the app runs in a
//! process of its own, see `app.rs`), and the page's requests that failed
//! (non-2xx answers or socket errors; the two minimal runs' failures, if
//! any, in brackets). With a LABEL, only the pages whose label contains it
//! are run (for profiling one). A last table
//! sets each page's big-set figures beside its small-set ones.
//!
//! `-- insights [CANDIDATES]` measures the Insights pages on the demo data
//! set instead (see `insights.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use app::AppProcess;
use loopwright::config::DatabaseUrl;
use loopwright::db::models::{User, UserInsertForm, now};
use seed::{PASSWORD, admin_email, seed};

mod app;
mod big;
mod insights;
mod minimal;
mod seed;
#[path = "../support/mod.rs"]
mod support;

/// Matches 13 prompts of the seed bank and more notes.
const SEARCH: &str = "q=design";

/// One page's figures on one data set.
struct Row {
    label: &'static str,
    per_second: f64,
    minimal_per_second: f64,
    p50_one_ms: f64,
    p99_ms: f64,
    minimal_p99_ms: f64,
    statements: u64,
    peak_rss_mib: f64,
    failed: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, data_dir, database] = args.as_slice()
        && flag == app::SERVE
    {
        app::serve(data_dir, database);
        return;
    }
    if args.first().map(String::as_str) == Some("insights") {
        let candidates = args
            .get(1)
            .map(|s| s.parse().expect("CANDIDATES: a whole number"))
            .unwrap_or(2000);
        insights::run(candidates);
        return;
    }
    let small_only = args.iter().any(|a| a == "--small");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let seconds: u64 = positional
        .first()
        .map(|s| s.parse().expect("SECONDS: a whole number of seconds"))
        .unwrap_or(5);
    let only = positional.get(1).map(|s| s.to_string()).unwrap_or_default();
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!(
            "wrk is missing: install it with `apt-get install -y wrk` (Debian, Ubuntu) and run again."
        );
        std::process::exit(2);
    }
    let small = measure(None, seconds, &only);
    if small_only {
        return;
    }
    let big = measure(Some(big::ISSUE), seconds, &only);
    println!();
    println!("big set beside small set (req/s at 64 connections, p50 at 1)");
    println!();
    println!(
        "| page | small req/s | big req/s | big ÷ small | small p50 | big p50 | statements small → big |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (s, b) in small.iter().zip(&big) {
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.2} ms | {:.2} ms | {} → {} |",
            s.label,
            s.per_second,
            b.per_second,
            b.per_second / s.per_second,
            s.p50_one_ms,
            b.p50_one_ms,
            s.statements,
            b.statements
        );
    }
}

/// Starts the app on a new database (filled to `big` first, if given),
/// seeds the world, and measures every page whose label contains `only`.
fn measure(big: Option<big::Size>, seconds: u64, only: &str) -> Vec<Row> {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let postgres = std::env::var("LOOPWRIGHT_BENCH_POSTGRES").ok();
    let database = match &postgres {
        Some(server) => DatabaseUrl::Postgres(fresh_postgres_database(
            server,
            if big.is_some() { "big" } else { "small" },
        )),
        None => DatabaseUrl::Sqlite(dir.path().join("bench.db")),
    };
    let config = support::config(dir.path(), database.clone());
    let filled = {
        let storage = loopwright::open_storage(&config).expect("the database opens");
        loopwright::seed(&storage.pool, None).expect("the bank is seeded");
        let mut conn = storage.pool.get().expect("connection");
        let filled = big.map(|size| big::fill(&mut conn, size));
        let hash = loopwright::auth::password::hash(PASSWORD).expect("hash");
        User::create(
            &mut conn,
            &UserInsertForm::active(&admin_email(), "Avery Admin", "admin", &hash, now()),
        )
        .expect("admin");
        filled
    };
    let app = AppProcess::start(dir.path(), &app::database_arg(&database));
    let base = app.base.clone();
    let world = seed(&base);
    {
        // As after any bulk load: PostgreSQL plans without statistics
        // otherwise (its autovacuum may be off, or not have run yet).
        let storage = loopwright::open_storage(&config).expect("the database opens");
        let mut conn = storage.pool.get().expect("connection");
        loopwright::db::refresh_statistics(&mut conn).expect("statistics gathered");
    }
    let busiest = busiest_interviewer(&config, &base);
    let minimal = minimal::start(&database);
    let minimal_page = Request {
        label: "minimal page",
        method: "GET",
        url: format!("{minimal}/stages/{}", world.kit_stage),
        token: None,
        bodies: Vec::new(),
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
        busiest.get("My interviews (busiest interviewer)", "/interviews"),
        busiest.get("dashboard (busiest interviewer)", "/"),
        recruiter.get("candidates list", "/candidates"),
        interviewer.get("bank search page", &format!("/bank?{SEARCH}")),
        interviewer.get("bank search API", &format!("/api/v1/questions?{SEARCH}")),
        Request {
            label: "scorecard draft save (PUT)",
            method: "PUT",
            url: format!("{base}/api/v1/stages/{}/scorecard", world.draft_stage),
            token: Some(interviewer.token.clone()),
            bodies: world.drafts.iter().map(|d| d.to_string()).collect(),
        },
    ];

    println!();
    match &filled {
        None => println!("small set: the seeded world alone"),
        Some(filled) => println!("big set: the seeded world on {filled}"),
    }
    println!(
        "{}; wrk -t2 -c64 -d{seconds}s and -t1 -c1 -d2s, {} cores; each page between two runs of the minimal page",
        database.backend(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!(
        "| page | req/s | minimal req/s | ratio | p50 @1 | p99 @64 | minimal p99 | statements | peak RSS | failed |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for page in pages.iter().filter(|p| p.label.contains(only)) {
        let statements = check(page, Some(&app));
        let before = wrk(&minimal_page, seconds, 64, dir.path());
        app.reset_peak_rss();
        let run = wrk(page, seconds, 64, dir.path());
        let peak_rss_mib = app.peak_rss_mib();
        let one = wrk(page, 2, 1, dir.path());
        let after = wrk(&minimal_page, seconds, 64, dir.path());
        let row = Row {
            label: page.label,
            per_second: run.per_second,
            minimal_per_second: (before.per_second + after.per_second) / 2.0,
            p50_one_ms: one.p50_ms,
            p99_ms: run.p99_ms,
            minimal_p99_ms: (before.p99_ms + after.p99_ms) / 2.0,
            statements,
            peak_rss_mib,
            failed: run.failed() + one.failed(),
        };
        let page_failed = run.non_2xx + one.non_2xx;
        let minimal_failed = before.failed() + after.failed();
        let failed = match (row.failed, minimal_failed) {
            (0, 0) => "0".to_owned(),
            (page, 0) => format!("{page} ({page_failed} non-2xx)"),
            (page, minimal) => format!("{page} (minimal page: {minimal})"),
        };
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.2} ms | {:.1} ms | {:.1} ms | {} | {:.0} MiB | {} |",
            row.label,
            row.per_second,
            row.minimal_per_second,
            row.per_second / row.minimal_per_second,
            row.p50_one_ms,
            row.p99_ms,
            row.minimal_p99_ms,
            row.statements,
            row.peak_rss_mib,
            failed,
        );
        rows.push(row);
    }
    if only.is_empty() || "sign-in storm".contains(only) {
        storm(&app, &pages[2], seconds, dir.path());
    }
    rows
}

/// The kit API alone, then while 64 clients sign in as fast as they can:
/// its throughput kept, the sign-ins done (and how long each took, waiting
/// its turn included) and turned away, the peak RSS.
fn storm(app: &AppProcess, kit: &Request, seconds: u64, scratch: &Path) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let alone = wrk(kit, seconds, 64, scratch);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    // Answered 429: by the hashing queue (load), or by the per-account
    // throttle (the storm signs in to one account).
    let (busy, throttled) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    // Milliseconds the sign-ins done took, summed, and the longest.
    let (waited, longest) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    app.reset_peak_rss();
    let clients: Vec<_> = (0..64)
        .map(|_| {
            let (base, stop) = (app.base.clone(), stop.clone());
            let (done, busy, throttled) = (done.clone(), busy.clone(), throttled.clone());
            let (waited, longest) = (waited.clone(), longest.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let body = serde_json::json!({"email": format!("ada@{}", seed::DOMAIN), "password": PASSWORD});
                while !stop.load(Ordering::Relaxed) {
                    let asked = std::time::Instant::now();
                    let answer = agent
                        .post(format!("{base}/api/v1/auth/login"))
                        .send_json(&body);
                    match answer {
                        Ok(r) if r.status() == 200 => {
                            let took = asked.elapsed().as_millis() as u64;
                            waited.fetch_add(took, Ordering::Relaxed);
                            longest.fetch_max(took, Ordering::Relaxed);
                            done.fetch_add(1, Ordering::Relaxed)
                        }
                        Ok(mut r) if r.status() == 429 => {
                            let text = r.body_mut().read_to_string().unwrap_or_default();
                            if text.contains("signing in at once") {
                                busy.fetch_add(1, Ordering::Relaxed)
                            } else {
                                throttled.fetch_add(1, Ordering::Relaxed)
                            }
                        }
                        other => panic!(
                            "a sign-in in the storm answered {:?}",
                            other.map(|r| r.status())
                        ),
                    };
                }
            })
        })
        .collect();
    let during = wrk(kit, seconds, 64, scratch);
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("a storm client");
    }
    let peak = app.peak_rss_mib();
    let done = done.load(Ordering::Relaxed);
    println!();
    println!(
        "sign-in storm, 64 clients for {seconds} s: kit API {:.0} req/s against {:.0} alone ({:.0} %), p99 {:.1} ms; {done} sign-ins done (mean {:.1} s, longest {:.1} s), 429 for {} by the hashing queue and {} by the throttle; peak RSS {peak:.0} MiB",
        during.per_second,
        alone.per_second,
        100.0 * during.per_second / alone.per_second,
        during.p99_ms,
        waited.load(Ordering::Relaxed) as f64 / 1000.0 / done.max(1) as f64,
        longest.load(Ordering::Relaxed) as f64 / 1000.0,
        busy.load(Ordering::Relaxed),
        throttled.load(Ordering::Relaxed),
    );
}

/// A new, empty database on the PostgreSQL server `server` (a URL whose
/// user may create databases) for the data set `set`: its URL. Named after
/// this process and the set, so runs and sets never share one; drop it with
/// `dropdb` when done.
fn fresh_postgres_database(server: &str, set: &str) -> String {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("loopwright_bench_{}_{set}", std::process::id());
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
    /// JSON bodies, sent in turn (none: a request without a body).
    bodies: Vec<String>,
}

/// Sends `request` twice and answers the statements the second one cost
/// (as `app` counted them, 1 without it); panics unless both succeed.
fn check(request: &Request, app: Option<&AppProcess>) -> u64 {
    let agent = agent();
    let sent = std::cell::Cell::new(0usize);
    let send = || {
        let mut call = ureq::http::Request::builder()
            .method(request.method)
            .uri(&request.url);
        if let Some(token) = &request.token {
            call = call.header("Authorization", format!("Bearer {token}"));
        }
        let call = match request.bodies.get(sent.get() % request.bodies.len().max(1)) {
            Some(body) => agent.run(
                call.header("Content-Type", "application/json")
                    .body(body.clone())
                    .expect("request"),
            ),
            None => agent.run(call.body(()).expect("request")),
        };
        sent.set(sent.get() + 1);
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
    let Some(app) = app else {
        send();
        return 1;
    };
    let before = app.statements();
    send();
    app.statements() - before
}

/// What one `wrk` run measured.
struct Run {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Non-2xx/3xx answers.
    non_2xx: u64,
    /// Connections that failed: connect, read, write or timeout (2 s).
    socket_errors: u64,
}

impl Run {
    fn failed(&self) -> u64 {
        self.non_2xx + self.socket_errors
    }
}

/// Runs `wrk` with `connections` (two threads, or one for one connection)
/// on `request` for `seconds`, through a Lua script in `scratch` that sets
/// its method, headers and body.
fn wrk(request: &Request, seconds: u64, connections: u32, scratch: &Path) -> Run {
    let script = lua_script(request, scratch);
    let threads = connections.min(2);
    let out = Command::new("wrk")
        .args([
            &format!("-t{threads}"),
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
        ])
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
    let p50_ms = after("50%")
        .and_then(millis)
        .unwrap_or_else(|| panic!("no 50% latency in wrk's output: {text}"));
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
        p50_ms,
        p99_ms,
        non_2xx,
        socket_errors: socket,
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
    if !request.bodies.is_empty() {
        lua += "wrk.headers[\"Content-Type\"] = \"application/json\"\n";
        // Each thread formats the requests once and sends them in turn.
        let bodies: Vec<String> = request
            .bodies
            .iter()
            .map(|b| format!("[==[{b}]==]"))
            .collect();
        lua += &format!(
            "local bodies = {{ {} }}\nlocal formatted, turn = {{}}, 0\n\
             init = function(args)\n  for i, b in ipairs(bodies) do formatted[i] = wrk.format(nil, nil, nil, b) end\nend\n\
             request = function()\n  turn = turn % #formatted + 1\n  return formatted[turn]\nend\n",
            bodies.join(", ")
        );
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

/// The person who has sat on the most stages, signed in: on the big set one
/// of the demo's interviewers with years of interviews behind them, on the
/// small set one of the seeded three. Their pages show whether what an
/// interviewer sees grows with their history.
fn busiest_interviewer(config: &loopwright::config::Config, base: &str) -> seed::Client {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Busiest {
        #[diesel(sql_type = diesel::sql_types::Text)]
        email: String,
    }
    let storage = loopwright::open_storage(config).expect("the database opens");
    let mut conn = storage.pool.get().expect("connection");
    let email = diesel::sql_query(
        "SELECT u.email FROM users u JOIN stage_interviewers i ON i.user_id = u.id \
         GROUP BY u.id, u.email ORDER BY COUNT(*) DESC, u.id LIMIT 1",
    )
    .get_result::<Busiest>(&mut *conn)
    .expect("an interviewer")
    .email;
    let password = if email.ends_with(seed::DOMAIN) {
        PASSWORD
    } else {
        loopwright::insights::demo::PASSWORD
    };
    seed::Client::sign_in_with(base, &email, password)
}
