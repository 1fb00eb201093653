//! Sign-in hardening: where `next` may lead, throttling across accounts and
//! addresses, password-reset limits, the outbox lease, and response headers.

use loopwright::domain::Role;

use crate::support::TestApp;

/// Hostile `next` values and where each must lead a recruiter (home is
/// `/candidates`). Values are as the server reads them (already decoded).
const NEXT_TABLE: &[(&str, &str)] = &[
    ("/\t/evil.example", "/candidates"),
    ("/\n/evil.example", "/candidates"),
    ("/\r\nSet-Cookie: x=1", "/candidates"),
    ("\t//evil.example", "/candidates"),
    ("/\\evil.example", "/candidates"),
    ("\\\\evil.example", "/candidates"),
    ("//evil.example", "/candidates"),
    ("///evil.example", "/candidates"),
    ("https://evil.example/", "/candidates"),
    ("javascript:alert(1)", "/candidates"),
    ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
    ("/ok?x=1", "/ok?x=1"),
];

fn query(next: &str) -> String {
    serde_urlencoded::to_string([("next", next)]).unwrap()
}

#[test]
fn next_leads_only_to_paths_on_this_site_after_the_sign_in_form() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    for (next, expected) in NEXT_TABLE {
        let mut browser = app.browser();
        let res = browser.submit(
            "/login",
            "/login",
            &[
                ("email", &user.email),
                ("password", &user.password),
                ("next", next),
            ],
        );
        assert_eq!(res.status, 303, "{next:?}: {}", res.body);
        assert_eq!(res.header("location"), Some(*expected), "{next:?}");
    }
}

#[test]
fn next_leads_only_to_paths_on_this_site_when_already_signed_in() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    let mut browser = app.signed_in(&user);
    for (next, expected) in NEXT_TABLE {
        let res = browser.get(&format!("/login?{}", query(next)));
        assert_eq!(res.status, 303, "{next:?}: {}", res.body);
        assert_eq!(res.header("location"), Some(*expected), "{next:?}");
    }
    // Exactly as a link would carry them.
    for raw in [
        "/%09/evil.com",
        "/%0a/evil.com",
        "%2F%2Fevil.com",
        "/%5Cevil.com",
    ] {
        let res = browser.get(&format!("/login?next={raw}"));
        assert_eq!(res.status, 303, "{raw}: {}", res.body);
        assert_eq!(res.header("location"), Some("/candidates"), "{raw}");
    }
    let own = format!("{}/jobs?x=1", app.base);
    let res = browser.get(&format!("/login?{}", query(&own)));
    assert_eq!(res.header("location"), Some("/jobs?x=1"));
}

/// Two app processes share one database and a relay that takes 300 ms per
/// email. Each worker's lease (2 s) outlasts one send but not ten: a worker
/// that leased a batch of ten would see the other send some of it again.
#[test]
fn two_workers_and_a_slow_relay_deliver_every_email_once() {
    use std::sync::Arc;
    use std::time::Duration;

    use loopwright::mail::worker::{Transport, Worker};
    use loopwright::mail::{NewEmail, enqueue};

    use crate::smtp::SmtpServer;
    use crate::support::{TestDb, test_config};

    let db = TestDb::new();
    let data_dir = tempfile::TempDir::new().unwrap();
    let config = test_config(&db, data_dir.path());
    let storage = loopwright::open_storage(&config).unwrap();
    let smtp = SmtpServer::start_slow(Duration::from_millis(300));
    {
        let mut conn = storage.pool.get().unwrap();
        for i in 0..20 {
            enqueue(
                &mut conn,
                &NewEmail {
                    idempotency_key: format!("lease-test:{i}"),
                    kind: "invitation",
                    to_email: format!("person{i}@example.com"),
                    to_name: format!("Person {i}"),
                    subject: "Hello".into(),
                    text: "Hello".into(),
                    html: "<p>Hello</p>".into(),
                    attachments: Vec::new(),
                    candidate_id: None,
                },
            )
            .unwrap();
        }
    }
    let processes: Vec<_> = (0..2)
        .map(|_| {
            // A pool of its own, as another process would have.
            let pool = loopwright::db::connect_sized(
                &config.database_url,
                loopwright::db::QueryCounter::default(),
                2,
            )
            .unwrap();
            let url = smtp.url();
            let dir = data_dir.path().to_owned();
            std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let worker = Worker {
                        pool,
                        transport: Transport::from_settings(Some(&url), &dir).unwrap(),
                        from: "Loopwright <loopwright@localhost>".parse().unwrap(),
                        wake: Arc::new(tokio::sync::Notify::new()),
                        retry_base: Duration::from_secs(30),
                        poll_every: Duration::from_millis(50),
                        send_timeout: Duration::from_secs(1),
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(9), worker.run()).await;
                })
            })
        })
        .collect();
    for process in processes {
        process.join().unwrap();
    }
    let mut recipients: Vec<String> = smtp.messages().into_iter().flat_map(|m| m.to).collect();
    recipients.sort();
    let delivered = recipients.len();
    recipients.dedup();
    assert_eq!(recipients.len(), 20, "every email arrived");
    assert_eq!(delivered, 20, "and none twice");
}

