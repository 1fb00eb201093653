//! The calendar file in a candidate's prep pack, as their calendar reads
//! it: folded lines, escaped text, and slots that move or go away.

use serde_json::{Value, json};

use crate::builders::{Member, Team, candidate, job};
use crate::support::{Browser, TestApp};

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
