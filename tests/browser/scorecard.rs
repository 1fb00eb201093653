//! An interviewer and their scorecard: with the keyboard only, with a
//! pointer (counting actions), and with a summary far over its limit.

use fantoccini::key::Key;
use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Candidate, Job, Member, candidate, first_question, job, plan, stage};
use crate::page::{DESKTOP, PHONE, Page};
use crate::support::TestApp;

/// A job whose first stage rates two criteria and asks one question, with
/// `interviewer` on it, and a candidate on its loop.
fn one_stage_to_score(app: &TestApp, interviewer: &Member) -> (Job, Candidate) {
    let mut manager = Member::new(app, Role::HiringManager);
    let mut recruiter = Member::new(app, Role::Recruiter);
    let job = job("Backend Developer").create(&mut manager.api);
    assert_eq!(job.red_flags.len(), 5, "the track has five red flags");
    let ask = first_question(&mut manager.api, "stage_kind=recruiter-screen");
    plan()
        .stage(
            0,
            stage()
                .focus([job.criteria[0], job.criteria[1]])
                .questions([ask["id"].as_i64().unwrap_or_default()])
                .interviewers([interviewer.id]),
        )
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    (job, grace)
}

#[test]
fn an_interviewer_fills_a_scorecard_with_the_keyboard_only() {
    let app = TestApp::spawn();
    let mut me = Member::new(&app, Role::Interviewer);
    let (job, grace) = one_stage_to_score(&app, &me);
    let Some(mut page) = Page::open("scorecard-keyboard", &app.base) else {
        return;
    };
    let stage = grace.stages[0];
    let [c1, c2] = [job.criteria[0], job.criteria[1]];
    page.sign_in(&me.user);

    page.step("my interviews on a phone");
    page.goto("/interviews");
    page.set_viewport(PHONE);
    let state = page.js(
        "const badge = document.querySelector('table.interviews tbody .badge').getBoundingClientRect();
         return [badge.width > 0, badge.right <= document.documentElement.clientWidth];",
        vec![],
    );
    assert_eq!(
        state,
        json!([true, true]),
        "the scorecard's state is in view"
    );

    page.step("the kit on a phone: the scorecard one step away");
    page.goto(&format!("/stages/{stage}/kit"));
    let jump = page.js(
        "const link = document.querySelector('a.go-to-scorecard').getBoundingClientRect();
         const card = document.getElementById('scorecard').getBoundingClientRect();
         return [link.bottom <= window.innerHeight, card.top > window.innerHeight];",
        vec![],
    );
    assert_eq!(
        jump,
        json!([true, true]),
        "the link is on the first screen, the scorecard is not"
    );
    page.click("a.go-to-scorecard");
    let top = page.js(
        "return Math.round(document.getElementById('scorecard').getBoundingClientRect().top);",
        vec![],
    );
    assert!(
        top.as_i64().is_some_and(|t| (0..=40).contains(&t)),
        "scrolled to {top}"
    );
    page.reset_actions();
    page.set_viewport(DESKTOP);

    page.step("my interviews to the kit");
    page.goto("/interviews");
    page.tab_to(&format!("a[href='/stages/{stage}/kit']"));
    page.press(Key::Enter, 1);
    page.arrive(&format!("/stages/{stage}/kit"));

    page.step("skip to the scorecard");
    page.tab_to("a.go-to-scorecard");
    page.press(Key::Enter, 1);
    assert!(
        page.focused_matches("#scorecard"),
        "the link moves the focus"
    );

    page.step("evidence before ratings");
    page.tab_to(&format!("#evidence-{c1}"));
    page.type_here("Explained why the composite index helps the report query.");
    page.tab_to(&format!("#evidence-{c2}"));
    page.type_here("Named the N+1 and fixed it with a join.");
    page.wait_until(
        "document.getElementById('autosave-status').textContent.startsWith('Draft saved')",
        "the draft to be saved in the background",
    );

    page.step("reload keeps the evidence");
    page.reload();
    assert_eq!(
        page.value(&format!("#evidence-{c1}")),
        "Explained why the composite index helps the report query."
    );
    assert_eq!(
        page.value(&format!("#evidence-{c2}")),
        "Named the N+1 and fixed it with a join."
    );

    page.step("ratings after the evidence");
    page.tab_to("a.go-to-scorecard");
    page.press(Key::Enter, 1);
    for (criterion, rating) in [(c1, "yes"), (c2, "strong_yes")] {
        page.tab_to(&format!("#evidence-{criterion}"));
        // Back into the radio group, then along the scale with the arrows.
        page.press_shift_tab();
        assert!(page.focused_matches(&format!("input[name='rating-{criterion}']")));
        page.press_until_checked(Key::Left, &format!("#rating-{criterion}-{rating}"));
    }

    page.step("red flags, recommendation, summary");
    for flag in &job.red_flags {
        page.tab_to(&format!("#red_flag-{flag}-yes"));
        page.press_until_checked(Key::Right, &format!("#red_flag-{flag}-no"));
    }
    page.tab_to("input[name=recommendation]");
    page.press_until_checked(Key::Right, "#recommendation-yes");
    page.tab_to("#field-summary");
    page.type_here("Solid on SQL; would hire for the platform team.");

    page.step("submit");
    page.tab_to("button[value=submit]");
    page.press(Key::Enter, 1);
    page.arrive(&format!("/stages/{stage}/kit"));
    assert!(page.text(".flash.success").contains("Scorecard submitted."));
    let keyboard_actions = page.actions();
    eprintln!("keyboard flow: {keyboard_actions} key presses and typed fields");

    let card = me.api.get(&format!("/api/v1/stages/{stage}/scorecard"));
    assert_eq!(card.status, 200, "{}", card.body);
    let card = card.json();
    assert_eq!(card["status"], "submitted");
    assert_eq!(card["recommendation"], "yes");
    let ratings = card["ratings"].as_array().cloned().unwrap_or_default();
    assert!(
        ratings.contains(&json!({"criterion_id": c1, "rating": "yes",
            "evidence": "Explained why the composite index helps the report query."})),
        "{ratings:?}"
    );
}

