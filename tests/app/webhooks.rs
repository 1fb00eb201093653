//! Webhooks against a real receiver on loopback: each event arrives once
//! with a valid signature, across an outage of the receiver, and with two
//! app processes on one database; the pages, the API and the audit log.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use loopwright::db::schema::{audit_events, outbox_messages};
use loopwright::webhooks::signature;
use serde_json::{Value, json};

use crate::builders::{Team, candidate, job, plan, scorecard, stage};
use crate::metrics::sample;
use crate::support::{Browser, TestApp, csrf_field, test_config};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    fn event(&self) -> String {
        self.json()["event"].as_str().unwrap_or_default().to_owned()
    }
}

/// A webhook receiver: a plain HTTP/1.1 server on loopback that records
/// every request and answers 200 (after `delay`).
struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start() -> Self {
        Self::start_on(0, Duration::ZERO)
    }

    fn start_on(port: u16, delay: Duration) -> Self {
        Self::start_with(port, delay, 200)
    }

    /// A receiver that answers every request with `status`.
    fn start_with(port: u16, delay: Duration, status: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (received.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let log = log.clone();
                        std::thread::spawn(move || serve(stream, &log, delay, status));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Receiver {
            addr,
            received,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks/loopwright?source=test", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests came (or 20 s passed), then a little longer
    /// so that a duplicate would show.
    fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.received().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(700));
        self.received()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Received>>, delay: Duration, status: u16) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..header_end]).to_string();
    let headers: BTreeMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while data.len() < header_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let body = String::from_utf8_lossy(&data[header_end..header_end + length]).to_string();
    std::thread::sleep(delay);
    log.lock().unwrap().push(Received { headers, body });
    let answer =
        format!("HTTP/1.1 {status} Answer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(answer.as_bytes());
}

/// A port nothing listens on (for now).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const ALL_EVENTS: [&str; 5] = [
    "candidate.created",
    "scorecard.submitted",
    "decision.recorded",
    "prep_pack.sent",
    "prep_pack.failed",
];

/// Registers a webhook through the API; answers its id and secret.
fn register(admin: &mut Browser, url: &str, events: &[&str]) -> (i64, String) {
    let res = admin.post_json("/api/v1/webhooks", json!({"url": url, "events": events}));
    assert_eq!(res.status, 201, "{}", res.body);
    let hook = res.json()["webhook"].clone();
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
    (
        hook["id"].as_i64().unwrap(),
        hook["secret"].as_str().unwrap().to_owned(),
    )
}

/// The signature header (whose name says so) checks out against `secret`.
fn assert_signed(request: &Received, secret: &str) {
    let (name, value) = request
        .headers
        .iter()
        .find(|(k, _)| k.contains("signature"))
        .unwrap_or_else(|| panic!("no signature header: {:?}", request.headers));
    assert_eq!(name, "loopwright-signature");
    let now = chrono::Utc::now().timestamp();
    assert!(
        signature::verify(secret, value, &request.body, now, 300),
        "a valid signature on {}",
        request.body
    );
    assert!(
        !signature::verify("whsec_wrong", value, &request.body, now, 300),
        "and not under another secret"
    );
}

