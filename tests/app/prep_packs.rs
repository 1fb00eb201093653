//! Prep packs: preview, send through the outbox with a calendar file,
//! idempotency, and what never goes to a candidate.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{Member, Team, candidate, first_question, job, plan, scorecard, stage};
use crate::smtp::{SmtpServer, part, text_part};
use crate::support::{Browser, TestApp, TestDb};

struct Setup<'a> {
    recruiter: Member<'a>,
    candidate: i64,
    stages: Vec<i64>,
    secret_prompt: String,
}

/// Grace Hopper on a backend job whose first stage asks a question.
fn setup(app: &TestApp) -> Setup<'_> {
    let Team {
        mut manager,
        recruiter: mut rec,
        ..
    } = Team::with_interviewers(app, 0);
    let job = job("Backend Developer").create(&mut manager.api);
    let question = first_question(&mut manager.api, "stage_kind=recruiter-screen");
    plan()
        .stage(0, stage().questions([question["id"].as_i64().unwrap()]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .email("grace@example.com")
        .on(&job)
        .create(&mut rec.api);
    Setup {
        recruiter: rec,
        candidate: grace.id,
        stages: grace.stages,
        secret_prompt: question["prompt"].as_str().unwrap().to_owned(),
    }
}

fn schedule(script: &mut Browser, candidate: i64, stage: i64, at: &str) {
    let version = script
        .get(&format!("/api/v1/candidates/{candidate}/loop"))
        .json()["version"]
        .clone();
    let res = script.patch_json(&format!("/api/v1/stages/{stage}"), json!({"version": version, "starts_at": at, "time_zone": "Europe/Berlin", "location": "https://meet.example/room"}));
    assert_eq!(res.status, 200, "{}", res.body);
}

fn send(script: &mut Browser, candidate: i64, key: &str) -> crate::support::TestResponse {
    script.extra_headers = vec![("Idempotency-Key".into(), key.into())];
    let res = script.post_json(
        &format!("/api/v1/candidates/{candidate}/prep-pack/send"),
        json!({"note": "Looking forward to meeting you."}),
    );
    script.extra_headers.clear();
    res
}

fn events(ics: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for event in ics.split("BEGIN:VEVENT").skip(1) {
        let field = |name: &str| {
            event
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        out.push((field("UID:"), field("DTSTART:")));
    }
    out
}

#[test]
fn a_prep_pack_arrives_with_its_calendar_once_and_without_the_questions() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    schedule(rec, s.candidate, s.stages[0], "2026-12-01T10:00:00+01:00");
    schedule(rec, s.candidate, s.stages[2], "2026-12-01T13:30:00+01:00");

    let preview = rec.get(&format!("/api/v1/candidates/{}/prep-pack", s.candidate));
    assert_eq!(preview.status, 200);
    let preview: Value = preview.json();
    assert_eq!(preview["subject"], "Your interviews for Backend Developer");
    assert!(
        preview["html"]
            .as_str()
            .unwrap()
            .contains("Tuesday 1 December 2026, 10:00 CET")
    );

    assert_eq!(send(rec, s.candidate, "first-click").status, 202);
    assert_eq!(
        send(rec, s.candidate, "first-click").status,
        200,
        "the same key sends nothing more"
    );
    let mail = smtp.wait_for(1).remove(0);
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(smtp.messages().len(), 1, "one email for one key");
    assert_eq!(mail.to, ["grace@example.com"]);
    assert!(mail.data.contains("multipart/alternative"));
    let html = part(&mail.data, "text/html").expect("an HTML part");
    let text = text_part(&mail.data);
    for stage in [
        "Recruiter screen",
        "Hiring manager interview",
        "Live coding round",
        "System design interview",
        "Past project deep-dive",
        "Final / values interview",
    ] {
        assert!(
            html.contains(stage) && text.contains(stage),
            "{stage} is in the pack"
        );
    }
    assert!(
        !html.contains(&s.secret_prompt) && !text.contains(&s.secret_prompt),
        "no question text goes to a candidate"
    );
    assert!(text.contains("Looking forward to meeting you."));
    let ics = part(&mail.data, "text/calendar").expect("a calendar part");
    let first = events(&ics);
    assert_eq!(first.len(), 2, "one event per scheduled stage: {ics}");
    assert_eq!(
        first[0],
        (
            format!("stage-{}@loopwright", s.stages[0]),
            "20261201T090000Z".to_owned()
        )
    );
    assert_eq!(first[1].1, "20261201T123000Z");

    // A re-send after a schedule change keeps the events' UIDs.
    schedule(rec, s.candidate, s.stages[0], "2026-12-02T10:00:00+01:00");
    assert_eq!(send(rec, s.candidate, "second-click").status, 202);
    let mails = smtp.wait_for(2);
    let second = events(&part(&mails[1].data, "text/calendar").unwrap());
    assert_eq!(
        second.iter().map(|e| &e.0).collect::<Vec<_>>(),
        first.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    assert_eq!(second[0].1, "20261202T090000Z");

    let status = rec
        .get(&format!("/api/v1/outbox?candidate_id={}", s.candidate))
        .json();
    assert_eq!(status["messages"].as_array().unwrap().len(), 2);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let status = rec
            .get(&format!("/api/v1/outbox?candidate_id={}", s.candidate))
            .json();
        if status["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["status"] == "sent")
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn prep_packs_are_for_those_who_may_see_the_candidate() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let path = format!("/api/v1/candidates/{}/prep-pack", s.candidate);
    assert_eq!(s.recruiter.api.get(&path).status, 200);
    let mut stranger = Member::new(&app, Role::Interviewer).api;
    assert_eq!(stranger.get(&path).status, 404);
    assert_eq!(
        stranger
            .post_json(&format!("{path}/send"), json!({}))
            .status,
        404
    );
    assert_eq!(
        stranger
            .get(&format!("/api/v1/outbox?candidate_id={}", s.candidate))
            .status,
        404
    );
    let long = s
        .recruiter
        .api
        .post_json(&format!("{path}/send"), json!({"note": "x".repeat(2001)}));
    assert_eq!(long.status, 422);
}

#[test]
fn missing_scorecards_are_chased_once_a_day_and_escalated_later() {
    use chrono::Duration;
    use diesel::prelude::*;
    use loopwright::db::schema::outbox_messages;
    use loopwright::interviews::reminders::{Delays, run};

    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 1);
    let (rec, interviewer) = (&mut team.recruiter.api, team.interviewers[0].id);
    let job = job("Reminder job").create(&mut team.manager.api);
    let ada = candidate("Ada")
        .email("ada@example.com")
        .on(&job)
        .create(rec);
    // The interviewer on Ada's first stage, which ended a while ago.
    plan()
        .stage(0, stage().interviewers([interviewer]))
        .apply(rec, ada.loop_id);
    let (candidate, stage) = (ada.id, ada.stages[0]);
    schedule(rec, candidate, stage, "2026-12-01T10:00:00Z"); // 30 minutes: ends 10:30 UTC

    let templates = loopwright::templates::Templates::new(false).unwrap();
    let ended = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        .unwrap()
        .and_hms_opt(10, 30, 0)
        .unwrap();
    let mut conn = app.conn();
    let mut remind = |at: chrono::NaiveDateTime| {
        run(
            &mut conn,
            &templates,
            "http://loopwright.test",
            at,
            Delays::default(),
        )
        .unwrap()
    };
    assert_eq!(
        remind(ended + Duration::hours(23)),
        0,
        "not before the delay"
    );
    assert_eq!(
        remind(ended + Duration::hours(25)),
        1,
        "one reminder after it"
    );
    assert_eq!(remind(ended + Duration::hours(26)), 0, "at most once a day");
    assert_eq!(
        remind(ended + Duration::hours(49)),
        2,
        "the next day: the interviewer again and the hiring manager"
    );
    let kinds = |app: &TestApp| -> Vec<(String, String)> {
        outbox_messages::table
            .order(outbox_messages::id)
            .select((outbox_messages::kind, outbox_messages::recipient_email))
            .load(&mut app.conn())
            .unwrap()
    };
    let sent = kinds(&app);
    let reminders: Vec<&(String, String)> = sent
        .iter()
        .filter(|(k, _)| k.starts_with("scorecard"))
        .collect();
    assert_eq!(reminders.len(), 3);
    assert_eq!(reminders[2].1, team.manager.user.email);
    let body: String = outbox_messages::table
        .filter(outbox_messages::kind.eq("scorecard_reminder"))
        .select(outbox_messages::text_body)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        body.contains(&format!("http://loopwright.test/stages/{stage}/kit")),
        "links straight to the scorecard"
    );
    assert_eq!(
        remind(ended + Duration::days(13)),
        2,
        "still chased on day 13"
    );
    assert_eq!(
        remind(ended + Duration::days(15)),
        0,
        "two weeks after the stage the daily run gives up"
    );

    // Submitted: never again.
    let focus = team
        .recruiter
        .api
        .get(&format!("/api/v1/candidates/{candidate}/loop"))
        .json()["stages"][0]["focus_criterion_ids"]
        .clone();
    let mut late = scorecard()
        .no_red_flags(&job.red_flags)
        .recommend("no")
        .summary("Late, sorry.");
    for criterion in focus.as_array().unwrap() {
        late = late.rate(criterion.as_i64().unwrap(), "no_signal", "");
    }
    late.submit(&mut team.interviewers[0].api, stage);
    let mut conn = app.conn();
    assert_eq!(
        run(
            &mut conn,
            &templates,
            "http://loopwright.test",
            ended + Duration::hours(80),
            Delays::default()
        )
        .unwrap(),
        0
    );
}

#[test]
fn the_candidate_page_previews_sends_and_shows_delivery() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let mut browser = s.recruiter.browser();
    let path = format!("/candidates/{}", s.candidate);
    let page = browser.get(&path);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Prep pack"));
    assert!(
        page.body
            .contains("Made from this candidate&#x27;s loop at version")
            || page
                .body
                .contains("Made from this candidate's loop at version")
    );
    assert!(
        !page.body.contains(&s.secret_prompt.replace('\'', "&#x27;")),
        "the preview holds no question text"
    );
    let preview = browser.get(&format!("{path}/prep-pack/preview"));
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("Recruiter screen"));
    assert!(
        preview
            .header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );

    let csrf = crate::support::csrf_field(&page.body);
    let marker = "name=\"idempotency_key\" value=\"";
    let key_at = page.body.find(marker).unwrap() + marker.len();
    let key = page.body[key_at..].split('"').next().unwrap().to_owned();
    let first = browser.post_form(
        &format!("{path}/prep-pack/send"),
        &[
            ("csrf_token", &csrf),
            ("idempotency_key", &key),
            ("note", "See you soon <3"),
        ],
    );
    assert_eq!(first.status, 303);
    let double_click = browser.post_form(
        &format!("{path}/prep-pack/send"),
        &[
            ("csrf_token", &csrf),
            ("idempotency_key", &key),
            ("note", "See you soon <3"),
        ],
    );
    assert_eq!(double_click.status, 303);
    let status = s
        .recruiter
        .api
        .get(&format!("/api/v1/outbox?candidate_id={}", s.candidate))
        .json();
    assert_eq!(
        status["messages"].as_array().unwrap().len(),
        1,
        "a double click sends one email"
    );
    let page = browser.get(&path);
    assert!(page.body.contains("Emails to this candidate"));
    assert!(page.body.contains("Send again"));
}

