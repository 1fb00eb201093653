//! Every time shown to a person is in their zone, named: no raw ISO 8601 on
//! any page; the zone is theirs to choose, proposed by the browser at sign-in.

use serde_json::json;

use crate::builders::{Candidate, Team, candidate, job, plan, scorecard, stage};
use crate::support::{Browser, TestApp, csrf_field};

/// The HTML with every attribute value emptied: `<time datetime="…">` and
/// form values may hold machine forms, the text a person reads may not.
fn text_outside_attributes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("=\"") {
        out.push_str(&rest[..at + 2]);
        rest = &rest[at + 2..];
        match rest.find('"') {
            Some(end) => rest = &rest[end..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// The first ISO 8601 date-time in `text`: the regex
/// `\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`, written out.
fn iso_date_time(text: &str) -> Option<String> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd";
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(SHAPE.len() - 1))
        .find(|&i| {
            SHAPE.iter().enumerate().all(|(j, want)| {
                let got = bytes[i + j];
                match want {
                    b'd' => got.is_ascii_digit(),
                    b'T' => got == b'T' || got == b' ',
                    other => got == *other,
                }
            })
        })
        .map(|i| text[i..i + SHAPE.len()].to_owned())
}

#[test]
fn the_scanner_finds_iso_date_times_outside_attributes_only() {
    assert_eq!(
        iso_date_time("at 2026-11-27T12:00:00+00:00 sharp").as_deref(),
        Some("2026-11-27T12:00")
    );
    assert!(iso_date_time("decided 2026-11-29 06:45:20.51").is_some());
    assert_eq!(iso_date_time("Tue 1 Dec 2026, 14:00 UTC+5:45"), None);
    let html = r#"<time datetime="2026-11-27T12:00:00+00:00">today 17:45</time>"#;
    assert_eq!(iso_date_time(&text_outside_attributes(html)), None);
}

/// Schedules `stage` at `at` (RFC 3339) in `zone` through the API.
fn schedule(script: &mut Browser, candidate: &Candidate, stage: i64, at: &str, zone: &str) {
    let shape = script
        .get(&format!("/api/v1/candidates/{}/loop", candidate.id))
        .json();
    let res = script.patch_json(
        &format!("/api/v1/stages/{stage}"),
        json!({"version": shape["version"], "starts_at": at, "time_zone": zone,
               "location": "https://meet.example.com/ada-loop"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
}

fn set_own_zone(browser: &mut Browser, zone: &str) -> crate::support::TestResponse {
    browser.submit("/account", "/account", &[("time_zone", zone)])
}

#[test]
fn no_page_shows_an_iso_timestamp_to_a_viewer_in_kathmandu() {
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 1);
    let (admin, colleague) = (team.admin.id, team.interviewers[0].id);
    let job = job("Times job")
        .managed_by(team.manager.id)
        .create(&mut team.admin.api);
    plan()
        .stage(0, stage().interviewers([admin]))
        .stage(1, stage().interviewers([colleague]))
        .apply(&mut team.admin.api, job.loop_id);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    // One interview days ago, one far ahead.
    let past = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    schedule(
        &mut team.recruiter.api,
        &ada,
        ada.stages[0],
        &past,
        "Europe/Berlin",
    );
    schedule(
        &mut team.recruiter.api,
        &ada,
        ada.stages[1],
        "2031-03-03T10:00:00Z",
        "Europe/Berlin",
    );
    // The viewer has given their scorecard, so the debrief is theirs to read.
    let shape = team
        .admin
        .api
        .get(&format!("/api/v1/candidates/{}/loop", ada.id))
        .json();
    let mut card = scorecard()
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Careful.");
    for criterion in shape["stages"][0]["focus_criterion_ids"]
        .as_array()
        .unwrap()
    {
        card = card.rate(criterion.as_i64().unwrap(), "yes", "Explained it well.");
    }
    card.submit(&mut team.admin.api, ada.stages[0]);
    let res = team.admin.api.post_json(
        &format!("/api/v1/candidates/{}/decision", ada.id),
        json!({"outcome": "hold", "rationale": "Waiting for the second round.", "criterion_ids": []}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    team.recruiter.api.extra_headers = vec![("Idempotency-Key".into(), "times-pack".into())];
    let res = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", ada.id),
        json!({}),
    );
    team.recruiter.api.extra_headers.clear();
    assert_eq!(res.status, 202, "{}", res.body);
    let question = team.admin.api.get("/api/v1/questions?per_page=1").json()["questions"][0]["id"]
        .as_i64()
        .unwrap();

    let res = team.admin.api.post_json(
        "/api/v1/invitations",
        json!({"name": "Grace Hopper", "email": "grace@example.com", "role": "interviewer"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);

    let mut viewer = team.admin.browser();
    let saved = set_own_zone(&mut viewer, "Asia/Kathmandu");
    assert_eq!(saved.status, 303, "{}", saved.body);
    let pages = [
        "/".to_owned(),
        "/interviews".to_owned(),
        format!("/stages/{}/kit", ada.stages[0]),
        format!("/stages/{}/kit", ada.stages[1]),
        format!("/candidates/{}", ada.id),
        format!("/candidates/{}/debrief", ada.id),
        format!("/candidates/{}/planner", ada.id),
        format!("/jobs/{}", job.id),
        "/candidates".to_owned(),
        "/jobs".to_owned(),
        "/bank".to_owned(),
        format!("/bank/questions/{question}"),
        "/users".to_owned(),
        format!("/users/{}", colleague),
        "/account".to_owned(),
    ];
    for path in &pages {
        let page = viewer.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let text = text_outside_attributes(&page.body);
        assert_eq!(
            iso_date_time(&text),
            None,
            "{path} shows a raw timestamp:\n{text}"
        );
    }

    // And what is shown is in Kathmandu, named, with the candidate's zone beside.
    let kit = viewer.get(&format!("/stages/{}/kit", ada.stages[1]));
    assert!(
        kit.body.contains(
            "title=\"Mon 3 Mar 2031, 15:45 UTC+5:45\">Mon 3 Mar 2031, 15:45 UTC+5:45</time>"
        ),
        "{}",
        kit.body
    );
    assert!(
        kit.body.contains("(candidate's time: 11:00 CET)"),
        "{}",
        kit.body
    );
    assert!(
        kit.body
            .contains("<a href=\"https://meet.example.com/ada-loop\""),
        "the meeting link is a link: {}",
        kit.body
    );
    let mine = viewer.get("/interviews");
    assert!(mine.body.contains("UTC+5:45"), "{}", mine.body);
    let people = viewer.get("/users");
    assert!(
        people.body.contains("UTC+5:45</time>"),
        "the invitation's expiry"
    );
    let debrief = viewer.get(&format!("/candidates/{}/debrief", ada.id));
    assert!(debrief.body.contains("today ") || debrief.body.contains("yesterday "));
}

#[test]
fn a_person_without_a_zone_sees_utc_named() {
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 1);
    let interviewer = team.interviewers[0].id;
    let job = job("UTC job").create(&mut team.manager.api);
    plan()
        .stage(0, stage().interviewers([interviewer]))
        .stage(1, stage().interviewers([interviewer]))
        .apply(&mut team.manager.api, job.loop_id);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    schedule(
        &mut team.recruiter.api,
        &ada,
        ada.stages[0],
        "2031-03-03T10:00:00Z",
        "America/New_York",
    );
    // Ended three days and some hours ago: its scorecard is that late.
    let past = (chrono::Utc::now() - chrono::Duration::days(4)).to_rfc3339();
    schedule(
        &mut team.recruiter.api,
        &ada,
        ada.stages[1],
        &past,
        "America/New_York",
    );
    let mut browser = team.interviewers[0].browser();
    let mine = browser.get("/interviews");
    assert!(
        mine.body.contains(">Mon 3 Mar 2031, 10:00 UTC</time>"),
        "{}",
        mine.body
    );
    assert!(
        mine.body.contains("(candidate's time: 05:00 EST)"),
        "{}",
        mine.body
    );
    assert!(
        mine.body.contains("3 days overdue"),
        "the scorecard of the past interview: {}",
        mine.body
    );
    // The API keeps RFC 3339 for machines.
    let api = team.interviewers[0].api.get("/api/v1/me/interviews").json();
    assert_eq!(
        api["interviews"][0]["starts_at"], "2031-03-03T10:00:00+00:00",
        "{api}"
    );
}

#[test]
fn sign_in_proposes_the_browsers_zone_once_and_the_account_page_changes_it() {
    let app = TestApp::spawn();
    let user = app.user(loopwright::domain::Role::Interviewer);
    let sign_in = |zone: &str| {
        let mut browser = app.browser();
        let login = browser.get("/login");
        assert!(login.body.contains("id=\"field-browser-zone\""));
        assert!(login.body.contains("/static/time_zone.js"));
        let res = browser.submit(
            "/login",
            "/login",
            &[
                ("email", &user.email),
                ("password", &user.password),
                ("time_zone", zone),
            ],
        );
        assert_eq!(res.status, 303, "{}", res.body);
        browser
    };
    let zone_of =
        |browser: &mut Browser| browser.get("/api/v1/me").json()["user"]["time_zone"].clone();

    // A made-up zone is ignored: still none.
    let mut browser = sign_in("Mars/Olympus_Mons");
    assert_eq!(zone_of(&mut browser), json!(null));
    // The browser's zone is taken when there is none...
    let mut browser = sign_in("America/New_York");
    assert_eq!(zone_of(&mut browser), "America/New_York");
    // ...and never overwrites one.
    let mut browser = sign_in("Europe/Berlin");
    assert_eq!(zone_of(&mut browser), "America/New_York");

    // A typo comes back with what was typed, the error beside the field,
    // and the zone still saved shown apart from it.
    let page = browser.get("/account");
    let csrf = csrf_field(&page.body);
    assert!(page.body.contains("<datalist id=\"iana-zones\">"));
    assert!(page.body.contains("<option value=\"Asia/Kathmandu\">"));
    let bad = browser.post_form(
        "/account",
        &[("csrf_token", &csrf), ("time_zone", "Asia/Katmandoo")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("value=\"Asia/Katmandoo\""),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("id=\"error-time_zone\""), "{}", bad.body);
    assert!(
        bad.body
            .contains("Times are shown in <strong>America/New_York</strong>"),
        "{}",
        bad.body
    );
    assert_eq!(zone_of(&mut browser), "America/New_York");

    let good = set_own_zone(&mut browser, "Asia/Kathmandu");
    assert_eq!(good.status, 303, "{}", good.body);
    assert_eq!(zone_of(&mut browser), "Asia/Kathmandu");
    let cleared = set_own_zone(&mut browser, "");
    assert_eq!(cleared.status, 303, "{}", cleared.body);
    assert_eq!(zone_of(&mut browser), json!(null));
}

#[test]
fn a_schedule_typo_never_looks_saved_and_a_past_start_is_saved_with_a_warning() {
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 1);
    let job = job("Schedule job").create(&mut team.manager.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    let stage = ada.stages[0];
    schedule(
        &mut team.recruiter.api,
        &ada,
        stage,
        "2031-03-03T10:00:00Z",
        "Europe/Berlin",
    );
    let mut browser = team.recruiter.browser();
    let path = format!("/candidates/{}", ada.id);
    let page = browser.get(&path);
    assert!(
        page.body.contains("list=\"iana-zones\""),
        "a searchable list"
    );
    assert!(page.body.contains("<option value=\"Europe/Berlin\">"));
    let csrf = csrf_field(&page.body);
    let version = team
        .recruiter
        .api
        .get(&format!("/api/v1/candidates/{}/loop", ada.id))
        .json()["version"]
        .to_string();
    let candidate_id = ada.id.to_string();
    let post = |browser: &mut Browser, starts: &str, zone: &str| {
        browser.post_form(
            &format!("/stages/{stage}/schedule"),
            &[
                ("csrf_token", &csrf),
                ("version", &version),
                ("candidate_id", &candidate_id),
                ("starts_at", starts),
                ("time_zone", zone),
                ("location", "Room 1"),
            ],
        )
    };

    let bad = post(&mut browser, "2031-03-03T11:00", "Europe/Berln");
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("value=\"Europe/Berln\""), "typed, kept");
    assert!(
        bad.body
            .contains(&format!("id=\"error-stage-{stage}-time_zone\"")),
        "{}",
        bad.body
    );
    assert!(
        bad.body
            .contains("Still saved: <strong>Europe/Berlin</strong>"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("(candidate's time: 11:00 CET)"),
        "the row still shows the saved time and zone: {}",
        bad.body
    );

    let saved = post(&mut browser, "2020-01-06T09:00", "Europe/Berlin");
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = browser.get(&path);
    assert!(
        page.body
            .contains("Done:</span> Time saved. Its start is in the past"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("id=\"warning-stage-{stage}-starts_at\"")),
        "the warning sits by the field"
    );
    let shape = team
        .recruiter
        .api
        .get(&format!("/api/v1/candidates/{}/loop", ada.id))
        .json();
    assert_eq!(shape["stages"][0]["starts_at"], "2020-01-06T08:00:00+00:00");
}

/// A stage not yet scheduled offers a zone to schedule it in: the zone of
/// another stage of the loop, else that of the person scheduling, never a
/// UTC they did not choose.
#[test]
fn scheduling_offers_the_loops_zone_then_the_schedulers() {
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 1);
    let job = job("Zones").create(&mut team.manager.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    let mut browser = team.recruiter.browser();
    assert_eq!(set_own_zone(&mut browser, "Asia/Kolkata").status, 303);
    let path = format!("/candidates/{}", ada.id);
    let offered = |browser: &mut Browser, stage: i64| -> String {
        let page = browser.get(&path).body;
        let input = format!("id=\"stage-{stage}-time_zone\"");
        let at = page.find(&input).expect("the stage's zone field");
        let rest = &page[at..];
        let value = &rest[rest.find("value=\"").unwrap() + 7..];
        value[..value.find('"').unwrap()].to_owned()
    };
    assert_eq!(offered(&mut browser, ada.stages[1]), "Asia/Kolkata");
    schedule(
        &mut team.recruiter.api,
        &ada,
        ada.stages[0],
        "2031-03-03T10:00:00Z",
        "Europe/Berlin",
    );
    assert_eq!(offered(&mut browser, ada.stages[1]), "Europe/Berlin");
}
