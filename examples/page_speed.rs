//! Page throughput against a minimal page of the same stack (issue 13).
//!
//! `cargo run --release --example page_speed [-- SECONDS [LABEL]]` starts
//! the real app on a temporary SQLite database and seeds, through its API,
//! an admin, a hiring manager, a recruiter, three interviewers, a job whose
//! six-stage loop holds 16 questions, and three candidates with six
//! submitted scorecards. In the same process it starts a minimal actix-web
//! app on the same SQLite file (diesel r2d2, handlebars) whose one page
//! reads a stage and its questions in one indexed statement and renders
//! them.
//!
//! Each page is loaded with `wrk -t2 -c64 -d<SECONDS>s` (default 5) between
//! two runs of the minimal page; the table gives the page's requests per
//! second, the mean of the two minimal runs, their ratio, the page's p99
//! latency, the SQL statements one request costs (counted by the app's
//! pool), and the requests that failed (non-2xx or socket errors). With a
//! LABEL, only the pages whose label contains it are run (for profiling one).

use std::path::{Path, PathBuf};
use std::process::Command;

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use loopwright::config::DatabaseUrl;
use loopwright::db::QueryCounter;
use loopwright::db::models::{User, UserInsertForm, now};
use serde_json::{Value, json};

mod support;

const PASSWORD: &str = "benchmark passphrase 2026";
const ADMIN: &str = "admin@example.com";

/// The stage kinds of the six stages, in order.
const KINDS: [&str; 6] = [
    "recruiter-screen",
    "hiring-manager-interview",
    "live-coding-round",
    "system-design-interview",
    "past-project-deep-dive",
    "final-values-interview",
];
/// Questions on each stage: 16 in all.
const QUESTIONS: [usize; 6] = [3, 3, 3, 3, 2, 2];
/// Which of the three interviewers sit on each stage.
const ASSIGNED: [&[usize]; 6] = [&[0, 1], &[2], &[1, 2], &[0], &[2, 0], &[1]];
/// The submitted scorecards on the first candidate: (stage, interviewer).
const SUBMITTED: [(usize, usize); 6] = [(0, 0), (0, 1), (1, 2), (2, 1), (2, 2), (3, 0)];
/// Matches 13 prompts of the seed bank and more notes.
const SEARCH: &str = "q=design";

fn main() {
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
    let db_path = dir.path().join("bench.db");
    let config = support::config(dir.path(), DatabaseUrl::Sqlite(db_path.clone()));
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
    let minimal = start_minimal(&db_path);
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
        "wrk -t2 -c64 -d{seconds}s, {} cores; each page between two runs of the minimal page",
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

/// Someone signed in over the API with their bearer token.
struct Client {
    agent: ureq::Agent,
    base: String,
    token: String,
    id: i64,
}

impl Client {
    fn sign_in(base: &str, email: &str) -> Client {
        let agent = agent();
        let body = agent
            .post(format!("{base}/api/v1/auth/login"))
            .send_json(json!({"email": email, "password": PASSWORD}))
            .expect("sign in")
            .body_mut()
            .read_json::<Value>()
            .expect("json");
        Client {
            agent,
            base: base.to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
            id: body["user"]["id"].as_i64().expect("user id"),
        }
    }

    /// Sends `body` (or nothing) and answers the JSON; panics unless the
    /// status is `expected`.
    fn call(&self, method: &str, path: &str, body: Option<Value>, expected: u16) -> Value {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token));
        let res = match body {
            Some(body) => self.agent.run(
                request
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .expect("request"),
            ),
            None => self.agent.run(request.body(()).expect("request")),
        };
        let mut res = res.expect("the app answers");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, expected, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A GET of `path` as this person, for the benchmark.
    fn get(&self, label: &'static str, path: &str) -> Request {
        Request {
            label,
            method: "GET",
            url: format!("{}{path}", self.base),
            token: Some(self.token.clone()),
            body: None,
        }
    }
}

