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
