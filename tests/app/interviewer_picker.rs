//! Picking interviewers without a checkbox per person: the planner page
//! carries only the loop's own people, the rest are found by search or
//! typed by email or name.

use loopwright::db::models::{User, UserInsertForm, now};
use serde_json::Value;

use crate::builders::{Member, Team, job};
use crate::support::{TestApp, TestResponse, csrf_field};

/// An active interviewer called `name`.
fn person(app: &TestApp, name: &str, email: &str) -> i64 {
    User::create(
        &mut app.conn(),
        &UserInsertForm::active(email, name, "interviewer", "x", now()),
    )
    .unwrap()
    .id
}

fn edit_stage(
    manager: &mut Member,
    page: &str,
    stage: i64,
    fields: &[(&str, &str)],
) -> TestResponse {
    let mut browser = manager.browser();
    let html = browser.get(page).body;
    let csrf = csrf_field(&html);
    let version = manager
        .api
        .get(&format!("{}/loop", page.replace("/jobs", "/api/v1/jobs")))
        .json()["version"]
        .to_string();
    let mut all = vec![
        ("csrf_token", csrf.as_str()),
        ("version", version.as_str()),
        ("title", "Screen"),
        ("duration_minutes", "30"),
    ];
    all.extend_from_slice(fields);
    browser.post_form(&format!("/stages/{stage}"), &all)
}

fn interviewers_of(manager: &mut Member, job_id: i64, stage: usize) -> Value {
    manager
        .api
        .get(&format!("/api/v1/jobs/{job_id}/loop"))
        .json()["stages"][stage]["interviewer_ids"]
        .clone()
}

#[test]
fn the_planner_carries_the_loops_people_and_finds_the_rest_by_search() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        mut interviewers,
        ..
    } = Team::with_interviewers(&app, 1);
    for n in 0..30 {
        person(
            &app,
            &format!("Far Away {n:02}"),
            &format!("far{n}@example.com"),
        );
    }
    let ada = person(&app, "Ada Lovelace", "ada@engines.example");
    let job = job("Picker job").create(&mut manager.api);
    let page = format!("/jobs/{}", job.id);

    let planner = manager.browser().get(&page);
    assert_eq!(planner.status, 200);
    assert!(
        !planner.body.contains("Far Away"),
        "nobody off the loop is sent with the page"
    );
    assert!(!planner.body.contains("Ada Lovelace"));

    // Search as one types: a page of matches, by name, and the total.
    let found = manager
        .api
        .get("/api/v1/interviewers?q=far%20away&per_page=5")
        .json();
    assert_eq!(found["total"], 30, "{found}");
    let names: Vec<&str> = found["interviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Far Away 00",
            "Far Away 01",
            "Far Away 02",
            "Far Away 03",
            "Far Away 04"
        ]
    );
    let by_email = manager.api.get("/api/v1/interviewers?q=ENGINES").json();
    assert_eq!(by_email["interviewers"][0]["id"], ada, "{by_email}");
    let wildcard = manager.api.get("/api/v1/interviewers?q=%25").json();
    assert_eq!(wildcard["total"], 0, "a typed % matches itself: {wildcard}");
    // Recruiters change candidates' loops; interviewers change none.
    assert_eq!(recruiter.api.get("/api/v1/interviewers?q=ada").status, 200);
    assert_eq!(
        interviewers[0].api.get("/api/v1/interviewers?q=ada").status,
        403
    );

    // Typed into the stage's form: an email and a full name, any case.
    let stage = job.template(&mut manager.api).stages[0];
    let saved = edit_stage(
        &mut manager,
        &page,
        stage,
        &[("add_interviewers", "ADA@engines.example, far away 07")],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let far7: i64 = manager
        .api
        .get("/api/v1/interviewers?q=far%20away%2007")
        .json()["interviewers"][0]["id"]
        .as_i64()
        .unwrap();
    let mut both = [ada, far7];
    both.sort();
    assert_eq!(
        interviewers_of(&mut manager, job.id, 0),
        serde_json::json!(both),
        "by id"
    );

    // Now they are the loop's people: offered on every stage.
    let planner = manager.browser().get(&page);
    assert!(planner.body.contains("Ada Lovelace"));
    assert!(planner.body.contains("Far Away 07"));
    assert!(!planner.body.contains("Far Away 08"));
}

#[test]
fn a_name_that_matches_nobody_or_several_comes_back_beside_the_field_as_typed() {
    let app = TestApp::spawn();
    let Team { mut manager, .. } = Team::with_interviewers(&app, 1);
    person(&app, "Sam Same", "sam1@example.com");
    person(&app, "Sam Same", "sam2@example.com");
    let job = job("Typo job").create(&mut manager.api);
    let page = format!("/jobs/{}", job.id);
    let stage = job.template(&mut manager.api).stages[0];

    let refused = edit_stage(
        &mut manager,
        &page,
        stage,
        &[("add_interviewers", "Grace Hoper <typo>")],
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains(
            "Nobody on the team has the email or name &quot;Grace Hoper &lt;typo&gt;&quot;."
        ),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"Grace Hoper &lt;typo&gt;\""),
        "what was typed is kept"
    );
    assert!(
        refused
            .body
            .contains(&format!("id=\"stage-{stage}-add-interviewers-error\""))
    );
    assert_eq!(
        interviewers_of(&mut manager, job.id, 0),
        serde_json::json!([])
    );

    let ambiguous = edit_stage(
        &mut manager,
        &page,
        stage,
        &[("add_interviewers", "sam same")],
    );
    assert_eq!(ambiguous.status, 422);
    assert!(
        ambiguous
            .body
            .contains("Several people are called &quot;sam same&quot;: type their email instead."),
        "{}",
        ambiguous.body
    );
    let by_email = edit_stage(
        &mut manager,
        &page,
        stage,
        &[("add_interviewers", "sam2@example.com")],
    );
    assert_eq!(by_email.status, 303, "{}", by_email.body);
    assert_eq!(
        interviewers_of(&mut manager, job.id, 0)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
