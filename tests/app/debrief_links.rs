//! Finding the debrief: the candidates list, the candidate page and the job
//! link to it, with how far the scorecards have come and the decision; the
//! jobs list names who manages each job.

use serde_json::json;

use crate::builders::{Member, Team, candidate, job, plan, scorecard, stage};
use crate::support::TestApp;

#[test]
fn a_manager_who_is_not_interviewing_finds_the_debrief_from_the_list_the_candidate_and_the_job() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [mut a, b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    plan()
        .stage(0, stage().focus([shared]).interviewers([a.id]))
        .stage(2, stage().focus([shared]).interviewers([b.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let debrief = format!("href=\"/candidates/{}/debrief\"", grace.id);

    let mut hm = manager.browser();
    let list = hm.get("/candidates");
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&debrief), "{}", list.body);
    assert!(list.body.contains("0 of 2 scorecards"), "{}", list.body);

    // Nothing is in yet: the agenda waits for the stages, it does not call
    // the criterion silent.
    let waiting = hm.get(&format!("/candidates/{}/debrief", grace.id));
    assert_eq!(waiting.status, 200);
    assert!(
        waiting.body.contains("is still to come"),
        "{}",
        waiting.body
    );

    scorecard()
        .rate(shared, "yes", "Chose the right index and said why.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Calm and precise.")
        .submit(&mut a.api, grace.stages[0]);
    let decided = manager.api.post_json(
        &format!("/api/v1/candidates/{}/decision", grace.id),
        json!({"outcome": "hire", "rationale": "Strong where we probed."}),
    );
    assert_eq!(decided.status, 201, "{}", decided.body);

    let list = hm.get(&format!("/candidates?job_id={}", job.id));
    assert!(list.body.contains("1 of 2 scorecards"), "{}", list.body);
    assert!(
        list.body.contains(">Hire</span>"),
        "the decision shows in the list"
    );

    let page = hm.get(&format!("/candidates/{}", grace.id));
    assert!(page.body.contains(&debrief));
    assert!(page.body.contains("1 of 2 scorecards in"));
    assert!(page.body.contains("decision: Hire"));

    // The job's page leads to its candidates; a candidate's loop back to them.
    let planner = hm.get(&format!("/jobs/{}", job.id));
    assert!(
        planner
            .body
            .contains(&format!("href=\"/candidates?job_id={}\"", job.id))
    );
    let own_loop = hm.get(&format!("/candidates/{}/planner", grace.id));
    assert_eq!(own_loop.status, 200);
    assert!(
        own_loop
            .body
            .contains(&format!("href=\"/candidates/{}\"", grace.id))
    );
    assert!(
        own_loop
            .body
            .contains("A candidate's loop for Backend Developer"),
        "{}",
        own_loop.body
    );
}

/// The kit page leads to the debrief as soon as its reader may open it:
/// the job's hiring manager at once, an interviewer once every scorecard
/// they owe on the candidate is in.
#[test]
fn the_kit_leads_to_the_debrief_once_the_interviewers_own_scorecard_is_in() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [mut a, b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    plan()
        .stage(0, stage().focus([shared]).interviewers([a.id]))
        .stage(2, stage().focus([shared]).interviewers([b.id]))
        .apply(&mut manager.api, job.loop_id);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut recruiter.api);
    let debrief = format!("href=\"/candidates/{}/debrief\"", ada.id);
    let (first, third) = (
        format!("/stages/{}/kit", ada.stages[0]),
        format!("/stages/{}/kit", ada.stages[2]),
    );

    let mut own = a.browser();
    let kit = own.get(&first);
    assert_eq!(kit.status, 200, "{}", kit.body);
    assert!(!kit.body.contains(&debrief), "not before their own is in");
    let kit = manager.browser().get(&first);
    assert!(kit.body.contains(&debrief), "the job's manager: at once");

    scorecard()
        .rate(shared, "yes", "Chose the right index and said why.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Calm and precise.")
        .submit(&mut a.api, ada.stages[0]);
    let kit = own.get(&first);
    assert!(kit.body.contains(&debrief), "{}", kit.body);
    let kit = b.browser().get(&third);
    assert_eq!(kit.status, 200, "{}", kit.body);
    assert!(
        !kit.body.contains(&debrief),
        "another interviewer still owes theirs"
    );
}

