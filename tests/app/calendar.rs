//! The calendar file in a candidate's prep pack, as their calendar reads
//! it: folded lines, escaped text, and slots that move or go away.

use serde_json::{Value, json};

use crate::builders::{Member, Team, candidate, job};
use crate::smtp::{SmtpServer, part};
use crate::support::{Browser, TestApp, TestDb};

/// A 73-character meeting link.
const MEETING: &str = "https://meet.example.com/interview/backend-developer/grace-hopper-0123456";

struct Setup<'a> {
    recruiter: Member<'a>,
    candidate: i64,
    stages: Vec<i64>,
}

/// Grace Hopper on a backend job, none of her stages scheduled yet.
fn setup(app: &TestApp) -> Setup<'_> {
    let Team {
        mut manager,
        recruiter,
        ..
    } = Team::with_interviewers(app, 0);
    let mut recruiter = recruiter;
    let job = job("Backend Developer").create(&mut manager.api);
    let grace = candidate("Grace Hopper")
        .email("grace@example.com")
        .on(&job)
        .create(&mut recruiter.api);
    Setup {
        recruiter,
        candidate: grace.id,
        stages: grace.stages,
    }
}

fn loop_version(rec: &mut Browser, candidate: i64) -> Value {
    rec.get(&format!("/api/v1/candidates/{candidate}/loop"))
        .json()["version"]
        .clone()
}

fn edit_stage(rec: &mut Browser, candidate: i64, stage: i64, mut changes: Value) {
    changes["version"] = loop_version(rec, candidate);
    let res = rec.patch_json(&format!("/api/v1/stages/{stage}"), changes);
    assert_eq!(res.status, 200, "{}", res.body);
}

fn preview(rec: &mut Browser, candidate: i64) -> String {
    let res = rec.get(&format!("/api/v1/candidates/{candidate}/prep-pack"));
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["calendar"].as_str().unwrap().to_owned()
}

/// RFC 5545 §3.1: a CRLF followed by one space or tab is not there.
fn unfold(ics: &str) -> String {
    ics.replace("\r\n ", "").replace("\r\n\t", "")
}

/// Each VEVENT's properties by name, values as written (still escaped).
fn events(ics: &str) -> Vec<Vec<(String, String)>> {
    unfold(ics)
        .split("BEGIN:VEVENT\r\n")
        .skip(1)
        .map(|event| {
            event
                .split("\r\n")
                .take_while(|l| *l != "END:VEVENT")
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn field<'e>(event: &'e [(String, String)], name: &str) -> &'e str {
    event
        .iter()
        .find(|(k, _)| k == name || k.starts_with(&format!("{name};")))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

#[test]
fn a_long_meeting_link_is_folded_at_75_octets_and_unfolds_whole() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    assert_eq!(MEETING.len(), 73);
    edit_stage(
        rec,
        s.candidate,
        s.stages[0],
        json!({"starts_at": "2026-12-01T10:00:00+01:00", "time_zone": "Europe/Berlin", "location": MEETING}),
    );

    let ics = preview(rec, s.candidate);
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(ics.contains("\r\n "), "the location line is folded: {ics}");
    let events = events(&ics);
    assert_eq!(events.len(), 1);
    assert_eq!(field(&events[0], "LOCATION"), MEETING);
}

#[test]
fn what_people_type_reaches_the_calendar_escaped_and_whole() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    edit_stage(
        rec,
        s.candidate,
        s.stages[0],
        json!({
            "title": "Screen; part 1, with C:\\ drive",
            "starts_at": "2026-12-01T10:00:00+01:00",
            "time_zone": "Europe/Berlin",
            "location": "Room 4, Building B\nSecond floor; ask at the desk",
        }),
    );

    let ics = preview(rec, s.candidate);
    let event = &events(&ics)[0];
    assert_eq!(
        field(event, "SUMMARY"),
        "Screen\\; part 1\\, with C:\\\\ drive - Backend Developer"
    );
    assert_eq!(
        field(event, "LOCATION"),
        "Room 4\\, Building B\\nSecond floor\\; ask at the desk",
        "the line break is kept as \\n"
    );
    assert!(field(event, "DTSTAMP").ends_with('Z'));
    // UTC, so no TZID that would need a VTIMEZONE of its own.
    assert_eq!(field(event, "DTSTART"), "20261201T090000Z");
    assert!(!ics.contains("TZID"), "{ics}");
    assert!(
        field(event, "DESCRIPTION").contains("10:00 CET (Europe/Berlin)"),
        "the stage's own zone is told in words: {ics}"
    );
    assert!(field(event, "ORGANIZER").starts_with("mailto:"));
}

fn send(rec: &mut Browser, candidate: i64, key: &str) {
    rec.extra_headers = vec![("Idempotency-Key".into(), key.into())];
    let res = rec.post_json(
        &format!("/api/v1/candidates/{candidate}/prep-pack/send"),
        json!({}),
    );
    rec.extra_headers.clear();
    assert_eq!(res.status, 202, "{}", res.body);
}