/// The seeded data the pages are measured on.
struct World {
    manager: Client,
    recruiter: Client,
    interviewers: Vec<Client>,
    job: i64,
    /// The candidate with six submitted scorecards.
    candidate: i64,
    /// Their first stage, where the first interviewer has submitted.
    kit_stage: i64,
    /// The second candidate's first stage, where the first interviewer
    /// keeps a draft.
    draft_stage: i64,
    /// The draft: every focus criterion rated, every red flag answered, a
    /// note per question.
    draft: Value,
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

/// Seeds the issue's data set through the API, as the people who would.
fn seed(base: &str) -> World {
    let admin = Client::sign_in(base, ADMIN);
    let people = [
        ("morgan@example.com", "Morgan Manager", "hiring_manager"),
        ("riley@example.com", "Riley Recruiter", "recruiter"),
        ("ada@example.com", "Ada Lovelace", "interviewer"),
        ("alan@example.com", "Alan Turing", "interviewer"),
        ("edsger@example.com", "Edsger Dijkstra", "interviewer"),
    ]
    .map(|(email, name, role)| {
        let body = json!({"email": email, "name": name, "role": role, "password": PASSWORD});
        admin.call("POST", "/api/v1/users", Some(body), 201);
        Client::sign_in(base, email)
    });
    let [manager, recruiter, a, b, c] = people;
    let interviewers = vec![a, b, c];

    let track =
        manager.call("GET", "/api/v1/tracks/backend-developer", None, 200)["track"]["id"].clone();
    let job = manager.call(
        "POST",
        "/api/v1/jobs",
        Some(json!({"title": "Backend Developer", "team": "Payments", "track_id": track, "typical_stages": false})),
        201,
    )["job"]
        .clone();
    let criteria = &job["criteria"];
    let of_kind = |red_flag: bool| -> Vec<i64> {
        criteria
            .as_array()
            .expect("criteria")
            .iter()
            .filter(|c| (c["kind"] == "red_flag") == red_flag)
            .map(|c| c["id"].as_i64().expect("id"))
            .collect()
    };
    let (focus, red_flags) = (of_kind(false)[..2].to_vec(), of_kind(true));
    let loop_id = job["template_loop_id"].as_i64().expect("loop");
    let bank = ids(&manager.call("GET", "/api/v1/questions?per_page=100", None, 200)["questions"]);
    let mut version =
        manager.call("GET", &format!("/api/v1/loops/{loop_id}"), None, 200)["version"].clone();
    let mut stage_questions = Vec::new();
    let mut next = 0;
    for (s, kind) in KINDS.iter().enumerate() {
        let shape = manager.call(
            "POST",
            &format!("/api/v1/loops/{loop_id}/stages"),
            Some(json!({"stage_kind": kind, "version": version})),
            201,
        );
        let stage = *ids(&shape["stages"]).last().expect("the new stage");
        let questions = bank[next..next + QUESTIONS[s]].to_vec();
        next += QUESTIONS[s];
        let users: Vec<i64> = ASSIGNED[s].iter().map(|&i| interviewers[i].id).collect();
        version = shape["version"].clone();
        for (method, path, body) in [
            (
                "PATCH",
                format!("/api/v1/stages/{stage}"),
                json!({"focus_criterion_ids": focus}),
            ),
            (
                "PUT",
                format!("/api/v1/stages/{stage}/questions"),
                json!({"question_ids": questions}),
            ),
            (
                "PUT",
                format!("/api/v1/stages/{stage}/interviewers"),
                json!({"user_ids": users}),
            ),
        ] {
            let mut body = body;
            body["version"] = version.clone();
            version = manager.call(method, &path, Some(body), 200)["version"].clone();
        }
        stage_questions.push(questions);
    }

    let candidates: Vec<(i64, Vec<i64>)> = ["Grace Hopper", "Barbara Liskov", "Donald Knuth"]
        .iter()
        .map(|name| {
            let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
            let body = json!({"name": name, "email": email, "job_id": job["id"]});
            let id =
                recruiter.call("POST", "/api/v1/candidates", Some(body), 201)["candidate"]["id"]
                    .as_i64()
                    .expect("candidate id");
            let copy = recruiter.call("GET", &format!("/api/v1/candidates/{id}/loop"), None, 200);
            (id, ids(&copy["stages"]))
        })
        .collect();

    let card = |s: usize, n: usize| {
        let (rating, recommendation) = (["yes", "strong_yes", "no"][n % 3], ["yes", "no"][n % 2]);
        json!({
            "ratings": focus.iter().map(|c| json!({
                "criterion_id": c,
                "rating": rating,
                "evidence": "Walked through the trade-offs of the index and the cache, with numbers.",
            })).collect::<Vec<_>>(),
            "red_flags": red_flags.iter().map(|c| json!({"criterion_id": c, "observed": false, "evidence": ""})).collect::<Vec<_>>(),
            "question_notes": stage_questions[s].iter().map(|q| json!({"question_id": q, "notes": "Clarified first, then sketched; covered failure."})).collect::<Vec<_>>(),
            "recommendation": recommendation,
            "summary": "Clear thinker; asked good questions before designing.",
        })
    };
    let (measured, stages) = &candidates[0];
    for (n, &(s, i)) in SUBMITTED.iter().enumerate() {
        let path = format!("/api/v1/stages/{}/scorecard", stages[s]);
        interviewers[i].call("PUT", &path, Some(card(s, n)), 200);
        interviewers[i].call("POST", &format!("{path}/submit"), Some(json!({})), 200);
    }
    World {
        job: job["id"].as_i64().expect("job id"),
        candidate: *measured,
        kit_stage: stages[0],
        draft_stage: candidates[1].1[0],
        draft: card(0, 0),
        manager,
        recruiter,
        interviewers,
    }
}

/// The minimal page's state: its own pool on the app's SQLite file and one
/// template.
struct Minimal {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    templates: handlebars::Handlebars<'static>,
}

/// The app's connection settings, on every new connection.
#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(diesel::QueryableByName, serde::Serialize)]
struct StageQuestion {
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = BigInt)]
    duration_minutes: i64,
    #[diesel(sql_type = Nullable<Text>)]
    prompt: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    why_asked: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    suggested_minutes: Option<i64>,
}

