//! A recruiter schedules a loop across two time zones and sends the prep
//! pack; a hiring manager opens the debrief from the candidates list and
//! records the decision.

use fantoccini::key::Key;
use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Member, Team, candidate, job, plan, scorecard, stage};
use crate::page::Page;
use crate::smtp::SmtpServer;
use crate::support::{TestApp, TestDb};

/// Types a date and time into a `datetime-local` field as a person does,
/// segment by segment in the suite's locale (en-US: month, day, year; then
/// hours, minutes, AM or PM). The year takes up to six digits, so Tab moves on.
fn type_start(page: &mut Page, css: &str, month_day_year: &str, hours_minutes_half: &str) {
    page.click(css);
    page.press(Key::Home, 1);
    page.type_here(month_day_year);
    page.press(Key::Tab, 1);
    page.type_here(hours_minutes_half);
}

#[test]
fn a_recruiter_schedules_two_time_zones_and_sends_the_prep_pack() {
    // A relay slow enough that the page shows the email queued first.
    let smtp = SmtpServer::start_slow(std::time::Duration::from_secs(2));
    let url = smtp.url();
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    let mut manager = Member::new(&app, Role::HiringManager);
    let mut recruiter = Member::new(&app, Role::Recruiter);
    let job = job("Backend Developer").create(&mut manager.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut recruiter.api);
    let Some(mut page) = Page::open("recruiter-schedule", &app.base) else {
        return;
    };
    page.sign_in(&recruiter.user);

    page.step("candidates list to the candidate");
    page.goto("/candidates");
    page.click(&format!("a[href='/candidates/{}']", ada.id));
    page.arrive(&format!("/candidates/{}", ada.id));

    let slots = [
        (
            ada.stages[0],
            "12032026",
            "0930A",
            "Europe/Berlin",
            "2026-12-03T09:30",
        ),
        (
            ada.stages[1],
            "12042026",
            "0200P",
            "America/New_York",
            "2026-12-04T14:00",
        ),
    ];
    for (stage, date, time, zone, expected) in slots {
        page.step(&format!("schedule stage {stage} in {zone}"));
        page.click(&format!(
            "form[action='/stages/{stage}/schedule'] ~ summary, details:has(form[action='/stages/{stage}/schedule']) > summary"
        ));
        let start = format!("#stage-{stage}-starts_at");
        type_start(&mut page, &start, date, time);
        assert_eq!(page.value(&start), expected, "the date as typed");
        page.fill(&format!("#stage-{stage}-time_zone"), zone);
        page.click(&format!(
            "form[action='/stages/{stage}/schedule'] button[type=submit]"
        ));
        page.arrive(&format!("/candidates/{}", ada.id));
        assert!(
            page.exists(".flash.success"),
            "saved: {}",
            page.text("main")
        );
    }
    let loop_json = recruiter
        .api
        .get(&format!("/api/v1/candidates/{}/loop", ada.id))
        .json();
    let zones: Vec<_> = loop_json["stages"]
        .as_array()
        .map(|s| s.iter().take(2).map(|s| s["time_zone"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(zones, [json!("Europe/Berlin"), json!("America/New_York")]);
    // 09:30 in Berlin (CET) and 14:00 in New York (EST), in UTC.
    assert_eq!(
        loop_json["stages"][0]["starts_at"],
        "2026-12-03T08:30:00+00:00"
    );
    assert_eq!(
        loop_json["stages"][1]["starts_at"],
        "2026-12-04T19:00:00+00:00"
    );

    page.step("send the prep pack");
    page.type_into("#field-note", "Looking forward to meeting you.");
    page.click_text("Send prep pack");
    page.arrive(&format!("/candidates/{}", ada.id));
    let first = page.js(
        "return document.querySelector('tr[data-status] .delivery-status .badge').textContent;",
        vec![],
    );
    assert_ne!(
        first,
        serde_json::Value::from("Sent"),
        "the relay is slow: {first}"
    );
    let mail = smtp.wait_for(1).remove(0);
    assert_eq!(mail.to, ["ada.lovelace@example.com"]);
    assert!(mail.data.contains("Looking forward to meeting you."));

    page.step("delivery turns to sent without a reload");
    // A mark on this document: a reload would lose it.
    page.js("window.stillThisPage = true;", vec![]);
    page.wait_until(
        "(document.querySelector('tr[data-status] .delivery-status .badge') || {}).textContent === 'Sent'",
        "the delivery to show as sent",
    );
    assert_eq!(
        page.js("return window.stillThisPage === true;", vec![]),
        serde_json::Value::Bool(true),
        "the page was reloaded"
    );
    assert_eq!(
        page.text("section[aria-labelledby=prep-pack-heading] .badge.ok"),
        "Sent"
    );
    let news = page.js(
        "return document.getElementById('delivery-news').textContent;",
        vec![],
    );
    assert!(news.as_str().is_some_and(|n| n.contains("Sent")), "{news}");
}

#[test]
fn a_hiring_manager_opens_the_debrief_from_the_candidates_list_and_decides() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::with_interviewers(&app, 9);
    let job = job("Backend Developer").create(&mut manager.api);
    // Nine scorecards: two interviewers on each of the first four stages,
    // one on the fifth.
    let ids: Vec<i64> = interviewers.iter().map(|m| m.id).collect();
    let position_of = |i: usize| i / 2;
    let mut steps = plan();
    for (position, pair) in ids.chunks(2).enumerate() {
        steps = steps.stage(position, stage().interviewers(pair.to_vec()));
    }
    let shape = steps.apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let focus = |position: usize| -> Vec<i64> {
        shape.json["stages"][position]["focus_criterion_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(serde_json::Value::as_i64).collect())
            .unwrap_or_default()
    };
    for (i, mut member) in interviewers.into_iter().enumerate() {
        let position = position_of(i);
        let mut card = scorecard()
            .no_red_flags(&job.red_flags)
            .recommend(if i == 2 { "no" } else { "yes" })
            .summary("A long, careful answer about the data model and its trade-offs.");
        for criterion in focus(position) {
            card = card.rate(
                criterion,
                "yes",
                "Walked through the schema, then the indexes.",
            );
        }
        card.submit(&mut member.api, grace.stages[position]);
    }
    let Some(mut page) = Page::open("manager-debrief", &app.base) else {
        return;
    };
    page.sign_in(&manager.user);

    page.step("candidates list to the debrief");
    page.goto("/candidates");
    page.click(&format!(
        "td.debrief-progress a[href='/candidates/{}/debrief']",
        grace.id
    ));
    page.arrive(&format!("/candidates/{}/debrief", grace.id));
    assert!(page.exists("table.debrief-matrix"));

    page.step("the matrix scrolls inside its wrapper, its first column stays");
    assert_eq!(
        page.js(
            "return document.querySelectorAll('table.debrief-matrix thead th').length;",
            vec![]
        ),
        json!(10),
        "the criterion column and nine scorecards"
    );
    let scrolled = page.js(
        "const wrap = document.querySelector('.debrief-matrix-wrap');
         const table = wrap.querySelector('table');
         const fits = wrap.getBoundingClientRect().right <= document.documentElement.clientWidth;
         const wider = table.scrollWidth > wrap.clientWidth;
         wrap.scrollLeft = wrap.scrollWidth;
         const first = wrap.querySelector('tbody th').getBoundingClientRect();
         const lastCol = [...wrap.querySelectorAll('thead th')].pop().getBoundingClientRect();
         return [fits, wider, Math.round(first.left - wrap.getBoundingClientRect().left),
                 lastCol.right <= wrap.getBoundingClientRect().right + 1];",
        vec![],
    );
    assert_eq!(scrolled, json!([true, true, 0, true]));

    page.step("record the decision");
    page.click("input[name=outcome][value=hire]");
    page.type_into(
        "textarea[name=rationale]",
        "Strong on the data model in two stages; the one no was about pace.",
    );
    page.click("form[action$='/decision'] button[type=submit]");
    page.arrive(&format!("/candidates/{}/debrief", grace.id));
    assert!(page.exists(".flash.success"), "{}", page.text("main"));
    let debrief = manager
        .api
        .get(&format!("/api/v1/candidates/{}/debrief", grace.id));
    assert_eq!(debrief.status, 200, "{}", debrief.body);
    assert_eq!(
        debrief.json()["decisions"][0]["outcome"],
        "hire",
        "{}",
        debrief.body
    );
}

#[test]
fn a_hiring_manager_hands_a_leavers_stage_on_by_typing_part_of_a_name() {
    use diesel::prelude::*;
    use loopwright::db::schema::users;

    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::with_interviewers(&app, 2);
    let (leaver, taker) = (interviewers[0].id, interviewers[1].id);
    diesel::update(users::table.find(taker))
        .set(users::name.eq("Katherine Johnson"))
        .execute(&mut app.conn())
        .expect("rename");
    let job = job("Backend Developer").create(&mut manager.api);
    plan()
        .stage(0, stage().interviewers([leaver]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    diesel::update(users::table.find(leaver))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate");
    let Some(mut page) = Page::open("manager-reassigns", &app.base) else {
        return;
    };
    page.sign_in(&manager.user);
    let debrief = format!("/candidates/{}/debrief", grace.id);
    page.goto(&debrief);
    assert!(page.exists(".debrief-left"), "{}", page.text("main"));

    page.step("type part of a name; the team is suggested, not listed");
    let field = "input[name=replacement]";
    page.type_into(field, "Kathe");
    page.wait_until(
        "[...document.querySelectorAll('.debrief-left datalist option')].some(o => o.value.startsWith('Katherine Johnson <'))",
        "Katherine to be suggested",
    );
    let suggestion = page.js(
        "return document.querySelector('.debrief-left datalist option').value;",
        vec![],
    );
    let suggestion = suggestion.as_str().expect("a suggestion").to_owned();
    page.fill(field, &suggestion);
    page.click(".debrief-left button[type=submit]");
    page.arrive(&debrief);
    assert!(page.exists(".flash.success"), "{}", page.text("main"));
    assert!(!page.exists(".debrief-left"));
    let shape = manager
        .api
        .get(&format!("/api/v1/candidates/{}/loop", grace.id))
        .json();
    assert_eq!(shape["stages"][0]["interviewer_ids"], json!([taker]));
}

#[test]
fn an_admin_filters_the_audit_log_by_typing_part_of_a_name() {
    use diesel::prelude::*;
    use loopwright::db::schema::users;

    let app = TestApp::spawn();
    let admin = Member::new(&app, Role::Admin);
    let mut recruiter = Member::new(&app, Role::Recruiter);
    diesel::update(users::table.find(recruiter.id))
        .set(users::name.eq("Dorothy Vaughan"))
        .execute(&mut app.conn())
        .expect("rename");
    let made = recruiter.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "weekly report", "scope": "read"}),
    );
    assert_eq!(made.status, 201);
    let Some(mut page) = Page::open("audit-person", &app.base) else {
        return;
    };
    page.sign_in(&admin.user);
    page.goto("/audit");

    page.step("type part of a name; people are suggested, not listed");
    page.type_into("#field-actor", "Doro");
    page.wait_until(
        "[...document.querySelectorAll('#people-actor option')].some(o => o.value.startsWith('Dorothy Vaughan <'))",
        "Dorothy to be suggested",
    );
    let suggestion = page.js(
        "return document.querySelector('#people-actor option').value;",
        vec![],
    );
    let suggestion = suggestion.as_str().expect("a suggestion").to_owned();
    page.fill("#field-actor", &suggestion);
    page.click(".audit-filter button[type=submit]");
    page.arrive("/audit?");
    page.audit();
    assert!(
        page.text("main").contains("token.created"),
        "{}",
        page.text("main")
    );
    let only_hers = page.js(
        "const rows = [...document.querySelectorAll('table.audit-log tbody tr')];
         return rows.length > 0 && rows.every(r => r.textContent.includes('Dorothy Vaughan'));",
        vec![],
    );
    assert_eq!(only_hers, json!(true), "{}", page.text("main"));
    assert_eq!(page.value("#field-actor"), suggestion);
}
