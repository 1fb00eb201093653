//! The Insights pages on the demo data set, for an admin and an
//! interviewer: each passes the audit (axe, no sideways scroll) at laptop
//! and phone sizes.

use diesel::prelude::*;
use loopwright::db::models::now;
use loopwright::db::schema::users;
use loopwright::insights::demo::{self, DemoOptions};

use crate::page::Page;
use crate::support::{TestApp, TestUser};

fn person(app: &TestApp, email: &str) -> TestUser {
    let id = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .expect("a demo person");
    TestUser {
        id,
        email: email.to_owned(),
        password: demo::PASSWORD.to_owned(),
    }
}

#[test]
fn the_insights_pages_pass_the_audit() {
    let app = TestApp::spawn();
    let report = demo::generate(
        &mut app.conn(),
        DemoOptions {
            candidates: 60,
            seed: 7,
        },
        now(),
    )
    .expect("demo data");
    let Some(mut page) = Page::open("insights", &app.base) else {
        return;
    };
    page.sign_in(&person(&app, &report.admin_email));
    page.step("calibration");
    page.goto("/insights");
    assert!(page.exists("svg.chart.distribution"));
    page.step("agreement");
    page.click_text("Agreement");
    page.arrive("/insights/criteria");
    page.step("questions by use");
    page.goto("/insights/questions?sort=use");
    page.step("one question");
    page.goto(&format!(
        "/insights/questions/{}",
        report.never_separating.0
    ));
    assert!(page.text("main").contains("Never separates"));
}

#[test]
fn an_interviewer_sees_their_own_calibration() {
    let app = TestApp::spawn();
    let report = demo::generate(
        &mut app.conn(),
        DemoOptions {
            candidates: 30,
            seed: 7,
        },
        now(),
    )
    .expect("demo data");
    let Some(mut page) = Page::open("insights-interviewer", &app.base) else {
        return;
    };
    page.sign_in(&person(&app, &report.lenient.2));
    page.step("own calibration");
    page.goto("/insights");
    assert!(page.text("main").contains(&report.lenient.1));
    assert!(!page.exists("nav.insights-views"));
}