/// Each event's count among `requests`.
fn counts(requests: &[Received]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in requests {
        *counts.entry(r.event()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn each_of_the_five_events_arrives_once_with_a_valid_signature() {
    let app = TestApp::spawn();
    let receiver = Receiver::start();
    let mut team = Team::new(&app);
    let (hook, secret) = register(&mut team.admin.api, &receiver.url(), &ALL_EVENTS);

    let job = job("Backend Developer").create(&mut team.manager.api);
    let focus = job.criteria[0];
    plan()
        .stage(
            0,
            stage()
                .focus([focus])
                .interviewers([team.interviewers[0].id]),
        )
        .apply(&mut team.manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .email("grace@example.com")
        .on(&job)
        .create(&mut team.recruiter.api);
    grace.schedule(
        &mut team.recruiter.api,
        grace.stages[0],
        chrono::Utc::now() + chrono::Duration::days(3),
    );
    let sent = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", grace.id),
        json!({}),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    scorecard()
        .rate(focus, "yes", "Designed a cache with care.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Solid.")
        .submit(&mut team.interviewers[0].api, grace.stages[0]);
    let decided = team.manager.api.post_json(
        &format!("/api/v1/candidates/{}/decision", grace.id),
        json!({"outcome": "hire", "rationale": "Strong on the criteria."}),
    );
    assert_eq!(decided.status, 201, "{}", decided.body);
    let before_failure = receiver.wait_for(4);
    assert!(
        before_failure.iter().any(|r| r.event() == "prep_pack.sent"),
        "{:?}",
        counts(&before_failure)
    );

    // A prep pack the mail worker cannot deliver, given up on.
    let outbox = app.data_dir().join("outbox");
    std::fs::remove_dir_all(&outbox).unwrap();
    std::fs::write(&outbox, "not a folder: every email fails").unwrap();
    let linus = candidate("Linus Torvalds")
        .email("linus@example.com")
        .on(&job)
        .create(&mut team.recruiter.api);
    linus.schedule(
        &mut team.recruiter.api,
        linus.stages[0],
        chrono::Utc::now() + chrono::Duration::days(3),
    );
    let sent = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", linus.id),
        json!({}),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    diesel::update(outbox_messages::table.filter(outbox_messages::candidate_id.eq(linus.id)))
        .set(
            outbox_messages::created_at
                .eq(loopwright::db::models::now() - chrono::Duration::days(2)),
        )
        .execute(&mut app.conn())
        .unwrap();

    let all = receiver.wait_for(6);
    let expected: BTreeMap<String, usize> = [
        ("candidate.created", 2),
        ("scorecard.submitted", 1),
        ("decision.recorded", 1),
        ("prep_pack.sent", 1),
        ("prep_pack.failed", 1),
    ]
    .into_iter()
    .map(|(e, n)| (e.to_owned(), n))
    .collect();
    assert_eq!(counts(&all), expected, "each event once");
    for request in &all {
        assert_signed(request, &secret);
        let body = request.json();
        assert!(body["occurred_at"].as_str().is_some(), "{body}");
        assert_eq!(request.headers["loopwright-event"], body["event"]);
    }
    let by_event = |e: &str| all.iter().find(|r| r.event() == e).unwrap().json();
    assert_eq!(
        by_event("scorecard.submitted")["scorecard"]["recommendation"],
        "yes"
    );
    assert_eq!(by_event("scorecard.submitted")["candidate"]["id"], grace.id);
    assert_eq!(by_event("decision.recorded")["decision"]["outcome"], "hire");
    assert_eq!(
        by_event("prep_pack.sent")["prep_pack"]["candidate_id"],
        grace.id
    );
    assert_eq!(
        by_event("prep_pack.failed")["candidate"]["name"],
        "Linus Torvalds"
    );

    // The delivery log: each delivered once, with the receiver's status.
    let log = team
        .admin
        .api
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"));
    assert_eq!(log.status, 200, "{}", log.body);
    let log = log.json();
    assert_eq!(log["total"], 6);
    for delivery in log["deliveries"].as_array().unwrap() {
        assert_eq!(delivery["state"], "sent", "{delivery}");
        assert_eq!(delivery["status_code"], 200);
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["history"][0]["status_code"], 200);
    }
}

#[test]
fn an_outage_of_the_receiver_delays_the_event_and_it_arrives_once() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (hook, secret) = register(&mut team.admin.api, &url, &["candidate.created"]);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);

    // Refused at least twice, and the log says so.
    let deadline = Instant::now() + Duration::from_secs(20);
    let log = loop {
        let log = team
            .admin
            .api
            .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
            .json();
        let tries = log["deliveries"][0]["history"]
            .as_array()
            .map_or(0, Vec::len);
        if tries >= 2 || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["state"], "queued", "{delivery}");
    assert!(delivery["status_code"].is_null());
    assert!(delivery["last_error"].as_str().is_some(), "{delivery}");

    let receiver = Receiver::start_on(port, Duration::ZERO);
    let received = receiver.wait_for(1);
    assert_eq!(received.len(), 1, "once, after the outage");
    assert_signed(&received[0], &secret);
    assert_eq!(received[0].json()["candidate"]["id"], ada.id);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(receiver.received().len(), 1, "and never again");
    let log = team
        .admin
        .api
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .json();
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["state"], "sent", "{delivery}");
    assert_eq!(delivery["status_code"], 200);
    let history = delivery["history"].as_array().unwrap();
    assert!(history.len() >= 3, "{delivery}");
    assert!(history[0]["status_code"].is_null() && history[0]["error"].is_string());
    assert_eq!(history.last().unwrap()["status_code"], 200);
}

