//! Webhooks as an administrator reaches them: from the People page, a
//! refused form that keeps what was typed, then the webhook's own page;
//! every page passes the audit at both sizes.

use loopwright::domain::Role;

use crate::page::Page;
use crate::support::TestApp;

#[test]
fn an_admin_adds_a_webhook_from_the_people_page_and_every_page_passes_the_audit() {
    let app = TestApp::spawn();
    let Some(mut page) = Page::open("webhooks", &app.base) else {
        return;
    };
    let admin = app.user(Role::Admin);
    page.sign_in(&admin);

    page.step("from the People page");
    page.goto("/users");
    page.click(".page-header a[href='/webhooks']");
    page.arrive("/webhooks");

    page.step("refused: no event chosen");
    page.fill("#field-url", "https://ats.example.com/hooks/loopwright");
    page.click("form[action='/webhooks'] button[type='submit']");
    page.wait_until(
        "document.querySelector('#error-events') !== null",
        "the events error",
    );
    page.audit();
    assert_eq!(
        page.value("#field-url"),
        "https://ats.example.com/hooks/loopwright",
        "the URL typed is kept"
    );

    page.step("added");
    page.click("#event-candidate\\.created");
    page.click("form[action='/webhooks'] button[type='submit']");
    page.arrive("/webhooks/");
    assert!(
        page.text("main")
            .contains("https://ats.example.com/hooks/loopwright")
    );
}
