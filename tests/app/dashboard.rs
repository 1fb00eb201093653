//! Home, signed in: what needs the person now, by role. Signed out, home
//! still introduces Loopwright.

use serde_json::json;

use crate::builders::{Member, Team, candidate, job, plan, scorecard, stage};
use crate::support::TestApp;

/// The part of the page inside the section with `id`.
fn section<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[start..];
    Some(&rest[..rest.find("</section>").unwrap_or(rest.len())])
}

#[test]
fn each_person_sees_what_needs_them() {
    let app = TestApp::spawn();
    let Team {
        mut admin,
        mut manager,
        mut recruiter,
        interviewers,
    } = Team::new(&app);
    let [mut a, mut b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    plan()
        .stage(0, stage().focus([shared]).interviewers([a.id]))
        .stage(1, stage().focus([shared]).interviewers([a.id]))
        .stage(2, stage().focus([shared]).interviewers([b.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut recruiter.api);
    let now = chrono::Utc::now();
    grace.schedule(
        &mut recruiter.api,
        grace.stages[0],
        now - chrono::Duration::days(3),
    );
    grace.schedule(
        &mut recruiter.api,
        grace.stages[1],
        now + chrono::Duration::days(2),
    );
    ada.schedule(
        &mut recruiter.api,
        ada.stages[0],
        now - chrono::Duration::days(1),
    );

    // The interviewer: two scorecards due, the older one three days overdue,
    // and one interview this week.
    let home = a.browser().get("/");
    assert_eq!(home.status, 200);
    let due = section(&home.body, "scorecards-due").unwrap();
    assert!(
        due.contains(&format!("/stages/{}/kit", grace.stages[0])),
        "{due}"
    );
    assert!(
        due.contains(&format!("/stages/{}/kit", ada.stages[0])),
        "{due}"
    );
    // Overdue counts from the end of the interview.
    assert!(due.contains("2 days overdue"), "{due}");
    let grace_at = due.find("Grace Hopper").unwrap();
    assert!(
        grace_at < due.find("Ada Lovelace").unwrap(),
        "oldest first: {due}"
    );
    let upcoming = section(&home.body, "upcoming").unwrap();
    assert!(
        upcoming.contains(&format!("/stages/{}/kit", grace.stages[1])),
        "{upcoming}"
    );
    assert!(upcoming.contains("<time datetime="), "{upcoming}");
    // Interviewers decide nothing and manage no one.
    for other in [
        "awaiting-decision",
        "coverage-alerts",
        "failed-emails",
        "pending-invitations",
    ] {
        assert!(
            section(&home.body, other).is_none(),
            "{other} shown to an interviewer"
        );
    }
    assert!(
        !home.body.contains("Who does what"),
        "the brochure is for visitors"
    );

    // Once submitted, it leaves the list.
    scorecard()
        .rate(shared, "yes", "Explained the trade-off.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Clear.")
        .submit(&mut a.api, ada.stages[0]);
    let home = a.browser().get("/");
    let due = section(&home.body, "scorecards-due").unwrap();
    assert!(!due.contains("Ada Lovelace"), "{due}");

    // The hiring manager: Ada's loop has three stages but only one scorecard
    // is in, so she is not waiting on a decision yet; the template loop has
    // stages without questions, so the job shows coverage warnings.
    let hm_home = manager.browser().get("/");
    let waiting = section(&hm_home.body, "awaiting-decision").unwrap();
    assert!(!waiting.contains("Ada Lovelace"), "{waiting}");
    let coverage = section(&hm_home.body, "coverage-alerts").unwrap();
    assert!(
        coverage.contains(&format!("/jobs/{}", job.id)),
        "{coverage}"
    );
    assert!(section(&hm_home.body, "pending-invitations").is_none());

    // Every scorecard in: the debrief waits for the manager, until decided.
    for (who, stage) in [(&mut a, ada.stages[1]), (&mut b, ada.stages[2])] {
        scorecard()
            .rate(shared, "no", "Could not say why.")
            .no_red_flags(&job.red_flags)
            .recommend("no")
            .summary("Unsure.")
            .submit(&mut who.api, stage);
    }
    let hm_home = manager.browser().get("/");
    let waiting = section(&hm_home.body, "awaiting-decision").unwrap();
    assert!(
        waiting.contains(&format!("/candidates/{}/debrief", ada.id)),
        "{waiting}"
    );
    assert!(!waiting.contains("Grace Hopper"), "{waiting}");
    let decided = manager.api.post_json(
        &format!("/api/v1/candidates/{}/decision", ada.id),
        json!({"outcome": "no_hire", "rationale": "Not yet."}),
    );
    assert_eq!(decided.status, 201, "{}", decided.body);
    let hm_home = manager.browser().get("/");
    let waiting = section(&hm_home.body, "awaiting-decision").unwrap();
    assert!(!waiting.contains("Ada Lovelace"), "{waiting}");

    // The admin: pending invitations, with the way to manage them.
    let invited = admin.api.post_json(
        "/api/v1/invitations",
        json!({"email": "lin@example.com", "name": "Lin Chen", "role": "interviewer"}),
    );
    assert!(
        invited.status == 201 || invited.status == 200,
        "{}",
        invited.body
    );
    let admin_home = admin.browser().get("/");
    let invitations = section(&admin_home.body, "pending-invitations").unwrap();
    assert!(invitations.contains("Lin Chen"), "{invitations}");
    assert!(invitations.contains("expires <time"), "{invitations}");
    assert!(section(&admin_home.body, "failed-emails").is_some());

    // The recruiter: failed emails, no invitations, no decisions.
    let rec_home = recruiter.browser().get("/");
    assert!(section(&rec_home.body, "failed-emails").is_some());
    assert!(section(&rec_home.body, "pending-invitations").is_none());
    assert!(section(&rec_home.body, "awaiting-decision").is_none());
}

#[test]
fn visitors_still_get_the_introduction() {
    let app = TestApp::spawn();
    let home = app.browser().get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Who does what"));
    assert!(!home.body.contains("scorecards-due"));
}

#[test]
fn the_dashboard_costs_the_same_whatever_the_number_of_jobs() {
    let app = TestApp::spawn();
    let Team { mut manager, .. } = Team::new(&app);
    let mut hm = manager.browser();
    job("Backend Developer").create(&mut manager.api);
    let (one_job, res) = app.count_queries(|| hm.get("/"));
    assert_eq!(res.status, 200);
    for title in [
        "Frontend Developer",
        "Data Engineer",
        "Site Reliability Engineer",
    ] {
        job(title).create(&mut manager.api);
    }
    let (four_jobs, res) = app.count_queries(|| hm.get("/"));
    assert_eq!(res.status, 200);
    assert_eq!(one_job, four_jobs, "statements grew with the jobs");
}