fn remove_stage(rec: &mut Browser, candidate: i64, stage: i64) {
    let version = loop_version(rec, candidate);
    let res = rec.request(
        "DELETE",
        &format!("/api/v1/stages/{stage}?version={version}"),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.body);
}

/// (UID, SEQUENCE, DTSTART, STATUS) of each event in a pack's calendar.
fn slots(ics: &str) -> Vec<(String, i64, String, String)> {
    events(ics)
        .iter()
        .map(|e| {
            (
                field(e, "UID").to_owned(),
                field(e, "SEQUENCE").parse().unwrap(),
                field(e, "DTSTART").to_owned(),
                field(e, "STATUS").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_candidates_calendar_follows_their_loop_through_moves_removals_and_unscheduling() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    let (screen, manager_chat) = (s.stages[0], s.stages[1]);
    let (screen_uid, chat_uid) = (
        format!("stage-{screen}@loopwright"),
        format!("stage-{manager_chat}@loopwright"),
    );
    let at = |t: &str| json!({"starts_at": t, "time_zone": "Europe/Berlin", "location": MEETING});

    // Scheduled: an invite for each slot.
    edit_stage(rec, s.candidate, screen, at("2026-12-01T10:00:00+01:00"));
    edit_stage(
        rec,
        s.candidate,
        manager_chat,
        at("2026-12-01T14:00:00+01:00"),
    );
    send(rec, s.candidate, "scheduled");
    let mail = smtp.wait_for(1).remove(0);
    assert!(
        mail.data
            .contains("text/calendar; charset=utf-8; method=PUBLISH"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("filename=\"interviews.ics\""));
    let first = slots(&part(&mail.data, "text/calendar").unwrap());
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(first[0].0, screen_uid);
    assert_eq!(first[0].2, "20261201T090000Z");
    assert_eq!(first[0].3, "CONFIRMED");
    assert_eq!(first[1].0, chat_uid);

    // Rescheduled: the same UID, a higher SEQUENCE, the new start.
    edit_stage(rec, s.candidate, screen, at("2026-12-02T10:00:00+01:00"));
    let moved = slots(&preview(rec, s.candidate));
    assert_eq!(moved[0].0, screen_uid);
    assert!(moved[0].1 > first[0].1, "{moved:?} after {first:?}");
    assert_eq!(moved[0].2, "20261202T090000Z");
    send(rec, s.candidate, "rescheduled");

    // Removed: the next pack cancels the slot the candidate still has.
    remove_stage(rec, s.candidate, manager_chat);
    let after_removal = slots(&preview(rec, s.candidate));
    let cancelled = after_removal
        .iter()
        .find(|e| e.0 == chat_uid)
        .unwrap_or_else(|| panic!("the removed stage is cancelled: {after_removal:?}"));
    assert_eq!(cancelled.3, "CANCELLED");
    assert_eq!(cancelled.2, "20261201T130000Z", "the slot that was sent");
    assert!(cancelled.1 > first[1].1);
    send(rec, s.candidate, "removed");
    let mails = smtp.wait_for(3);
    assert_eq!(
        slots(&part(&mails[2].data, "text/calendar").unwrap()),
        after_removal,
        "the email carries what the preview showed"
    );

    // Sent once: a later pack does not cancel it again.
    let later = slots(&preview(rec, s.candidate));
    assert!(later.iter().all(|e| e.0 != chat_uid), "{later:?}");
    assert_eq!(later.len(), 1);

    // Unscheduled: cancelled in the next pack.
    let sent_screen = later[0].1;
    edit_stage(rec, s.candidate, screen, json!({"starts_at": null}));
    let unscheduled = slots(&preview(rec, s.candidate));
    assert_eq!(unscheduled.len(), 1, "{unscheduled:?}");
    assert_eq!(unscheduled[0].0, screen_uid);
    assert_eq!(unscheduled[0].2, "20261202T090000Z");
    assert_eq!(unscheduled[0].3, "CANCELLED");
    assert!(unscheduled[0].1 > sent_screen);
    send(rec, s.candidate, "unscheduled");
    assert!(slots(&preview(rec, s.candidate)).is_empty());

    // Scheduled again: the same slot comes back above its cancellation.
    edit_stage(rec, s.candidate, screen, at("2026-12-03T10:00:00+01:00"));
    let back = slots(&preview(rec, s.candidate));
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].3, "CONFIRMED");
    assert!(back[0].1 > unscheduled[0].1);
}

#[test]
fn an_unchanged_slot_keeps_its_sequence_from_one_pack_to_the_next() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let rec = &mut s.recruiter.api;
    edit_stage(
        rec,
        s.candidate,
        s.stages[0],
        json!({"starts_at": "2026-12-01T10:00:00Z"}),
    );
    send(rec, s.candidate, "first");
    let sent = slots(&preview(rec, s.candidate));
    // An edit elsewhere in the loop moves its version, not this slot.
    edit_stage(
        rec,
        s.candidate,
        s.stages[3],
        json!({"title": "Design chat"}),
    );
    assert_eq!(slots(&preview(rec, s.candidate)), sent);
}
