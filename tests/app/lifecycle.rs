//! A candidate's whole life on a driven clock: scheduled, interviewed,
//! reminded, escalated, decided, closed; and an interviewer who leaves on
//! the way. The periodic task is called with the time the story is at.

use chrono::{DateTime, Duration, NaiveDateTime};
use diesel::prelude::*;
use loopwright::db::schema::outbox_messages;
use loopwright::interviews::reminders::{Delays, run};
use loopwright::templates::Templates;
use serde_json::json;

use crate::builders::{Candidate, Job, Member, Team, candidate, job, plan, scorecard, stage};
use crate::support::{Browser, TestApp};

/// Far enough ahead that the server's own periodic task, on the real
/// clock, never finds these stages over.
const MONDAY_TEN: &str = "2031-03-03T10:00:00Z";

/// The periodic task at a time of the test's choosing.
struct Clock<'a> {
    app: &'a TestApp,
    templates: Templates,
}

impl<'a> Clock<'a> {
    fn new(app: &'a TestApp) -> Self {
        Clock {
            app,
            templates: Templates::new(false).unwrap(),
        }
    }

    /// Runs the periodic task at `at`; answers how many emails it queued.
    fn at(&self, at: NaiveDateTime) -> usize {
        run(
            &mut self.app.conn(),
            &self.templates,
            "http://loopwright.test",
            at,
            Delays::default(),
        )
        .unwrap()
    }
}

/// An email in the outbox.
#[derive(Debug, Clone)]
struct Queued {
    kind: String,
    to: String,
    subject: String,
    text: String,
}

fn outbox(app: &TestApp) -> Vec<Queued> {
    outbox_messages::table
        .order(outbox_messages::id)
        .select((
            outbox_messages::kind,
            outbox_messages::recipient_email,
            outbox_messages::subject,
            outbox_messages::text_body,
        ))
        .load::<(String, String, String, String)>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(kind, to, subject, text)| Queued {
            kind,
            to,
            subject,
            text,
        })
        .collect()
}

