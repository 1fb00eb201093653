//! The planner through its pages, as a hiring manager uses it (CSRF forms).

use loopwright::domain::Role;
use serde_json::Value;

use crate::builders::{first_question, job, plan, stage};
use crate::support::{Browser, TestApp, csrf_field};

fn loop_json(script: &mut Browser, job_id: &str) -> Value {
    script.get(&format!("/api/v1/jobs/{job_id}/loop")).json()
}

/// The text of `body` from `start` up to the next `end`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} is not on the page"));
    let rest = &body[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Posts a form found on `page` with the page's own CSRF token.
fn post(
    browser: &mut Browser,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> crate::support::TestResponse {
    let html = browser.get(page).body;
    let csrf = csrf_field(&html);
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post_form(action, &all)
}

#[test]
fn a_hiring_manager_plans_a_loop_through_the_pages() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let interviewer = app.user(Role::Interviewer);
    let mut browser = app.signed_in(&hm);
    let mut script = app.script(&hm);
    let track = script.get("/api/v1/tracks/backend-developer").json()["track"]["id"].to_string();

    let bad = post(
        &mut browser,
        "/jobs",
        "/jobs",
        &[
            ("title", ""),
            ("track_id", &track),
            ("typical_stages", "true"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"error-title\""));
    let ticked = "name=\"typical_stages\" type=\"checkbox\" value=\"true\" checked";
    assert!(bad.body.contains(ticked));
    // Unticked (the box sends nothing), it comes back unticked.
    let bad = post(
        &mut browser,
        "/jobs",
        "/jobs",
        &[("title", ""), ("team", "Keep me"), ("track_id", &track)],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("value=\"Keep me\""));
    assert!(
        bad.body
            .contains("name=\"typical_stages\" type=\"checkbox\" value=\"true\" aria-describedby"),
        "{}",
        bad.body
    );
    let created = post(
        &mut browser,
        "/jobs",
        "/jobs",
        &[
            ("title", "Platform Engineer <3>"),
            ("team", "Infra"),
            ("track_id", &track),
            ("typical_stages", "true"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let job_path = created.header("location").unwrap().to_owned();
    let job_id = job_path.rsplit('/').next().unwrap().to_owned();
    let planner = browser.get(&job_path);
    assert_eq!(planner.status, 200);
    assert!(planner.body.contains("Platform Engineer &lt;3&gt;"));
    assert!(planner.body.contains("Coverage"));
    assert!(
        planner.body.contains("has no questions."),
        "warnings are shown in words"
    );

    let shape = loop_json(&mut script, &job_id);
    let stage = shape["stages"][0]["id"].as_i64().unwrap();
    let version = shape["version"].to_string();

    // Edit the first stage: title, duration, focus and an interviewer, in one save.
    let language = shape["stages"][0]["focus_criterion_ids"][0].to_string();
    let res = post(
        &mut browser,
        &job_path,
        &format!("/stages/{stage}"),
        &[
            ("version", &version),
            ("title", "Intro call"),
            ("format", "behavioural-star"),
            ("duration_minutes", "25"),
            ("focus", &language),
            ("interviewers", &interviewer.id.to_string()),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let shape = loop_json(&mut script, &job_id);
    assert_eq!(shape["stages"][0]["title"], "Intro call");
    assert_eq!(shape["stages"][0]["duration_minutes"], 25);
    assert_eq!(shape["stages"][0]["interviewer_ids"][0], interviewer.id);
    let version = shape["version"].to_string();
    let planner = browser.get(&job_path);
    let select = between(
        &planner.body,
        &format!("id=\"stage-{stage}-format\""),
        "</select>",
    );
    assert!(
        select.contains("value=\"behavioural-star\" selected"),
        "the stage's own format is chosen in its edit panel: {select}"
    );
    let gap = between(&planner.body, "<td class=\"cell-gap\">", "</td>");
    assert!(
        gap.contains("Focus") && gap.contains("no questions"),
        "a focus no question probes is a gap: {gap}"
    );

    // Pull a question from the stage's bank panel.
    let panel = browser.get(&format!("/stages/{stage}/questions"));
    assert_eq!(panel.status, 200, "{}", panel.body);
    assert!(panel.body.contains("Add to stage"));
    let question = script
        .get("/api/v1/questions?stage_kind=recruiter-screen&per_page=1")
        .json()["questions"][0]["id"]
        .to_string();
    let res = post(
        &mut browser,
        &format!("/stages/{stage}/questions"),
        &format!("/stages/{stage}/questions/add"),
        &[("version", &version), ("question_id", &question)],
    );
    assert_eq!(res.status, 303);
    let shape = loop_json(&mut script, &job_id);
    assert_eq!(shape["stages"][0]["question_ids"][0].to_string(), question);
    let planner = browser.get(&job_path);
    assert!(
        planner.body.contains("1 question</span>"),
        "one question, not \"1 questions\""
    );
    // A question that is not in the bank: said without the API's names.
    let res = post(
        &mut browser,
        &format!("/stages/{stage}/questions"),
        &format!("/stages/{stage}/questions/add"),
        &[
            ("version", &shape["version"].to_string()),
            ("question_id", "999999"),
        ],
    );
    assert_eq!(res.status, 303);
    let page = browser.get(res.header("location").unwrap());
    assert!(
        page.body
            .contains("Nothing was saved. There is no question 999999 in the bank."),
        "{}",
        page.body
    );

    // Move the second stage up, then remove the last one.
    let second = shape["stages"][1]["id"].as_i64().unwrap();
    let sideways = post(
        &mut browser,
        &job_path,
        &format!("/stages/{second}/move"),
        &[
            ("version", &shape["version"].to_string()),
            ("direction", "sideways"),
        ],
    );
    assert_eq!(sideways.status, 422, "no button of the planner's");
    assert_eq!(loop_json(&mut script, &job_id)["version"], shape["version"]);
    let res = post(
        &mut browser,
        &job_path,
        &format!("/stages/{second}/move"),
        &[
            ("version", &shape["version"].to_string()),
            ("direction", "up"),
        ],
    );
    assert_eq!(res.status, 303);
    let shape = loop_json(&mut script, &job_id);
    assert_eq!(shape["stages"][0]["id"], second);
    let last = shape["stages"][5]["id"].as_i64().unwrap();
    post(
        &mut browser,
        &job_path,
        &format!("/stages/{last}/remove"),
        &[("version", &shape["version"].to_string())],
    );
    let shape = loop_json(&mut script, &job_id);
    assert_eq!(shape["stages"].as_array().unwrap().len(), 5);

    // A stale version: nothing is saved, the page says why, and the edit
    // comes back on top of the loop as it is now, to save again.
    let stale = post(
        &mut browser,
        &job_path,
        &format!("/stages/{stage}"),
        &[
            ("version", "1"),
            ("title", "Kept edit"),
            ("duration_minutes", "30"),
        ],
    );
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale
            .body
            .contains("Someone else changed this loop while you were editing"),
        "the page explains the conflict"
    );
    assert!(
        stale.body.contains("value=\"Kept edit\""),
        "what was typed is kept"
    );
    let current = loop_json(&mut script, &job_id);
    assert!(!current.to_string().contains("Kept edit"));
    assert!(
        stale.body.contains(&format!(
            "name=\"version\" value=\"{}\"",
            current["version"]
        )),
        "saving again applies to the loop as it is now"
    );

    // Bad input: an empty title and 0 minutes change nothing; the planner
    // comes back with the stage's panel open, both errors beside their
    // fields and what was typed kept.
    let v = loop_json(&mut script, &job_id)["version"].to_string();
    let res = post(
        &mut browser,
        &job_path,
        &format!("/stages/{stage}"),
        &[
            ("version", &v),
            ("title", "  "),
            ("format", "live-coding"),
            ("duration_minutes", "0"),
            ("interviewers", &interviewer.id.to_string()),
        ],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let page = &res.body;
    assert!(page.contains(&format!("id=\"stage-{stage}-edit\" open")));
    assert!(page.contains(&format!(
        "<p class=\"field-error\" id=\"stage-{stage}-title-error\">Enter a title.</p>"
    )));
    assert!(page.contains(&format!(
        "<p class=\"field-error\" id=\"stage-{stage}-duration-error\">A stage lasts between 1 and 480 minutes.</p>"
    )));
    assert!(
        page.contains(&format!("href=\"#stage-{stage}-duration\"")),
        "the summary links to the field"
    );
    assert!(page.contains(
        "name=\"duration_minutes\" type=\"text\" inputmode=\"numeric\" required value=\"0\""
    ));
    assert!(page.contains("<option value=\"live-coding\" selected>"));
    assert_eq!(loop_json(&mut script, &job_id)["version"].to_string(), v);
    // Not a number at all is named the same way, and kept as typed.
    let res = post(
        &mut browser,
        &job_path,
        &format!("/stages/{stage}"),
        &[
            ("version", &v),
            ("title", "Intro call"),
            ("duration_minutes", "ten"),
        ],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("value=\"ten\""));
    assert!(res.body.contains("between 1 and 480"));
    assert!(!res.body.contains(&format!("stage-{stage}-title-error")));

    // Without a CSRF token, nothing at all.
    let res = browser.post_form(&format!("/stages/{stage}/remove"), &[("version", &v)]);
    assert_eq!(res.status, 403);
    assert_eq!(
        loop_json(&mut script, &job_id)["stages"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn the_planner_page_costs_the_same_queries_for_two_stages_or_twelve() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut browser = app.signed_in(&hm);
    let mut script = app.script(&hm);
    let job = job("Small").without_stages().create(&mut script);
    let question = first_question(&mut script, "")["id"].as_i64().unwrap();
    // Stages of one kind, each asking the same question.
    let add = |script: &mut Browser, n: usize| {
        let same = || stage().kind("live-coding-round").questions([question]);
        (0..n)
            .fold(plan(), |p, _| p.add(same()))
            .apply(script, job.loop_id)
    };
    add(&mut script, 2);
    let path = format!("/jobs/{}", job.id);
    let (two, res) = app.count_queries(|| browser.get(&path));
    assert_eq!(res.status, 200);
    add(&mut script, 10);
    let (twelve, res) = app.count_queries(|| browser.get(&path));
    assert_eq!(res.status, 200);
    assert!(
        res.body.contains("is asked in"),
        "the same question in several stages is flagged"
    );
    assert_eq!(
        two, twelve,
        "the planner's query count does not grow with its stages"
    );
}

#[test]
fn a_hiring_manager_edits_the_jobs_criteria_on_the_planner_page() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut browser = app.signed_in(&hm);
    let mut script = app.script(&hm);
    let job = job("Criteria job").create(&mut script);
    let job_path = format!("/jobs/{}", job.id);
    let criteria = |s: &mut Browser| {
        s.get(&format!("/api/v1/jobs/{}/criteria", job.id)).json()["criteria"]
            .as_array()
            .unwrap()
            .clone()
    };

    let res = post(
        &mut browser,
        &job_path,
        &format!("/jobs/{}/criteria", job.id),
        &[
            ("kind", "red_flag"),
            ("name", "Blames the on-call"),
            ("description", ""),
        ],
    );
    assert_eq!(res.status, 303);
    let list = criteria(&mut script);
    assert_eq!(list.len(), 11);
    let added = list.last().unwrap()["id"].as_i64().unwrap();
    assert!(browser.get(&job_path).body.contains("Blames the on-call"));

    post(
        &mut browser,
        &job_path,
        &format!("/criteria/{added}"),
        &[
            ("name", "Blames others in incidents"),
            ("description", "Points at people, not systems."),
        ],
    );
    post(
        &mut browser,
        &job_path,
        &format!("/criteria/{added}/move"),
        &[("direction", "up")],
    );
    let list = criteria(&mut script);
    assert_eq!(list[9]["name"], "Blames others in incidents");
    // A refused save: the planner again with what was typed and the error
    // beside the field, nothing saved.
    let bad = post(
        &mut browser,
        &job_path,
        &format!("/criteria/{added}"),
        &[("name", " "), ("description", "Still <typed>")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains(&format!(
        "<span class=\"field-error\" id=\"criterion-{added}-name-error\">Give a name of 1 to 120 characters.</span>"
    )));
    assert!(bad.body.contains("Still &lt;typed&gt;</textarea>"));
    assert!(
        bad.body
            .contains(&format!("href=\"#criterion-{added}-name\""))
    );
    assert!(bad.body.contains("The criterion was not saved."));
    assert_eq!(
        criteria(&mut script)[9]["name"],
        "Blames others in incidents"
    );
    // The same for a new one: its kind and description kept.
    let bad = post(
        &mut browser,
        &job_path,
        &format!("/jobs/{}/criteria", job.id),
        &[
            ("kind", "red_flag"),
            ("name", ""),
            ("description", "Half typed"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"field-new-criterion-name-error\""));
    assert!(bad.body.contains("<option value=\"red_flag\" selected>"));
    assert!(
        bad.body
            .contains("name=\"description\" value=\"Half typed\"")
    );
    assert_eq!(criteria(&mut script).len(), 11);
    post(
        &mut browser,
        &job_path,
        &format!("/criteria/{added}/remove"),
        &[],
    );
    assert_eq!(criteria(&mut script).len(), 10);
}

#[test]
fn the_planner_page_and_its_statements_do_not_grow_with_the_team() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut browser = app.signed_in(&hm);
    let mut script = app.script(&hm);
    let job = job("Team size").create(&mut script);
    let template = job.template(&mut script);
    let stages = template.stages.len();
    let path = format!("/jobs/{}", job.id);
    let first = app.user(Role::Interviewer);
    let (few, small) = app.count_queries(|| browser.get(&path));
    assert_eq!(small.status, 200);
    let more: Vec<_> = (0..60).map(|_| app.user(Role::Interviewer)).collect();
    let (many, res) = app.count_queries(|| browser.get(&path));
    assert_eq!(res.status, 200);
    assert_eq!(
        few, many,
        "the planner's statements do not grow with the team"
    );
    assert_eq!(
        small.body.len(),
        res.body.len(),
        "nor does the page: people off the loop are found by search"
    );
    let boxes = |body: &str, id: i64| {
        body.matches(&format!("name=\"interviewers\" value=\"{id}\""))
            .count()
    };
    assert_eq!(boxes(&res.body, more[59].id), 0);

    // Someone on one stage is offered on every stage of the loop.
    let put = script.put_json(
        &format!("/api/v1/stages/{}/interviewers", template.stages[0]),
        serde_json::json!({"version": template.version, "user_ids": [first.id]}),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let res = browser.get(&path);
    assert_eq!(boxes(&res.body, first.id), stages);
    assert!(
        res.body
            .contains("Interviewer Tester <span class=\"muted small\">Interviewer</span>")
    );
}

/// An admin names a new job's manager by typing, with the team suggested
/// as one types; no select of every manager comes with the page.
#[test]
fn an_admin_names_a_new_jobs_manager_by_typing() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let hm = app.user(Role::HiringManager);
    let interviewer = app.user(Role::Interviewer);
    let mut browser = app.signed_in(&admin);
    let mut script = app.script(&admin);
    let track = script.get("/api/v1/tracks/backend-developer").json()["track"]["id"].to_string();

    let page = browser.get("/jobs");
    assert!(page.body.contains("id=\"field-hiring_manager\""));
    assert!(page.body.contains("data-people-search"));
    assert!(!page.body.contains(&format!("<option value=\"{}\"", hm.id)));

    let job = |browser: &mut Browser, manager: &str| {
        post(
            browser,
            "/jobs",
            "/jobs",
            &[
                ("title", "Data Engineer"),
                ("track_id", &track),
                ("hiring_manager", manager),
            ],
        )
    };
    let nobody = job(&mut browser, "nobody@example.com");
    assert_eq!(nobody.status, 422);
    assert!(
        nobody.body.contains("id=\"error-hiring_manager\""),
        "{}",
        nobody.body
    );
    assert!(
        nobody.body.contains("value=\"nobody@example.com\""),
        "typed kept"
    );
    let not_a_manager = job(&mut browser, &interviewer.email);
    assert_eq!(not_a_manager.status, 422);
    assert!(
        not_a_manager
            .body
            .contains("Name an active hiring manager or admin."),
        "{}",
        not_a_manager.body
    );

    let created = job(&mut browser, &hm.email.to_uppercase());
    assert_eq!(created.status, 303, "{}", created.body);
    let id = created
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let made = script.get(&format!("/api/v1/jobs/{id}")).json();
    assert_eq!(made["job"]["hiring_manager"]["id"], hm.id, "{made}");
}