const MINIMAL_SQL: &str = "SELECT s.title, s.duration_minutes, q.prompt, q.why_asked, q.suggested_minutes \
     FROM stages s LEFT JOIN stage_questions sq ON sq.stage_id = s.id \
     LEFT JOIN questions q ON q.id = sq.question_id WHERE s.id = ? ORDER BY sq.position";

const MINIMAL_TEMPLATE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{title}}</title></head>
<body><main><h1>{{title}}</h1><p>{{duration_minutes}} minutes</p>
<ol>{{#each questions}}<li><h2>{{prompt}}</h2><p>{{why_asked}}</p><p>{{suggested_minutes}} min</p></li>{{/each}}</ol>
</main></body></html>"#;

async fn minimal_stage(
    state: web::Data<Minimal>,
    id: web::Path<i64>,
) -> actix_web::Result<HttpResponse> {
    let (pool, id) = (state.pool.clone(), id.into_inner());
    let rows = web::block(move || -> Result<Vec<StageQuestion>, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        diesel::sql_query(MINIMAL_SQL)
            .bind::<BigInt, _>(id)
            .load(&mut conn)
            .map_err(|e| e.to_string())
    })
    .await?
    .map_err(actix_web::error::ErrorInternalServerError)?;
    let first = rows
        .first()
        .ok_or_else(|| actix_web::error::ErrorNotFound("no such stage"))?;
    let context = json!({
        "title": first.title,
        "duration_minutes": first.duration_minutes,
        "questions": rows.iter().filter(|r| r.prompt.is_some()).collect::<Vec<_>>(),
    });
    let html = state
        .templates
        .render("stage", &context)
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Starts the minimal app on `db_path`; answers its base URL.
fn start_minimal(db_path: &Path) -> String {
    let url = db_path.to_string_lossy().into_owned();
    SqliteConnection::establish(&url).expect("the minimal app opens the database");
    let pool = Pool::builder()
        .max_size(8)
        .min_idle(Some(1))
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<SqliteConnection>::new(url))
        .expect("pool");
    let mut templates = handlebars::Handlebars::new();
    templates
        .register_template_string("stage", MINIMAL_TEMPLATE)
        .expect("template");
    let state = web::Data::new(Minimal { pool, templates });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(state.clone())
                    .route("/stages/{id}", web::get().to(minimal_stage))
            })
            .bind("127.0.0.1:0")
            .expect("bind");
            tx.send(server.addrs()[0]).expect("send");
            server.run().await.expect("minimal server");
        })
    });
    format!("http://{}", rx.recv().expect("the minimal app started"))
}