#[test]
fn a_recruiter_sees_who_manages_each_job() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        recruiter,
        ..
    } = Team::new(&app);
    job("Backend Developer").create(&mut manager.api);
    let jobs = recruiter.browser().get("/jobs");
    assert_eq!(jobs.status, 200);
    assert!(jobs.body.contains("Hiring manager Tester"), "{}", jobs.body);
    assert!(!jobs.body.contains("Not set"), "{}", jobs.body);
}

#[test]
fn a_refused_decision_keeps_what_was_typed() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        ..
    } = Team::new(&app);
    let job = job("Backend Developer").create(&mut manager.api);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let mut hm = manager.browser();
    let path = format!("/candidates/{}/debrief", grace.id);
    let criterion = job.criteria[0].to_string();
    let refused = hm.submit(
        &path,
        &format!("/candidates/{}/decision", grace.id),
        &[
            ("rationale", "Strong on the design round; <b>kept</b>."),
            ("criterion_ids", &criterion),
        ],
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Strong on the design round; &lt;b&gt;kept&lt;/b&gt;.")
    );
    assert!(refused.body.contains(&format!(
        "id=\"criterion-{criterion}\" type=\"checkbox\" name=\"criterion_ids\" value=\"{criterion}\" checked"
    )));
    assert!(
        refused
            .body
            .contains("Choose an outcome: hire, no hire or hold."),
        "said in words, not the API's names"
    );

    // Reasons past the limit: refused with what was typed kept.
    let long = "Weighed every round. ".repeat(500);
    let refused = hm.submit(
        &path,
        &format!("/candidates/{}/decision", grace.id),
        &[("outcome", "hire"), ("rationale", &long)],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Keep the reasons under 10,000 characters.")
    );
    assert!(refused.body.contains(long.trim_end()));

    let refused = hm.submit(
        &path,
        &format!("/candidates/{}/decision", grace.id),
        &[("outcome", "hold"), ("rationale", " ")],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("value=\"hold\" required checked"),
        "{}",
        refused.body
    );
}

#[test]
fn a_decision_moves_the_candidate_on_unless_they_withdrew() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        ..
    } = Team::new(&app);
    let job = job("Backend Developer").create(&mut manager.api);
    let decide = |manager: &mut Member, id: i64, outcome: &str| {
        let res = manager.api.post_json(
            &format!("/api/v1/candidates/{id}/decision"),
            json!({"outcome": outcome, "rationale": "As discussed."}),
        );
        assert_eq!(res.status, 201, "{}", res.body);
    };
    let status = |recruiter: &mut Member, id: i64| {
        recruiter
            .api
            .get(&format!("/api/v1/candidates/{id}"))
            .json()["candidate"]["status"]
            .as_str()
            .map(str::to_owned)
    };
    let cases = [
        ("Grace Hopper", "hire", None, "hired"),
        ("Ada Lovelace", "no_hire", None, "rejected"),
        ("Alan Turing", "hold", None, "on_hold"),
        ("Edsger Dijkstra", "hire", Some("withdrawn"), "withdrawn"),
    ];
    for (name, outcome, before, after) in cases {
        let c = candidate(name).on(&job).create(&mut recruiter.api);
        if let Some(before) = before {
            let res = recruiter.api.patch_json(
                &format!("/api/v1/candidates/{}", c.id),
                json!({"status": before}),
            );
            assert_eq!(res.status, 200, "{}", res.body);
        }
        decide(&mut manager, c.id, outcome);
        assert_eq!(
            status(&mut recruiter, c.id).as_deref(),
            Some(after),
            "{name}"
        );
    }
    let list = manager
        .browser()
        .get(&format!("/candidates?job_id={}", job.id));
    assert!(list.body.contains(">Hired</span>"), "{}", list.body);
    assert!(!list.body.contains(">Active</span>"), "{}", list.body);
}