#[test]
fn a_receiver_that_keeps_failing_is_given_up_after_ten_attempts_each_logged() {
    use loopwright::db::schema::webhook_deliveries;
    let app = TestApp::spawn();
    let receiver = Receiver::start_with(0, Duration::ZERO, 503);
    let mut team = Team::new(&app);
    let (hook, _) = register(&mut team.admin.api, &receiver.url(), &["candidate.created"]);
    let job = job("Backend Developer").create(&mut team.manager.api);
    candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    let log_of = |api: &mut Browser| {
        api.get(&format!("/api/v1/webhooks/{hook}/deliveries"))
            .json()["deliveries"][0]
            .clone()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while log_of(&mut team.admin.api)["history"]
        .as_array()
        .map_or(0, Vec::len)
        < 2
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let delivery = log_of(&mut team.admin.api);
    assert_eq!(delivery["state"], "queued", "{delivery}");
    assert_eq!(delivery["status_code"], 503);
    assert_eq!(delivery["last_error"], "HTTP 503");
    assert_eq!(delivery["history"][1]["status_code"], 503);
    // An operator sees it waiting, and for how long.
    let mut operator = app.browser();
    let text = operator.get("/metrics").body;
    assert_eq!(
        sample(&text, "loopwright_webhook_deliveries_queued"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "loopwright_webhook_deliveries_failed"),
        Some(0.0)
    );
    assert!(
        sample(
            &text,
            "loopwright_webhook_deliveries_oldest_queued_age_seconds"
        )
        .is_some_and(|age| age > 0.0),
        "{text}"
    );

    // Skip the hours of backoff: the next attempt is the tenth.
    diesel::update(webhook_deliveries::table)
        .set((
            webhook_deliveries::attempts.eq(9_i64),
            webhook_deliveries::next_attempt_at.eq(loopwright::db::models::now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while log_of(&mut team.admin.api)["state"] != "failed" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let delivery = log_of(&mut team.admin.api);
    assert_eq!(delivery["state"], "failed", "{delivery}");
    assert_eq!(delivery["attempts"], 10);
    assert_eq!(
        delivery["history"].as_array().unwrap().last().unwrap()["attempt"],
        10
    );
    let tried = receiver.received().len();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        receiver.received().len(),
        tried,
        "no attempt after giving up"
    );
    let text = operator.get("/metrics").body;
    assert_eq!(
        sample(&text, "loopwright_webhook_deliveries_queued"),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "loopwright_webhook_deliveries_failed"),
        Some(1.0),
        "{text}"
    );
    let page = team.admin.browser().get(&format!("/webhooks/{hook}"));
    assert!(
        page.body.contains("Given up") && page.body.contains("503"),
        "{}",
        page.body
    );
}

/// A second app process on `app`'s database: its own pools and workers.
struct SecondApp {
    base: String,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _data_dir: tempfile::TempDir,
}

impl SecondApp {
    fn beside(app: &TestApp) -> Self {
        let data_dir = tempfile::TempDir::new().unwrap();
        let config = test_config(app.db(), data_dir.path());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = loopwright::Application::build(config).unwrap();
                tx.send((app.public_url().to_owned(), app.handle()))
                    .unwrap();
                let _ = app.run_until_stopped().await;
            })
        });
        let (base, handle) = rx.recv().unwrap();
        SecondApp {
            base,
            handle,
            thread: Some(thread),
            _data_dir: data_dir,
        }
    }
}