#[test]
fn a_two_criterion_five_red_flag_scorecard_takes_at_most_14_actions() {
    let app = TestApp::spawn();
    let me = Member::new(&app, Role::Interviewer);
    let (job, grace) = one_stage_to_score(&app, &me);
    let Some(mut page) = Page::open("scorecard-actions", &app.base) else {
        return;
    };
    let stage = grace.stages[0];
    page.sign_in(&me.user);
    page.goto(&format!("/stages/{stage}/kit"));

    page.step("the scale is one line");
    let rows = page.js(
        "return new Set([...document.querySelectorAll(\"label[for^='rating-\" + arguments[0] + \"-']\")]
            .map(l => Math.round(l.getBoundingClientRect().top))).size;",
        vec![json!(job.criteria[0])],
    );
    assert_eq!(rows, json!(1), "the five steps of the scale share one line");

    page.step("fill and submit");
    page.reset_actions();
    for criterion in [job.criteria[0], job.criteria[1]] {
        page.type_into(&format!("#evidence-{criterion}"), "Walked through it well.");
        page.click(&format!("label[for='rating-{criterion}-yes']"));
    }
    for flag in &job.red_flags {
        page.click(&format!("label[for='red_flag-{flag}-no']"));
    }
    page.click("label[for='recommendation-yes']");
    page.type_into("#field-summary", "Clear and careful.");
    page.click("button[value=submit]");
    page.arrive(&format!("/stages/{stage}/kit"));
    assert!(page.text(".flash.success").contains("Scorecard submitted."));
    let actions = page.actions();
    eprintln!("a two-criterion, five-red-flag scorecard: {actions} actions");
    assert!(actions <= 14, "{actions} actions");
}