/// An app whose public URL is https (a TLS proxy in front), and a browser
/// that talks to it directly: the links it prints are not where it listens.
fn https_app() -> (TestApp, crate::support::Browser) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(crate::support::TestDb::new(), |c| {
        c.bind = ([127, 0, 0, 1], port).into();
        c.public_url = Some("https://loopwright.example".into());
    });
    let browser = crate::support::Browser::new(&format!("http://127.0.0.1:{port}"));
    (app, browser)
}

fn set_cookie<'r>(res: &'r crate::support::TestResponse, name: &str) -> &'r str {
    res.headers
        .get("set-cookie")
        .into_iter()
        .flatten()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", res.headers))
}

#[test]
fn behind_https_every_cookie_is_secure_and_browsers_are_told_to_stay_on_https() {
    let (app, mut browser) = https_app();
    let user = app.user(Role::Recruiter);
    let login = browser.get("/login");
    assert_eq!(
        login.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let csrf = set_cookie(&login, "lw_csrf");
    assert!(
        csrf.contains("Secure") && csrf.contains("HttpOnly"),
        "{csrf}"
    );

    let csrf = crate::support::csrf_field(&login.body);
    let signed_in = browser.post_form(
        "/login",
        &[
            ("csrf_token", &csrf),
            ("email", &user.email),
            ("password", &user.password),
        ],
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert!(set_cookie(&signed_in, "lw_session").contains("Secure"));

    let page = browser.get("/candidates");
    let csrf = crate::support::csrf_field(&page.body);
    let out = browser.post_form("/logout", &[("csrf_token", &csrf)]);
    assert_eq!(out.status, 303);
    let flash = set_cookie(&out, "lw_flash");
    assert!(
        flash.contains("Secure") && flash.contains("HttpOnly"),
        "{flash}"
    );
    assert!(out.header("strict-transport-security").is_some());
}

#[test]
fn over_plain_http_there_is_no_hsts_and_cookies_work_without_secure() {
    let app = TestApp::spawn();
    let login = app.browser().get("/login");
    assert_eq!(login.header("strict-transport-security"), None);
    assert!(!set_cookie(&login, "lw_csrf").contains("Secure"));
}

#[test]
fn signed_in_pages_and_api_answers_are_never_stored_but_assets_are() {
    use crate::builders::{Team, candidate, job};

    let app = TestApp::spawn();
    let Team {
        mut manager,
        recruiter: mut rec,
        ..
    } = Team::new(&app);
    let job = job("Backend Developer").create(&mut manager.api);
    let grace = candidate("Grace Hopper").on(&job).create(&mut rec.api);
    let mut browser = rec.browser();
    for path in [
        format!("/candidates/{}/debrief", grace.id),
        format!("/stages/{}/kit", grace.stages[0]),
        format!("/candidates/{}", grace.id),
        "/candidates".to_owned(),
    ] {
        let res = browser.get(&path);
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        assert_eq!(res.header("cache-control"), Some("no-store"), "{path}");
    }
    for path in [
        format!("/api/v1/candidates/{}/debrief", grace.id),
        format!("/api/v1/stages/{}/scorecard", grace.stages[0]),
        "/api/v1/me".to_owned(),
        "/api/v1/nothing-here".to_owned(),
    ] {
        let res = rec.api.get(&path);
        assert!(res.status < 500, "{path}: {}", res.body);
        assert_eq!(res.header("cache-control"), Some("no-store"), "{path}");
    }
    let asset = app.browser().get("/static/style.css");
    assert_eq!(asset.header("cache-control"), Some("public, max-age=3600"));
}

fn failed_sign_ins(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use loopwright::db::schema::audit_events;
    audit_events::table
        .filter(audit_events::action.eq("sign_in.failed"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn api_sign_in(browser: &mut crate::support::Browser, email: &str, password: &str) -> u16 {
    browser
        .post_json(
            "/api/v1/auth/login",
            serde_json::json!({"email": email, "password": password}),
        )
        .status
}

#[test]
fn guesses_at_one_account_all_at_once_are_checked_no_more_than_the_limit() {
    let app = TestApp::spawn();
    let user = app.user(Role::Interviewer);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let guesses: Vec<_> = (0..24)
            .map(|i| {
                let (app, user) = (&app, &user);
                s.spawn(move || {
                    api_sign_in(
                        &mut app.browser(),
                        &user.email,
                        &format!("guess number {i}"),
                    )
                })
            })
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, throttled), (5, 19), "{statuses:?}");
    assert_eq!(failed_sign_ins(&app), 5, "only five were checked");
}

#[test]
fn sign_ins_turned_away_for_load_count_as_no_guess() {
    let app = TestApp::spawn();
    let user = app.user(Role::Interviewer);
    let mut browser = app.browser();
    let full: Vec<_> = std::iter::from_fn(|| app.hashing.ticket().ok()).collect();
    for _ in 0..8 {
        let res = browser.post_json(
            "/api/v1/auth/login",
            serde_json::json!({"email": user.email, "password": user.password}),
        );
        assert_eq!(res.status, 429, "{}", res.body);
        assert_eq!(res.header("retry-after"), Some("1"));
    }
    let written: i64 = {
        use diesel::prelude::*;
        loopwright::db::schema::sign_in_failures::table
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(written, 0, "no attempt was written down");
    drop(full);

    // A sign-in waits its turn for a slot; one that waited too long is
    // turned away, and counts as no guess either.
    let slot = actix_web::rt::System::new()
        .block_on(async { app.hashing.ticket().unwrap().wait_turn().await })
        .unwrap();
    let asked = std::time::Instant::now();
    let res = browser.post_json(
        "/api/v1/auth/login",
        serde_json::json!({"email": user.email, "password": user.password}),
    );
    assert_eq!(res.status, 429, "{}", res.body);
    assert!(asked.elapsed() >= loopwright::auth::password::MAX_WAIT);
    assert!(res.body.contains("signing in at once"), "{}", res.body);
    let written: i64 = {
        use diesel::prelude::*;
        loopwright::db::schema::sign_in_failures::table
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(
        written, 0,
        "the one that waited too long wrote nothing either"
    );
    drop(slot);
    assert_eq!(
        api_sign_in(&mut browser, &user.email, &user.password),
        200,
        "more turned away than the five guesses an account is allowed, and it still signs in"
    );
}

#[test]
fn one_address_guessing_at_many_accounts_is_throttled() {
    let app = TestApp::spawn();
    let accounts: Vec<_> = (0..7).map(|_| app.user(Role::Interviewer)).collect();
    let mut browser = app.browser();
    let mut statuses = Vec::new();
    for account in &accounts {
        for guess in ["wrong one", "wrong two", "wrong three"] {
            statuses.push(api_sign_in(&mut browser, &account.email, guess));
        }
    }
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[20], 429, "the 21st guess from one address waits");
    let fresh = app.user(Role::Recruiter);
    let res = browser.post_json(
        "/api/v1/auth/login",
        serde_json::json!({"email": fresh.email, "password": fresh.password}),
    );
    assert_eq!(res.status, 429, "any account, from that address");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    assert_eq!(failed_sign_ins(&app), 20);
}

/// Signs in from a source address of our choosing (any of 127.0.0.0/8 is
/// this machine), as a botnet would from many: the app reads the client's
/// address from the connection, not from a header anyone can set.
fn api_sign_in_from(source: [u8; 4], app: &TestApp, email: &str, password: &str) -> u16 {
    use std::io::{Read, Write};
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let stream = actix_web::rt::System::new().block_on(async move {
        let socket = actix_web::rt::net::TcpSocket::new_v4().unwrap();
        socket.bind((source, 0).into()).unwrap();
        let stream = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
        stream.into_std().unwrap()
    });
    stream.set_nonblocking(false).unwrap();
    let mut stream = stream;
    let body = serde_json::json!({"email": email, "password": password}).to_string();
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

#[test]
fn one_account_guessed_at_from_many_addresses_is_throttled() {
    let app = TestApp::spawn();
    let user = app.user(Role::Admin);
    let mut statuses = Vec::new();
    for last in 2..9 {
        for guess in 0..5 {
            statuses.push(api_sign_in_from(
                [127, 0, 0, last],
                &app,
                &user.email,
                &format!("guess {guess}"),
            ));
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 30);
    assert_eq!(
        api_sign_in_from([127, 0, 0, 9], &app, &user.email, &user.password),
        429,
        "a new address waits too"
    );
}

fn ask_for_reset(
    browser: &mut crate::support::Browser,
    email: &str,
) -> crate::support::TestResponse {
    browser.post_json(
        "/api/v1/password-resets",
        serde_json::json!({"email": email}),
    )
}

#[test]
fn reset_links_are_limited_per_email_and_per_address_without_telling_who_has_an_account() {
    use crate::smtp::SmtpServer;
    use std::time::Duration;

    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(crate::support::TestDb::new(), move |c| {
        c.smtp_url = Some(url)
    });
    let user = app.user(Role::Interviewer);
    let mut browser = app.browser();
    let known: Vec<_> = (0..4)
        .map(|_| ask_for_reset(&mut browser, &user.email))
        .collect();
    let unknown: Vec<_> = (0..4)
        .map(|_| ask_for_reset(&mut browser, "nobody@example.com"))
        .collect();
    for answers in [&known, &unknown] {
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [202, 202, 202, 429]);
        let retry: u64 = answers[3].header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 0 && retry <= 60 * 60, "{retry}");
    }
    assert_eq!(known[3].body, unknown[3].body, "a limit reveals nothing");
    smtp.wait_for(3);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(smtp.messages().len(), 3, "three links, not four");

    // Ten requests from one address in an hour, whatever the emails.
    for i in 0..4 {
        let res = ask_for_reset(&mut browser, &format!("someone{i}@example.com"));
        // Six were recorded above: four more reach ten.
        assert_eq!(res.status, 202, "{}", res.body);
    }
    let page = browser.submit(
        "/password-reset",
        "/password-reset",
        &[("email", "someone.else@example.com")],
    );
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.header("retry-after").is_some());
    assert!(page.body.contains("ask again later"), "{}", page.body);
}

#[test]
fn a_reset_request_does_the_same_work_for_known_and_unknown_addresses() {
    let app = TestApp::spawn();
    let user = app.user(Role::Interviewer);
    let mut browser = app.browser();
    let (known, res) = app.count_queries(|| ask_for_reset(&mut browser, &user.email));
    assert_eq!(res.status, 202);
    let (unknown, res) = app.count_queries(|| ask_for_reset(&mut browser, "nobody@example.com"));
    assert_eq!(res.status, 202);
    assert_eq!(
        known, unknown,
        "the answer comes before anything that depends on the account"
    );
    // The link is still made, off the request path.
    let dir = app.data_dir().join("outbox");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::read_dir(&dir).map_or(0, |d| d.count()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no reset email queued"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}