impl Drop for SecondApp {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Two processes, one database (PostgreSQL when the test database is, else
/// one SQLite file): both workers send, each event arrives once.
#[test]
fn two_app_processes_on_one_database_deliver_each_event_once() {
    let app = TestApp::spawn();
    let second = SecondApp::beside(&app);
    // A slow receiver keeps both workers busy at once.
    let receiver = Receiver::start_on(0, Duration::from_millis(40));
    let mut team = Team::new(&app);
    let (_, secret) = register(&mut team.admin.api, &receiver.url(), &["candidate.created"]);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let mut other = crate::support::Browser::new(&second.base);
    other.bearer = team.recruiter.api.bearer.clone();
    const N: usize = 24;
    let mut ids = Vec::new();
    for i in 0..N {
        let client = if i % 2 == 0 {
            &mut team.recruiter.api
        } else {
            &mut other
        };
        ids.push(
            candidate(&format!("Candidate {i}"))
                .on(&job)
                .create(client)
                .id,
        );
    }
    let received = receiver.wait_for(N);
    std::thread::sleep(Duration::from_millis(1000));
    let received_now = receiver.received();
    assert_eq!(received_now.len(), received.len(), "nothing late");
    let mut got: Vec<i64> = received
        .iter()
        .map(|r| {
            assert_signed(r, &secret);
            r.json()["candidate"]["id"].as_i64().unwrap()
        })
        .collect();
    got.sort_unstable();
    ids.sort_unstable();
    assert_eq!(got, ids, "every candidate once, none twice");
    drop(second);
}

#[test]
fn admins_add_a_webhook_on_its_page_and_the_test_button_delivers() {
    let app = TestApp::spawn();
    let receiver = Receiver::start();
    let mut team = Team::new(&app);
    let mut admin = team.admin.browser();

    // Reached from the People page (the header has no room for it).
    let people = admin.get("/users");
    assert!(
        people.body.contains(r#"<a href="/webhooks">"#),
        "{}",
        people.body
    );
    let page = admin.get("/webhooks");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("No webhooks yet"));
    let csrf = csrf_field(&page.body);
    let refused = admin.post_form(
        "/webhooks",
        &[
            ("csrf_token", &csrf),
            ("url", "ftp://example.com/<b>hooks</b>"),
            ("events", "decision.recorded"),
        ],
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("value=\"ftp://example.com/&lt;b&gt;hooks&lt;/b&gt;\""),
        "what was typed is kept, escaped"
    );
    assert!(refused.body.contains("id=\"error-url\""));
    assert!(refused.body.contains("value=\"decision.recorded\" checked"));
    assert!(!refused.body.contains("value=\"candidate.created\" checked"));
    let no_events = admin.post_form(
        "/webhooks",
        &[("csrf_token", &csrf), ("url", &receiver.url())],
    );
    assert_eq!(no_events.status, 422);
    assert!(no_events.body.contains("id=\"error-events\""));
    let forged = admin.post_form(
        "/webhooks",
        &[
            ("csrf_token", "forged"),
            ("url", &receiver.url()),
            ("events", "decision.recorded"),
        ],
    );
    assert_eq!(forged.status, 403, "a form without its CSRF token");

    let created = admin.post_form(
        "/webhooks",
        &[
            ("csrf_token", &csrf),
            ("url", &receiver.url()),
            ("events", "decision.recorded"),
            ("events", "candidate.created"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.header("location").unwrap().to_owned();
    let shown = admin.get(&location);
    assert_eq!(shown.status, 200);
    let id: i64 = location.trim_start_matches("/webhooks/").parse().unwrap();
    let listed = team.admin.api.get(&format!("/api/v1/webhooks/{id}")).json();
    let secret = listed["webhook"]["secret"].as_str().unwrap().to_owned();
    assert!(shown.body.contains(&secret), "the secret is on its page");
    assert!(shown.body.contains("Nothing sent yet"));

    let tested = admin.post_form(
        &format!("/webhooks/{id}/test"),
        &[("csrf_token", &csrf_field(&shown.body))],
    );
    assert_eq!(tested.status, 303);
    let received = receiver.wait_for(1);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].event(), "webhook.test");
    assert_signed(&received[0], &secret);
    let log = admin.get(&location);
    assert!(
        log.body.contains("webhook.test") && log.body.contains("Delivered"),
        "{}",
        log.body
    );
    assert!(
        log.body.contains("<time"),
        "times are formatted for the viewer"
    );

    let deleted = admin.post_form(
        &format!("/webhooks/{id}/delete"),
        &[("csrf_token", &csrf_field(&log.body))],
    );
    assert_eq!(deleted.status, 303);
    assert!(admin.get("/webhooks").body.contains("No webhooks yet"));
}

#[test]
fn the_api_refuses_bad_input_deletes_and_the_audit_log_records_changes() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let api = &mut team.admin.api;
    for (body, field) in [
        (
            json!({"url": "not a url", "events": ["candidate.created"]}),
            "url",
        ),
        (
            json!({"url": "https://example.com/h", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com/h", "events": ["candidate.deleted"]}),
            "events",
        ),
        (json!({"events": ["candidate.created"]}), "url"),
    ] {
        let res = api.post_json("/api/v1/webhooks", body.clone());
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        let error = &res.json()["error"];
        assert_eq!(error["code"], "validation_failed");
        assert!(error["fields"][field].is_string(), "{body}: {error}");
    }
    let (id, _) = register(api, "https://example.com/hooks", &["decision.recorded"]);
    let list = api.get("/api/v1/webhooks").json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["webhooks"][0]["events"], json!(["decision.recorded"]));
    assert_eq!(
        api.get(&format!("/api/v1/webhooks/{id}/deliveries")).json()["total"],
        0
    );
    let recruiter = team.recruiter.api.get("/api/v1/webhooks");
    assert_eq!(recruiter.status, 403);

    assert_eq!(
        api.request("DELETE", &format!("/api/v1/webhooks/{id}"), None)
            .status,
        204
    );
    assert_eq!(
        api.request("DELETE", &format!("/api/v1/webhooks/{id}"), None)
            .status,
        404
    );
    assert_eq!(
        api.get(&format!("/api/v1/webhooks/{id}/deliveries")).status,
        404
    );
    assert_eq!(api.get("/api/v1/webhooks").json()["total"], 0);

    let audited: Vec<(String, Option<i64>, String)> = audit_events::table
        .filter(audit_events::subject_type.eq("webhook"))
        .order(audit_events::id)
        .select((
            audit_events::action,
            audit_events::actor_id,
            audit_events::details,
        ))
        .load(&mut app.conn())
        .unwrap();
    let actions: Vec<&str> = audited.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["webhook.created", "webhook.deleted"]);
    assert!(audited.iter().all(|a| a.1 == Some(team.admin.id)));
    assert!(audited[0].2.contains("https://example.com/hooks"));
    assert!(!audited[0].2.contains("whsec_"), "never the secret");
    let via_api = api.get("/api/v1/audit?kind=webhook").json();
    assert_eq!(via_api["total"], 2);
}