#[test]
fn a_summary_over_its_limit_is_refused_next_to_the_field_and_the_draft_is_kept() {
    let app = TestApp::spawn();
    let mut me = Member::new(&app, Role::Interviewer);
    let (job, grace) = one_stage_to_score(&app, &me);
    let stage = grace.stages[0];
    let c1 = job.criteria[0];
    crate::builders::scorecard()
        .rate(c1, "yes", "Explained the index.")
        .summary("First thoughts.")
        .draft(&mut me.api, stage);
    let Some(mut page) = Page::open("scorecard-limit", &app.base) else {
        return;
    };
    page.sign_in(&me.user);
    page.goto(&format!("/stages/{stage}/kit"));

    page.step("the limit is stated and counted");
    assert!(
        page.text("#hint-summary")
            .contains("Up to 10,000 characters")
    );
    let limit = page.js(
        "return document.getElementById('field-summary').getAttribute('maxlength');",
        vec![],
    );
    assert_eq!(limit, json!("10000"));
    assert_eq!(page.text("#count-summary"), "15 of 10,000 characters");
    page.type_into("#field-summary", " More.");
    assert_eq!(page.text("#count-summary"), "21 of 10,000 characters");

    page.step("the script stops a text over its limit");
    let long = "x".repeat(70_000);
    page.js(
        "const f = document.getElementById('field-summary');
         f.removeAttribute('maxlength'); f.value = arguments[0];
         f.setAttribute('maxlength', '10000');
         f.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![json!(long)],
    );
    page.click("button[value=save]");
    assert!(
        page.text("#autosave-status")
            .contains("is longer than its limit of 10,000 characters"),
        "{}",
        page.text("#autosave-status")
    );
    assert!(page.focused_matches("#field-summary"));
    assert!(page.text("#count-summary").starts_with("70,000 of 10,000"));

    page.step("the server refuses it beside the field, keeping what was typed");
    // As a browser without the script would send it.
    page.js(
        "const form = document.getElementById('scorecard-form');
         const action = document.createElement('input');
         action.type = 'hidden'; action.name = 'action'; action.value = 'save';
         form.append(action); form.submit();",
        vec![],
    );
    page.wait_until(
        "document.querySelector('#error-summary') !== null",
        "the form again with the summary's error",
    );
    page.audit();
    assert!(
        page.text("#error-summary")
            .contains("The summary is 70,000 characters long; the limit is 10,000."),
        "{}",
        page.text("#error-summary")
    );
    assert_eq!(page.value("#field-summary").len(), 70_000);
    assert_eq!(
        page.value(&format!("#evidence-{c1}")),
        "Explained the index."
    );
    let stored = me.api.get(&format!("/api/v1/stages/{stage}/scorecard"));
    assert_eq!(
        stored.json()["summary"],
        "First thoughts.",
        "the draft is kept"
    );
}

#[test]
fn an_autosave_after_a_submission_elsewhere_says_the_card_is_locked_and_keeps_the_text() {
    let app = TestApp::spawn();
    let mut me = Member::new(&app, Role::Interviewer);
    let (job, grace) = one_stage_to_score(&app, &me);
    let stage = grace.stages[0];
    let [c1, c2] = [job.criteria[0], job.criteria[1]];
    let Some(mut page) = Page::open("scorecard-locked", &app.base) else {
        return;
    };
    page.sign_in(&me.user);
    page.goto(&format!("/stages/{stage}/kit"));

    page.step("the card is submitted from another tab");
    crate::builders::scorecard()
        .rate(c1, "yes", "Explained the index.")
        .rate(c2, "yes", "Weighed the trade-offs.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Sent from the other tab.")
        .submit(&mut me.api, stage);

    page.step("typing here: the autosave is refused and says why");
    page.type_into(
        &format!("#evidence-{c1}"),
        "Typed after the other tab sent it.",
    );
    page.wait_until(
        "document.getElementById('autosave-status').textContent.includes('locked')",
        "the autosave to say the scorecard is locked",
    );
    assert!(
        page.text("#autosave-status")
            .contains("what you typed comes back as an amendment"),
        "{}",
        page.text("#autosave-status")
    );

    page.step("saving the form brings the text back as an amendment");
    page.click("button[value=save]");
    page.wait_until(
        "document.querySelector('[name=reason]') !== null",
        "the kit again with the amendment form",
    );
    assert!(
        page.value(&format!("#evidence-{c1}"))
            .contains("Typed after the other tab sent it."),
        "{}",
        page.value(&format!("#evidence-{c1}"))
    );
    let stored = me.api.get(&format!("/api/v1/stages/{stage}/scorecard"));
    assert_eq!(stored.json()["summary"], "Sent from the other tab.");
}