/// Reminders in the outbox, as (recipient, subject).
fn reminders_queued(app: &TestApp) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use loopwright::db::schema::outbox_messages;
    outbox_messages::table
        .filter(outbox_messages::kind.eq("scorecard_reminder"))
        .order(outbox_messages::id)
        .select((outbox_messages::recipient_email, outbox_messages::subject))
        .load(&mut app.conn())
        .unwrap()
}

#[test]
fn a_manager_reminds_an_interviewer_from_the_debrief_once_a_day() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [a, b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    plan()
        .stage(0, stage().interviewers([a.id]))
        .stage(1, stage().interviewers([b.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let now = chrono::Utc::now();
    for (stage, at) in [
        (grace.stages[0], now - chrono::Duration::days(2)),
        (grace.stages[1], now + chrono::Duration::days(2)),
    ] {
        grace.schedule(&mut recruiter.api, stage, at);
    }
    let debrief = format!("/candidates/{}/debrief", grace.id);
    let mut hm = manager.browser();
    let page = hm.get(&debrief);
    assert_eq!(
        page.body.matches("Remind now").count(),
        1,
        "only the stage that is over: {}",
        page.body
    );
    assert!(page.body.contains("stage not over yet"), "{}", page.body);

    let fields = [
        ("stage_id", grace.stages[0].to_string()),
        ("interviewer_id", a.id.to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sent = hm.submit(
        &debrief,
        &format!("/candidates/{}/remind", grace.id),
        &fields,
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let after = hm.get(&debrief);
    assert!(after.body.contains("Reminder emailed to"), "{}", after.body);
    assert_eq!(reminders_queued(&app).len(), 1);
    assert_eq!(reminders_queued(&app)[0].0, a.user.email);

    let again = hm.submit(
        &debrief,
        &format!("/candidates/{}/remind", grace.id),
        &fields,
    );
    assert_eq!(again.status, 303);
    assert!(hm.get(&debrief).body.contains("already reminded today"));
    assert_eq!(reminders_queued(&app).len(), 1, "once a day at most");

    // The API twin: nothing is due from b yet.
    let early = manager.api.post_json(
        &format!("/api/v1/candidates/{}/reminders", grace.id),
        json!({"stage_id": grace.stages[1], "interviewer_id": b.id}),
    );
    assert_eq!(early.status, 422, "{}", early.body);
    let repeat = manager.api.post_json(
        &format!("/api/v1/candidates/{}/reminders", grace.id),
        json!({"stage_id": grace.stages[0], "interviewer_id": a.id}),
    );
    assert_eq!(repeat.status, 202, "{}", repeat.body);
    assert_eq!(repeat.json()["reminder"], "already_today");

    // An interviewer does not chase colleagues.
    let mut peer = b;
    let refused = peer.api.post_json(
        &format!("/api/v1/candidates/{}/reminders", grace.id),
        json!({"stage_id": grace.stages[0], "interviewer_id": a.id}),
    );
    assert!(matches!(refused.status, 403 | 404), "{}", refused.body);
    assert_eq!(reminders_queued(&app).len(), 1);
}

/// Stages whose kept counts (`assigned_interviewers`, `submitted_scorecards`)
/// differ from a recount of their rows, and loops whose kept counts differ
/// from the sum of their stages'.
fn progress_miscounted(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Miscounted {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn();
    diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM stages s \
         WHERE s.assigned_interviewers <> \
               (SELECT COUNT(*) FROM stage_interviewers i WHERE i.stage_id = s.id) \
            OR s.submitted_scorecards <> \
               (SELECT COUNT(*) FROM scorecards c WHERE c.stage_id = s.id AND c.status = 'submitted')) \
         + (SELECT COUNT(*) FROM loops l \
         WHERE l.assigned_interviewers <> \
               (SELECT COALESCE(SUM(s.assigned_interviewers), 0) FROM stages s WHERE s.loop_id = l.id) \
            OR l.submitted_scorecards <> \
               (SELECT COALESCE(SUM(s.submitted_scorecards), 0) FROM stages s WHERE s.loop_id = l.id)) AS n",
    )
    .get_result::<Miscounted>(&mut *conn)
    .unwrap()
    .n
}

/// The progress the lists show is kept by the database as interviewers
/// come and go, scorecards are submitted and amended, stages are removed
/// and candidates erased: it always agrees with a recount.
#[test]
fn debrief_progress_follows_the_interviewers_and_scorecards_of_a_loop() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::with_interviewers(&app, 3);
    let [mut a, mut b, c] = <[Member; 3]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    plan()
        .stage(0, stage().focus([shared]).interviewers([a.id, b.id]))
        .stage(2, stage().focus([shared]).interviewers([c.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut recruiter.api);
    let mut hm = manager.browser();
    let progress_of = |hm: &mut crate::support::Browser, id: i64| -> String {
        let page = hm.get(&format!("/candidates/{id}"));
        assert_eq!(page.status, 200, "{}", page.body);
        let end = page.body.find(" scorecards in").expect("progress shown");
        let start = page.body[..end].rfind('>').map_or(0, |i| i + 1);
        page.body[start..end].trim().to_owned()
    };
    assert_eq!(progress_of(&mut hm, grace.id), "0 of 3");
    assert_eq!(progress_miscounted(&app), 0);

    let card = scorecard()
        .rate(shared, "yes", "Chose the right index and said why.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Calm and precise.");
    card.submit(&mut a.api, grace.stages[0]);
    card.submit(&mut a.api, ada.stages[0]);
    assert_eq!(progress_of(&mut hm, grace.id), "1 of 3");

    // An amendment keeps the scorecard submitted: counted once.
    let mut amended = card.body();
    amended["reason"] = json!("Misread my notes on the index.");
    let res = a.api.post_json(
        &format!("/api/v1/stages/{}/scorecard/amendments", grace.stages[0]),
        amended,
    );
    assert_eq!(res.status, 201, "{}", res.body);
    // A draft is not counted.
    card.draft(&mut b.api, grace.stages[0]);
    assert_eq!(progress_of(&mut hm, grace.id), "1 of 3");

    // Interviewers replaced on one stage, added on another.
    let version = crate::builders::Loop::get(&mut manager.api, grace.loop_id).version;
    let res = manager.api.put_json(
        &format!("/api/v1/stages/{}/interviewers", grace.stages[2]),
        json!({"user_ids": [b.id, c.id], "version": version}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(progress_of(&mut hm, grace.id), "1 of 4");
    assert_eq!(progress_miscounted(&app), 0);

    // A stage removed takes its interviewers with it.
    crate::builders::Loop::remove_stage(&mut manager.api, grace.loop_id, grace.stages[2]);
    assert_eq!(progress_of(&mut hm, grace.id), "1 of 2");
    assert_eq!(progress_of(&mut hm, ada.id), "1 of 3");
    // One with a submitted scorecard stays, and so do its counts.
    let version = crate::builders::Loop::get(&mut manager.api, ada.loop_id).version;
    let res = manager.api.request(
        "DELETE",
        &format!("/api/v1/stages/{}?version={version}", ada.stages[0]),
        None,
    );
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(progress_of(&mut hm, ada.id), "1 of 3");
    assert_eq!(progress_miscounted(&app), 0);

    // Erasing a candidate leaves no count behind.
    let res = recruiter
        .api
        .request("DELETE", &format!("/api/v1/candidates/{}", ada.id), None);
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(progress_miscounted(&app), 0);
    assert_eq!(progress_of(&mut hm, grace.id), "1 of 2");
}
