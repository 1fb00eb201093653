//! The planner in a browser: a hiring manager plans the six typical stages,
//! three questions and one interviewer each, then reorders by dragging and
//! by keyboard, counting what they do and checking no page loads.

use fantoccini::key::Key;
use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{Loop, job};
use crate::page::Page;
use crate::support::TestApp;

/// Set on the page once; a page load would lose it.
const MARK: &str = "window.plannerMark = 'no page load since';";
const STILL_MARKED: &str = "return window.plannerMark === 'no page load since';";
const IDLE: &str = "!document.getElementById('planner').classList.contains('is-busy')";

fn titles(shape: &Loop) -> Vec<String> {
    shape.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Drags `handle` to the vertical middle of `over` with pointer events, as
/// a mouse or a finger does (one action).
fn drag(page: &mut Page, handle: &str, over: &str, below: bool) {
    page.js(
        "const handle = document.querySelector(arguments[0]);
         const over = document.querySelector(arguments[1]).getBoundingClientRect();
         const from = handle.getBoundingClientRect();
         const x = from.left + from.width / 2, y0 = from.top + from.height / 2;
         const y1 = over.top + over.height * (arguments[2] ? 0.8 : 0.2);
         const fire = (type, y) => handle.dispatchEvent(new PointerEvent(type, {
           bubbles: true, cancelable: true, pointerId: 1, isPrimary: true,
           pointerType: 'mouse', button: 0, buttons: type === 'pointerup' ? 0 : 1,
           clientX: x, clientY: y }));
         fire('pointerdown', y0);
         for (let i = 1; i <= 8; i++) fire('pointermove', y0 + (y1 - y0) * i / 8);
         fire('pointerup', y1);",
        vec![json!(handle), json!(over), json!(below)],
    );
}

#[test]
fn a_hiring_manager_plans_six_stages_in_thirty_actions_without_a_page_load() {
    let app = TestApp::spawn();
    let Some(mut page) = Page::open("planner", &app.base) else {
        return;
    };
    let hm = app.user(Role::HiringManager);
    let interviewer = app.user(Role::Interviewer);
    let mut script = app.script(&hm);
    let job = job("Six stages").create(&mut script);
    let stages = job.template(&mut script).stages;
    assert_eq!(stages.len(), 6);

    page.sign_in(&hm);
    page.step("six stages fit a laptop screen");
    page.goto(&format!("/jobs/{}", job.id));
    let bottom = page.js(
        "return document.querySelector('#stage-list > li:last-child').getBoundingClientRect().bottom;",
        vec![],
    );
    assert!(
        bottom.as_f64().unwrap() <= 768.0,
        "the sixth stage ends at {bottom} px"
    );
    page.js(MARK, vec![]);
    page.reset_actions();

    page.step("plan");
    for stage in &stages {
        page.click(&format!(".picker-open[data-stage-id='{stage}']"));
        for n in 1..=3 {
            page.wait_until(
                &format!("{IDLE} && document.querySelector('#planner-picker:not([aria-busy]) .picker-add button')"),
                "the picker's suggestions",
            );
            page.click("#planner-picker .picker-add button");
            page.wait_until(
                &format!(
                    "{IDLE} && document.querySelectorAll('.stage-questions[data-stage-id=\"{stage}\"] > li').length === {n}"
                ),
                "the question in the stage",
            );
        }
        // The team is searched as one types: their email, then Enter.
        page.type_into(
            &format!(".stage-interviewers[data-stage-id='{stage}'] .interviewer-add"),
            &format!("{}{}", interviewer.email, char::from(Key::Enter)),
        );
        page.wait_until(
            &format!(
                "{IDLE} && document.querySelector('.stage-interviewers[data-stage-id=\"{stage}\"] li[data-user-id=\"{}\"]')",
                interviewer.id
            ),
            "the interviewer on the stage",
        );
    }
    let planned = page.actions();
    println!("planning six stages × three questions and an interviewer: {planned} actions");
    assert!(planned <= 30, "planning took {planned} actions");
    assert_eq!(page.js(STILL_MARKED, vec![]), Value::Bool(true));
    let shape = job.template(&mut script);
    let mut asked = std::collections::BTreeSet::new();
    for s in shape.json["stages"].as_array().unwrap() {
        assert_eq!(s["question_ids"].as_array().unwrap().len(), 3);
        assert_eq!(s["interviewer_ids"], json!([interviewer.id]));
        for q in s["question_ids"].as_array().unwrap() {
            assert!(asked.insert(q.as_i64().unwrap()), "{q} is asked twice");
        }
    }
    assert!(
        !page.text("#planner-checks").contains("is asked in"),
        "taking the top suggestion never duplicates a question"
    );

    page.step("drag a stage");
    page.reset_actions();
    let before = titles(&shape);
    drag(
        &mut page,
        "#stage-list > li:nth-child(1) .grab",
        "#stage-list > li:nth-child(3)",
        true,
    );
    page.wait_until(
        &format!("{IDLE} && document.querySelector('#stage-list > li:nth-child(3) h3').textContent.includes('{}')", before[0]),
        "the stage in third place",
    );
    let moved = titles(&job.template(&mut script));
    assert_eq!(
        moved[..3],
        [before[1].clone(), before[2].clone(), before[0].clone()]
    );

    page.step("move a stage by keyboard");
    page.js(
        "document.querySelector('#stage-list > li:nth-child(3) .grab').focus();",
        vec![],
    );
    page.press(Key::Space, 1);
    page.wait_until(
        "document.getElementById('planner-live').textContent.startsWith('Picked up')",
        "the pick-up announced",
    );
    page.press(Key::Up, 2);
    page.press(Key::Space, 1);
    page.wait_until(
        &format!("{IDLE} && document.getElementById('planner-live').textContent.includes('position 1 of 6')"),
        "the move announced",
    );
    assert_eq!(titles(&job.template(&mut script)), before);
    assert!(
        page.focused_matches(".grab"),
        "the focus stays on the handle"
    );

    page.step("move a question by keyboard");
    let first = stages[0];
    let questions = |script: &mut crate::support::Browser| {
        job.template(script).json["stages"][0]["question_ids"].clone()
    };
    let asked_before = questions(&mut script);
    page.click(&format!("#stage-{first}-questions summary"));
    page.js(
        &format!("document.querySelector('.stage-questions[data-stage-id=\"{first}\"] > li:nth-child(1) .grab').focus();"),
        vec![],
    );
    page.press(Key::Space, 1);
    page.press(Key::Down, 1);
    page.press(Key::Space, 1);
    page.wait_until(
        &format!("{IDLE} && document.getElementById('planner-live').textContent.includes('Question moved')"),
        "the question moved",
    );
    let asked_after = questions(&mut script);
    assert_eq!(asked_after[0], asked_before[1]);
    assert_eq!(asked_after[1], asked_before[0]);
    // Each move is a handful of actions (the drag is one more than counted,
    // each focus on a handle one more), none of them a page load.
    let moves = page.actions() + 1 + 2;
    println!("a drag, a stage and a question moved by keyboard: {moves} actions");
    assert!(moves <= 12, "{moves} actions");
    assert_eq!(page.js(STILL_MARKED, vec![]), Value::Bool(true));

    page.step("someone else saves first");
    let now = job.template(&mut script);
    let res = script.patch_json(
        &format!("/api/v1/stages/{}", now.stages[5]),
        json!({"version": now.version, "title": "Changed elsewhere"}),
    );
    assert_eq!(res.status, 200);
    page.click("#stage-list > li:nth-child(2) form[data-move='stage-up'] button");
    page.wait_until(
        "!document.getElementById('planner-conflict').hidden",
        "the conflict said",
    );
    assert!(
        page.text("#planner-conflict")
            .contains("Someone else changed this loop")
    );
    assert_eq!(titles(&job.template(&mut script))[5], "Changed elsewhere");
    page.click_text("Reload");
    page.wait_until(
        "document.readyState === 'complete' && window.plannerMark === undefined",
        "the page reloaded",
    );
    assert!(page.text("#stage-list").contains("Changed elsewhere"));
}
