//! My interviews: what is coming soonest first, then what has passed, then
//! what is not scheduled yet.

use crate::builders::{Member, Team, candidate, job, plan, stage};
use crate::support::TestApp;

#[test]
fn my_interviews_lead_with_the_next_one() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [mut a, _] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    plan()
        .stage(0, stage().interviewers([a.id]))
        .stage(1, stage().interviewers([a.id]))
        .stage(2, stage().interviewers([a.id]))
        .stage(3, stage().interviewers([a.id]))
        .stage(4, stage().interviewers([a.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let now = chrono::Utc::now();
    let when = [
        (grace.stages[0], now - chrono::Duration::days(2)),
        (grace.stages[1], now + chrono::Duration::days(7)),
        (grace.stages[2], now + chrono::Duration::days(1)),
        (grace.stages[3], now - chrono::Duration::days(1)),
    ];
    for (stage, at) in when {
        grace.schedule(&mut recruiter.api, stage, at);
    }
    let mine = a.api.get("/api/v1/me/interviews").json();
    let order: Vec<i64> = mine["interviews"]
        .as_array()
        .map(|all| all.iter().filter_map(|i| i["stage_id"].as_i64()).collect())
        .unwrap_or_default();
    let expected = [
        grace.stages[2], // tomorrow
        grace.stages[1], // next week
        grace.stages[3], // yesterday
        grace.stages[0], // two days ago
        grace.stages[4], // not scheduled yet
    ];
    assert_eq!(order, expected, "{mine}");
}