#[test]
fn with_smtp_down_the_pack_waits_the_page_says_so_and_it_goes_once() {
    let smtp = SmtpServer::start();
    let (url, port) = (smtp.url(), smtp.port);
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    smtp.stop();
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    assert_eq!(send(rec, s.candidate, "while-down").status, 202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = rec
            .get(&format!("/api/v1/outbox?candidate_id={}", s.candidate))
            .json()["messages"][0]
            .clone();
        if m["attempts"].as_i64().unwrap_or(0) >= 1 && m["last_error"].is_string() {
            assert_ne!(m["status"], "sent");
            // Said for the recruiter; the operating system's text goes to the log.
            assert_eq!(m["last_error"], "The mail server could not be reached.");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{m}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let page = s
        .recruiter
        .browser()
        .get(&format!("/candidates/{}", s.candidate));
    assert!(page.body.contains("Queued"), "the page says it is waiting");
    assert!(page.body.contains("The mail server could not be reached."));
    assert!(!page.body.contains("os error"), "{}", page.body);
    let smtp = SmtpServer::start_on(port);
    smtp.wait_for(1);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
}

#[test]
fn script_tags_and_line_breaks_arrive_escaped_and_add_no_header() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    // A name with CRLF is refused outright; one with markup is kept, and escaped.
    let crlf = rec.patch_json(
        &format!("/api/v1/candidates/{}", s.candidate),
        json!({"name": "Eve\r\nBcc: evil@example.com"}),
    );
    assert_eq!(crlf.status, 422);
    assert_eq!(
        rec.patch_json(
            &format!("/api/v1/candidates/{}", s.candidate),
            json!({"name": "Eve <script>alert(1)</script>"})
        )
        .status,
        200
    );
    rec.extra_headers = vec![("Idempotency-Key".into(), "escape-test".into())];
    let res = rec.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", s.candidate),
        json!({"note": "Hi <script>x()</script>\r\nBcc: evil@example.com"}),
    );
    assert_eq!(res.status, 202);
    let mail = smtp.wait_for(1).remove(0);
    assert_eq!(mail.to, ["grace@example.com"], "one recipient, no Bcc");
    let headers = &mail.data[..mail.data.find("\r\n\r\n").unwrap()];
    assert!(!headers.to_ascii_lowercase().contains("bcc:"), "{headers}");
    let html = part(&mail.data, "text/html").unwrap();
    assert!(
        html.contains("Eve &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("Hi &lt;script&gt;x()&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
}
