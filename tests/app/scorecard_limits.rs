//! Long texts on a scorecard: each has a limit, stated on the form; a text
//! over it is a field error (the form again with what was typed, or 422 on
//! the API), never a 413 page, and the stored draft is kept.

use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Member, candidate, job, plan, scorecard, stage};
use crate::support::{TestApp, csrf_field};

#[test]
fn a_summary_over_its_limit_is_a_field_error_and_the_draft_is_kept() {
    let app = TestApp::spawn();
    let mut manager = Member::new(&app, Role::HiringManager);
    let mut recruiter = Member::new(&app, Role::Recruiter);
    let mut me = Member::new(&app, Role::Interviewer);
    let job = job("Backend Developer").create(&mut manager.api);
    plan()
        .stage(0, stage().focus([job.criteria[0]]).interviewers([me.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let stage = grace.stages[0];
    let c = job.criteria[0];
    scorecard()
        .rate(c, "yes", "Explained the index.")
        .summary("First thoughts.")
        .draft(&mut me.api, stage);

    let mut browser = me.browser();
    let kit = browser.get(&format!("/stages/{stage}/kit"));
    assert!(
        kit.body.contains("Up to 10,000 characters."),
        "the limit is stated"
    );
    assert!(kit.body.contains(r#"maxlength="10000""#));
    let csrf = csrf_field(&kit.body);
    let long = "x".repeat(70_000);
    let evidence_field = format!("evidence-{c}");
    let rating_field = format!("rating-{c}");
    let res = browser.post_form(
        &format!("/stages/{stage}/scorecard"),
        &[
            ("csrf_token", csrf.as_str()),
            (rating_field.as_str(), "strong_yes"),
            (
                evidence_field.as_str(),
                "Explained the index, and its cost.",
            ),
            ("summary", long.as_str()),
            ("action", "save"),
        ],
    );
    assert_eq!(res.status, 422, "{}", &res.body[..res.body.len().min(400)]);
    assert!(res.body.contains(
        r#"<p class="field-error" id="error-summary">The summary is 70,000 characters long; the limit is 10,000. Shorten it to save.</p>"#
    ));
    assert!(res.body.contains(&long), "what was typed is kept");
    assert!(res.body.contains("Explained the index, and its cost."));

    let stored = me
        .api
        .get(&format!("/api/v1/stages/{stage}/scorecard"))
        .json();
    assert_eq!(
        stored["summary"], "First thoughts.",
        "the draft is as it was"
    );

    // The API refuses the same, naming the field.
    let res = me.api.put_json(
        &format!("/api/v1/stages/{stage}/scorecard"),
        json!({"ratings": [{"criterion_id": c, "rating": "yes", "evidence": "e".repeat(5_001)}]}),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let message = res.json()["error"]["fields"][format!("ratings.{c}.evidence")].clone();
    assert_eq!(
        message,
        "The evidence is 5,001 characters long; the limit is 5,000. Shorten it to save."
    );
}
