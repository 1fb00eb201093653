//! The planner's script, as it talks to the server: the signed-in browser's
//! cookie plus the page's CSRF token in `X-CSRF-Token`, the loop's version
//! in every change, 409 when someone else saved first. And the bank panel
//! that it loads into a stage: what other stages already ask, the search kept.

use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Loop, job, plan, stage};
use crate::support::{Browser, TestApp, csrf_field};

/// The value of `data-<name>="…"` on the planner's root.
fn data_attr(html: &str, name: &str) -> String {
    let key = format!("data-{name}=\"");
    let start = html.find(&key).unwrap_or_else(|| panic!("no data-{name}")) + key.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A signed-in browser set up as the planner's script sets itself up.
fn as_the_script(browser: &mut Browser, page: &str) -> (i64, String) {
    let html = browser.get(page).body;
    assert!(html.contains("<script src=\"/static/planner.js\" defer></script>"));
    let version = data_attr(&html, "version").parse().unwrap();
    let csrf = data_attr(&html, "csrf");
    browser
        .extra_headers
        .push(("X-CSRF-Token".into(), csrf.clone()));
    (version, csrf)
}

fn question_ids(shape: &Loop, stage: usize) -> Vec<i64> {
    shape.json["stages"][stage]["question_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_i64().unwrap())
        .collect()
}

#[test]
fn the_planners_script_adds_removes_and_reorders_through_the_api_with_the_version() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let interviewer = app.user(Role::Interviewer);
    let mut script = app.script(&hm);
    let job = job("In place").create(&mut script);
    let page = format!("/jobs/{}", job.id);
    let mut browser = app.signed_in(&hm);

    let js = browser.get("/static/planner.js");
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.body.contains("Someone else changed this loop"));

    let (version, _) = as_the_script(&mut browser, &page);
    let shape = job.template(&mut script);
    assert_eq!(version, shape.version);
    let first = shape.stages[0];
    let bank: Vec<i64> = script.get("/api/v1/questions?per_page=3").json()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();

    // Add three questions, one call each, as the picker does.
    let mut v = version;
    for n in 1..=3 {
        let res = browser.put_json(
            &format!("/api/v1/stages/{first}/questions"),
            json!({"question_ids": &bank[..n], "version": v}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
        v = res.json()["version"].as_i64().unwrap();
    }
    assert_eq!(v, version + 3);
    // Reorder them (the last first), then remove the middle one.
    let res = browser.put_json(
        &format!("/api/v1/stages/{first}/questions"),
        json!({"question_ids": [bank[2], bank[0], bank[1]], "version": v}),
    );
    assert_eq!(res.status, 200);
    let res = browser.put_json(
        &format!("/api/v1/stages/{first}/questions"),
        json!({"question_ids": [bank[2], bank[1]], "version": v + 1}),
    );
    assert_eq!(res.status, 200);
    assert_eq!(
        question_ids(&job.template(&mut script), 0),
        [bank[2], bank[1]]
    );

    // One interviewer from the stage's quick picker.
    let res = browser.put_json(
        &format!("/api/v1/stages/{first}/interviewers"),
        json!({"user_ids": [interviewer.id], "version": v + 2}),
    );
    assert_eq!(res.status, 200, "{}", res.body);

    // Drag the first stage to the third place.
    let res = browser.patch_json(
        &format!("/api/v1/stages/{first}"),
        json!({"position": 2, "version": v + 3}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let now = job.template(&mut script);
    assert_eq!(now.stages[2], first);
    assert_eq!(now.stages[..2], shape.stages[1..3]);
    assert_eq!(now.version, v + 4);

    // A drop made on a stale page: 409 with the words the script shows,
    // and nothing moved.
    let stale = browser.patch_json(
        &format!("/api/v1/stages/{first}"),
        json!({"position": 0, "version": v + 3}),
    );
    assert_eq!(stale.status, 409);
    assert!(
        stale.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Someone else changed this loop")
    );
    let stale = browser.put_json(
        &format!("/api/v1/stages/{first}/questions"),
        json!({"question_ids": [], "version": version}),
    );
    assert_eq!(stale.status, 409);
    assert_eq!(job.template(&mut script).json, now.json);

    // Removing a stage carries the version in the query.
    let last = *now.stages.last().unwrap();
    let res = browser.request(
        "DELETE",
        &format!("/api/v1/stages/{last}?version={}", now.version),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(job.template(&mut script).stages.len(), now.stages.len() - 1);

    // The cookie alone, without the page's token, changes nothing.
    browser.extra_headers.clear();
    let res = browser.patch_json(
        &format!("/api/v1/stages/{first}"),
        json!({"position": 0, "version": now.version + 1}),
    );
    assert_eq!(res.status, 403);
}

#[test]
fn the_bank_panel_marks_questions_other_stages_ask_and_keeps_the_search() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = job("Picker").without_stages().create(&mut script);
    let kind = "live-coding-round";
    let suits: Vec<i64> = script
        .get(&format!("/api/v1/questions?stage_kind={kind}&per_page=100"))
        .json()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert!(suits.len() > 2);
    let shape = plan()
        .add(stage().kind(kind).questions([suits[0]]))
        .add(stage().kind(kind))
        .apply(&mut script, job.loop_id);
    let second = shape.stages[1];
    let mut browser = app.signed_in(&hm);

    let panel = browser.get(&format!("/stages/{second}/questions"));
    assert_eq!(panel.status, 200);
    let used = panel
        .body
        .find(&format!("id=\"pick-{}\"", suits[0]))
        .expect("the used question is still offered");
    let mark = panel.body[used..].find("Already used").unwrap() + used;
    let next = panel.body[used + 1..]
        .find("id=\"pick-")
        .map(|i| i + used + 1);
    assert!(
        next.is_none_or(|n| mark < n),
        "the mark is on that question"
    );
    assert!(panel.body[used..].contains("in 1. "));
    let first_result = panel.body.find("id=\"pick-").unwrap();
    assert!(first_result < used, "questions no stage asks come first");

    // A search is kept in each add form, and adding comes back to it.
    let prompt = script
        .get(&format!("/api/v1/questions/{}", suits[1]))
        .json()["question"]["prompt"]
        .as_str()
        .unwrap()
        .to_owned();
    let word = prompt
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 5)
        .unwrap()
        .to_lowercase();
    let panel = browser.get(&format!("/stages/{second}/questions?q={word}"));
    assert!(
        panel.body.contains(&format!("id=\"pick-{}\"", suits[1])),
        "{word}"
    );
    assert!(panel.body.contains(&format!(
        "<input type=\"hidden\" name=\"q\" value=\"{word}\">"
    )));
    let q = "a b&c";
    let res = browser.post_form(
        &format!("/stages/{second}/questions/add"),
        &[
            ("csrf_token", &csrf_field(&panel.body)),
            ("version", &shape.version.to_string()),
            ("question_id", &suits[1].to_string()),
            ("from", "panel"),
            ("q", q),
        ],
    );
    assert_eq!(res.status, 303);
    assert_eq!(
        res.header("location").unwrap(),
        format!("/stages/{second}/questions?q=a+b%26c#pick-{}", suits[1])
    );
    assert_eq!(question_ids(&job.template(&mut script), 1), [suits[1]]);
}