/// Schedules `stage` at `at` (RFC 3339); answers when it ends (UTC).
fn schedule(script: &mut Browser, candidate: &Candidate, stage: i64, at: &str) -> NaiveDateTime {
    let shape = script
        .get(&format!("/api/v1/candidates/{}/loop", candidate.id))
        .json();
    let res = script.patch_json(
        &format!("/api/v1/stages/{stage}"),
        json!({"version": shape["version"], "starts_at": at, "time_zone": "Europe/Berlin"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let minutes = res.json()["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == stage)
        .unwrap()["duration_minutes"]
        .as_i64()
        .unwrap();
    DateTime::parse_from_rfc3339(at).unwrap().naive_utc() + Duration::minutes(minutes)
}

fn decide(manager: &mut Browser, candidate: &Candidate, outcome: &str) {
    let res = manager.post_json(
        &format!("/api/v1/candidates/{}/decision", candidate.id),
        json!({"outcome": outcome, "rationale": format!("Decided: {outcome}."), "criterion_ids": []}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
}

fn set_status(recruiter: &mut Browser, candidate: &Candidate, status: &str) {
    let res = recruiter.patch_json(
        &format!("/api/v1/candidates/{}", candidate.id),
        json!({"status": status}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
}

/// Submits `member`'s scorecard on `stage`, every focus criterion rated.
fn submit_scorecard(
    job: &Job,
    recruiter: &mut Browser,
    member: &mut Member,
    candidate: &Candidate,
    stage: i64,
) {
    let shape = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", candidate.id))
        .json();
    let focus = shape["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == stage)
        .unwrap()["focus_criterion_ids"]
        .clone();
    let mut card = scorecard()
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Clear and careful.");
    for criterion in focus.as_array().unwrap() {
        card = card.rate(criterion.as_i64().unwrap(), "yes", "Explained it well.");
    }
    card.submit(&mut member.api, stage);
}

#[test]
fn reminders_and_escalations_stop_when_the_candidates_process_ends() {
    let app = TestApp::spawn();
    let clock = Clock::new(&app);
    let mut team = Team::with_interviewers(&app, 1);
    let interviewer = team.interviewers[0].id;
    let job = job("Lifecycle job").create(&mut team.manager.api);
    plan()
        .stage(0, stage().interviewers([interviewer]))
        .apply(&mut team.manager.api, job.loop_id);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    // Scheduled.
    let ended = schedule(&mut team.recruiter.api, &ada, ada.stages[0], MONDAY_TEN);
    assert_eq!(
        clock.at(ended - Duration::hours(1)),
        0,
        "not before the interview"
    );
    // Interviewed: the scorecard is due, but not chased yet.
    assert_eq!(clock.at(ended + Duration::hours(23)), 0);
    // Reminded.
    assert_eq!(clock.at(ended + Duration::hours(25)), 1);
    // Escalated, and the interviewer reminded again.
    assert_eq!(clock.at(ended + Duration::hours(49)), 2);
    let sent = outbox(&app);
    assert_eq!(sent[1].kind, "scorecard_reminder");
    assert_eq!(sent[2].kind, "scorecard_escalation");
    assert_eq!(sent[2].to, team.manager.user.email);
    assert!(sent[2].subject.contains("Ada Lovelace"), "{sent:?}");
    // A hold keeps the process open: the chase goes on.
    decide(&mut team.manager.api, &ada, "hold");
    assert_eq!(
        clock.at(ended + Duration::hours(73)),
        2,
        "on hold: still owed"
    );
    // Decided: no hire ends it, from that day on.
    decide(&mut team.manager.api, &ada, "no_hire");
    for day in 4..8 {
        assert_eq!(
            clock.at(ended + Duration::hours(24 * day + 1)),
            0,
            "no reminder on day {day} after a no-hire"
        );
    }
    // Closed: the status says so too; still nothing.
    set_status(&mut team.recruiter.api, &ada, "rejected");
    assert_eq!(clock.at(ended + Duration::days(30)), 0);
    assert_eq!(outbox(&app).len(), 5, "nothing queued after the decision");
}

#[test]
fn every_ending_of_a_process_stops_the_chase_and_only_that() {
    let app = TestApp::spawn();
    let clock = Clock::new(&app);
    let mut team = Team::with_interviewers(&app, 1);
    let interviewer = team.interviewers[0].id;
    let job = job("Endings job").create(&mut team.manager.api);
    plan()
        .stage(0, stage().interviewers([interviewer]))
        .apply(&mut team.manager.api, job.loop_id);
    // (name, what ends or keeps their process, still chased)
    let stories: [(&str, &str, bool); 8] = [
        ("Withdrawn Wanda", "status:withdrawn", false),
        ("Rejected Rita", "status:rejected", false),
        ("Hired Hugo", "status:hired", false),
        ("Nohire Nina", "decision:no_hire", false),
        ("Hire Hana", "decision:hire", false),
        ("Active Ann", "", true),
        ("Paused Paul", "status:on_hold", true),
        ("Held Hedy", "decision:hold", true),
    ];
    let mut ended = None;
    for (name, ending, _) in stories {
        let c = candidate(name).on(&job).create(&mut team.recruiter.api);
        ended = Some(schedule(
            &mut team.recruiter.api,
            &c,
            c.stages[0],
            MONDAY_TEN,
        ));
        match ending.split_once(':') {
            Some(("status", status)) => set_status(&mut team.recruiter.api, &c, status),
            Some(("decision", outcome)) => decide(&mut team.manager.api, &c, outcome),
            _ => {}
        }
    }
    let ended = ended.unwrap();
    // Two days on: a reminder and an escalation for each process still running.
    assert_eq!(clock.at(ended + Duration::hours(49)), 6);
    let sent = outbox(&app);
    for (name, ending, chased) in stories {
        let about: Vec<&Queued> = sent.iter().filter(|m| m.subject.contains(name)).collect();
        if chased {
            assert_eq!(
                about.len(),
                2,
                "{name} ({ending}) is still chased: {sent:?}"
            );
        } else {
            assert!(
                about.is_empty(),
                "{name} ({ending}) is not chased: {about:?}"
            );
        }
    }
}

#[test]
fn an_interviewer_who_leaves_shows_as_left_their_manager_hears_once_and_the_stage_is_handed_on() {
    let app = TestApp::spawn();
    let clock = Clock::new(&app);
    let mut team = Team::with_interviewers(&app, 3);
    let (stays, leaves, takes_over) = (
        team.interviewers[0].id,
        team.interviewers[1].id,
        team.interviewers[2].id,
    );
    let job = job("Leavers job").create(&mut team.manager.api);
    plan()
        .stage(0, stage().interviewers([stays]))
        .stage(1, stage().interviewers([leaves]))
        .apply(&mut team.manager.api, job.loop_id);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut team.recruiter.api);
    let closed = candidate("Closed Carl")
        .on(&job)
        .create(&mut team.recruiter.api);
    set_status(&mut team.recruiter.api, &closed, "withdrawn");
    let first = schedule(&mut team.recruiter.api, &ada, ada.stages[0], MONDAY_TEN);
    let ended = schedule(
        &mut team.recruiter.api,
        &ada,
        ada.stages[1],
        "2031-03-03T13:00:00Z",
    );
    assert!(first < ended);
    let rec = &mut team.recruiter.api;
    submit_scorecard(&job, rec, &mut team.interviewers[0], &ada, ada.stages[0]);

    // Reminded while on the team.
    assert_eq!(clock.at(ended + Duration::hours(25)), 1);
    assert_eq!(outbox(&app)[0].kind, "scorecard_reminder");

    // Deactivated by an admin.
    let res = team
        .admin
        .api
        .patch_json(&format!("/api/v1/users/{leaves}"), json!({"active": false}));
    assert_eq!(res.status, 200, "{}", res.body);

    // The hiring manager hears once; the leaver gets no more reminders and
    // nobody is escalated about them.
    assert_eq!(clock.at(ended + Duration::hours(26)), 1);
    assert_eq!(
        clock.at(ended + Duration::hours(49)),
        0,
        "told once, not chased"
    );
    assert_eq!(clock.at(ended + Duration::hours(73)), 0);
    let sent = outbox(&app);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let notice = &sent[1];
    assert_eq!(notice.kind, "interviewer_left");
    assert_eq!(notice.to, team.manager.user.email);
    assert!(notice.text.contains("Ada Lovelace"), "{}", notice.text);
    assert!(
        notice.text.contains(&format!(
            "http://loopwright.test/candidates/{}/debrief",
            ada.id
        )),
        "{}",
        notice.text
    );
    assert!(
        !notice.text.contains("Closed Carl"),
        "a withdrawn candidate needs nothing"
    );

    // The debrief says "left", not "missing", in the API and on the page.
    let api = format!("/api/v1/candidates/{}/debrief", ada.id);
    let body = team.manager.api.get(&api).json();
    assert_eq!(body["missing"], json!([]), "{body}");
    assert_eq!(body["left"][0]["interviewer_id"], leaves);
    assert_eq!(body["left"][0]["stage_id"], ada.stages[1]);
    assert_eq!(body["left"][0]["state"], "left");
    let page = format!("/candidates/{}/debrief", ada.id);
    let mut hm = team.manager.browser();
    let html = hm.get(&page).body;
    assert!(html.contains("Left the team"), "{html}");
    assert!(!html.contains("All scorecards are in"));
    assert!(html.contains(&format!("action=\"/candidates/{}/reassign\"", ada.id)));

    // The interviewer who submitted reads the debrief, but may not reassign.
    let mut colleague = team.interviewers[0].browser();
    let theirs = colleague.get(&page);
    assert_eq!(theirs.status, 200);
    assert!(theirs.body.contains("Left the team"));
    assert!(!theirs.body.contains("/reassign\""));
    let version = team
        .manager
        .api
        .get(&format!("/api/v1/candidates/{}/loop", ada.id))
        .json()["version"]
        .as_i64()
        .unwrap()
        .to_string();
    // Who takes over is typed (an email, a full name, or the suggestion
    // "Name <email>" the page offers), never chosen from the whole team.
    let (stage_id, leaver_id, taker) = (
        ada.stages[1].to_string(),
        leaves.to_string(),
        format!("Interviewer Tester <{}>", team.interviewers[2].user.email),
    );
    assert!(!html.contains("Choose someone"), "no option per person");
    assert!(html.contains("data-people-search"), "{html}");
    let fields = |typed: &str| -> Vec<(&'static str, String)> {
        vec![
            ("stage_id", stage_id.clone()),
            ("leaver_id", leaver_id.clone()),
            ("version", version.clone()),
            ("replacement", typed.to_owned()),
        ]
    };
    let action = format!("/candidates/{}/reassign", ada.id);
    let post = |browser: &mut Browser, with: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = with.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.submit(&page, &action, &pairs)
    };
    let with_taker = fields(&taker);
    // Refused: someone not allowed to change the loop.
    assert_eq!(post(&mut colleague, &with_taker).status, 404);
    // Refused without the form's CSRF token.
    let forged: Vec<(&str, &str)> = with_taker.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_ne!(hm.post_form(&action, &forged).status, 303);
    // Nobody chosen: the form again, the reason beside the stage.
    let nobody = post(&mut hm, &fields(""));
    assert_eq!(nobody.status, 422);
    assert!(nobody.body.contains("Choose who takes this stage over."));
    // A name several people share: refused, what was typed kept.
    let several = post(&mut hm, &fields("Interviewer Tester"));
    assert_eq!(several.status, 422, "{}", several.body);
    assert!(
        several.body.contains("Several people are called"),
        "{}",
        several.body
    );
    assert!(
        several.body.contains("value=\"Interviewer Tester\""),
        "{}",
        several.body
    );
    // Someone who left, or nobody known: refused the same way.
    let gone = post(&mut hm, &fields(&team.interviewers[1].user.email));
    assert_eq!(gone.status, 422, "{}", gone.body);
    assert!(
        gone.body
            .contains("Nobody on the team has the email or name")
    );

    // Handed on.
    let done = post(&mut hm, &with_taker);
    assert_eq!(done.status, 303, "{}", done.body);
    let shape = team
        .manager
        .api
        .get(&format!("/api/v1/candidates/{}/loop", ada.id))
        .json();
    assert_eq!(shape["stages"][1]["interviewer_ids"], json!([takes_over]));
    let body = team.manager.api.get(&api).json();
    assert_eq!(body["left"], json!([]));
    assert_eq!(body["missing"][0]["interviewer_id"], takes_over);
    assert_eq!(body["missing"][0]["state"], "missing");
    // Independence: the newcomer owes a scorecard, so sees no one else's yet.
    assert_eq!(team.interviewers[2].api.get(&api).status, 403);
    // And is the one chased from now on.
    assert_eq!(clock.at(ended + Duration::hours(97)), 2);
    let sent = outbox(&app);
    let newest: Vec<&Queued> = sent[2..].iter().collect();
    assert!(
        newest
            .iter()
            .any(|m| m.kind == "scorecard_reminder" && m.to == team.interviewers[2].user.email),
        "{newest:?}"
    );
    assert!(
        !newest
            .iter()
            .any(|m| m.to == team.interviewers[1].user.email),
        "never the one who left"
    );
}
